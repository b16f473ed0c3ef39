package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/state"
)

// LoadDesired loads and validates the desired state. Diagnostics go to stderr;
// when there are errors it returns an error that exits 1 without printing more,
// before anything has talked to the API. Unset secrets are deferred to apply
// unless requireSecrets is set (apply itself, plan --resend-secrets).
func (f *Factory) LoadDesired(ctx context.Context, paths []string, requireSecrets bool) (*state.Desired, error) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	d, diags := state.Load(ctx, paths, state.LoadOptions{Getenv: f.Getenv, Now: f.Now, Root: f.Root, RequireSecrets: requireSecrets})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, diag := range diags {
		fmt.Fprintln(f.IO.ErrOut, diag.String())
	}
	if diags.HasErrors() || d == nil {
		n, noun := len(diags.Errors()), "errors"
		if n == 1 {
			noun = "error"
		}
		fmt.Fprintf(f.IO.ErrOut, "Error: the desired state is invalid (%d %s); nothing was sent to the API\n", n, noun)
		return nil, Exit(ExitError)
	}
	return d, nil
}

// Open loads and validates the desired state, keeps the accounts --account
// names, and only then connects: bad input never reaches the API.
func (f *Factory) Open(ctx context.Context, api *API, paths, accounts []string, requireSecrets bool) (*state.Desired, *Connection, error) {
	d, err := f.LoadDesired(ctx, paths, requireSecrets)
	if err != nil {
		return nil, nil, err
	}
	if d, err = SelectAccounts(d, accounts); err != nil {
		return nil, nil, err
	}
	conn, err := api.Connect(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	return d, conn, nil
}

// SelectAccounts keeps the declared accounts named by --account (all when
// none is named), so that a CI matrix can shard a large organization.
func SelectAccounts(d *state.Desired, ids []string) (*state.Desired, error) {
	if len(ids) == 0 {
		return d, nil
	}
	out := &state.Desired{Files: d.Files}
	for _, id := range ids {
		a := d.Account(id)
		if a == nil {
			for _, cand := range d.Accounts {
				if cand.Name == id {
					a = cand
				}
			}
		}
		if a == nil {
			return nil, fmt.Errorf("--account %s: no such account is declared", id)
		}
		if !slices.Contains(out.Accounts, a) {
			out.Accounts = append(out.Accounts, a)
		}
	}
	slices.SortFunc(out.Accounts, func(x, y *state.Account) int {
		if x.ID < y.ID {
			return -1
		}
		if x.ID > y.ID {
			return 1
		}
		return 0
	})
	return out, nil
}

// AccountIDs lists the ids of the declared accounts.
func AccountIDs(d *state.Desired) []string {
	ids := make([]string, len(d.Accounts))
	for i, a := range d.Accounts {
		ids[i] = a.ID
	}
	return ids
}

// ManagedByDesired reports whether a live IdP is declared, so the reader lists
// the recipients of its share and of nothing else.
func ManagedByDesired(d *state.Desired) func(accountID string, idp *state.LiveIdP) bool {
	type key struct{ account, name string }
	names := map[key]bool{}
	ids := map[string]bool{}
	for _, a := range d.Accounts {
		for _, i := range a.IdentityProviders {
			names[key{a.ID, i.Name}] = true
			if i.ID != "" {
				ids[i.ID] = true
			}
		}
	}
	return func(accountID string, idp *state.LiveIdP) bool {
		return ids[idp.ID] || names[key{accountID, idp.Name}]
	}
}

// ManagedByPlan is ManagedByDesired for a saved plan: the IdPs its actions name.
func ManagedByPlan(p *plan.Plan) func(accountID string, idp *state.LiveIdP) bool {
	type key struct{ account, name string }
	names := map[key]bool{}
	ids := map[string]bool{}
	for _, a := range p.Actions {
		names[key{a.AccountID, a.IdPName}] = true
		if a.IDs.IdP != "" {
			ids[a.IDs.IdP] = true
		}
	}
	return func(accountID string, idp *state.LiveIdP) bool {
		return ids[idp.ID] || names[key{accountID, idp.Name}]
	}
}

// PlanRequest is what shapes a plan besides the desired and live states.
type PlanRequest struct {
	Targets       []string
	ResendSecrets []string
}

// ReadLive reads the live state of the declared accounts.
func (f *Factory) ReadLive(ctx context.Context, conn *Connection, d *state.Desired) (*state.Live, error) {
	live, err := engine.ReadLive(ctx, conn.Client, AccountIDs(d), engine.ReadOptions{Managed: ManagedByDesired(d)})
	if err != nil {
		return nil, fmt.Errorf("read live state: %w", err)
	}
	return live, nil
}

// Plan reads the live state and diffs it against d.
func (f *Factory) Plan(ctx context.Context, conn *Connection, d *state.Desired, req PlanRequest) (*plan.Plan, *state.Live, error) {
	live, err := f.ReadLive(ctx, conn, d)
	if err != nil {
		return nil, nil, err
	}
	p, err := plan.Diff(d, live, plan.Options{
		Now:           f.APINow(conn),
		SecretSalt:    NewSalt(),
		ResendSecrets: req.ResendSecrets,
	})
	if err != nil {
		return nil, nil, err
	}
	if len(req.Targets) > 0 {
		if p, err = p.Target(req.Targets); err != nil {
			return nil, nil, err
		}
	}
	return p, live, nil
}

// APINow is the time by the API's clock when a response has shown it, else
// ours: certificate lifetimes are measured the way Cloudflare measures them.
func (f *Factory) APINow(conn *Connection) time.Time {
	if conn != nil && conn.Client != nil {
		if t, ok := conn.Client.ServerTime(); ok {
			return t
		}
	}
	return f.Now()
}

// NewSalt returns a random key for the secret hashes of one plan.
func NewSalt() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
