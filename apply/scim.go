package apply

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/plan"
)

// SCIMSecret is a SCIM secret the API just returned, with what the person
// configuring the external IdP needs beside it. It goes to a SCIMSecretSink
// and nowhere else: no Result, event, error or log holds Secret.
type SCIMSecret struct {
	AccountID string
	// Account is the account's label; IdP the IdP's address, IdPName its
	// name, IdPID its id (empty in ExpectSCIMSecret for a create).
	Account string
	IdP     string
	IdPName string
	IdPID   string
	// BaseURL is the SCIM base URL the external IdP pushes to.
	BaseURL string
	Secret  string
	// Ticket is what ExpectSCIMSecret returned for this request.
	Ticket string
}

// SCIMSecretSink keeps SCIM secrets: the CLI's writes each to a file under
// --secrets-out. ExpectSCIMSecret is called before each request whose
// answer carries a secret (s has no Secret yet) and records, durably, that
// one is on its way; WriteSCIMSecret, as soon as the answer is in, writes
// the secret durably and clears that record. A record left behind is how a
// later plan knows that a secret was handed out and never delivered.
// WriteSCIMSecret returns where the secret went, which may be printed.
type SCIMSecretSink interface {
	ExpectSCIMSecret(ctx context.Context, s SCIMSecret) (ticket string, err error)
	WriteSCIMSecret(ctx context.Context, s SCIMSecret) (where string, err error)
}

// scimForgetter is a sink that drops the secret of an IdP apply deleted.
type scimForgetter interface {
	ForgetSCIMSecret(ctx context.Context, idpID string)
}

// AppliedSCIMSecret says where the SCIM secret of an IdP was written.
type AppliedSCIMSecret struct {
	AccountID string
	Account   string
	IdP       string
	IdPName   string
	BaseURL   string
	// Where is what the sink returned: the file's path.
	Where string
	// Rotated is set when the secret came from refresh_scim_secret on request.
	Rotated bool
}

// errNoSink is returned when an action yields a SCIM secret and no sink was
// given: engine.Apply refuses such a plan before the first write, so this
// is a guard.
var errNoSink = errors.New("the API returns the SCIM secret only now and there is nowhere to write it (use --secrets-out DIR)")

// expectSCIM tells the sink that the request about to be sent for a returns
// a SCIM secret. id is empty for a create. Without a record the request is
// not sent: a secret must never be handed out where its loss would go unseen.
func (x *executor) expectSCIM(ctx context.Context, a *plan.Action, id string) (string, error) {
	if x.opts.SCIMSecrets == nil {
		return "", errNoSink
	}
	ticket, err := x.opts.SCIMSecrets.ExpectSCIMSecret(ctx, SCIMSecret{AccountID: a.AccountID, Account: a.Account, IdP: a.IdP, IdPName: a.IdPName, IdPID: id})
	if err != nil {
		return "", fmt.Errorf("nothing was sent: %w", err)
	}
	return ticket, nil
}

// undelivered is the error of an action whose SCIM secret was handed out
// and not written: loud, with what to do. The sink's record stays, so plan,
// drift and apply report the IdP until a new secret is delivered.
func undelivered(a *plan.Action, why string) error {
	return fmt.Errorf("SCIM secret NOT DELIVERED: %s; SCIM is on and nobody holds its secret, so the external IdP cannot provision users. "+
		"Deliver a new one with: idpsync apply --rotate-scim-secret '%s' --secrets-out DIR (plan, drift and apply report this IdP until then)", why, a.IdP)
}

// captureSCIM hands the SCIM secret of an action's answer to the sink. When
// the answer carries none (a create that was read back after a lost answer,
// or SCIM switched on again, for which the API need not return the secret),
// it asks for a new one through refresh_scim_secret rather than leave the
// external IdP without one. The secret is written before the action's next
// request.
func (x *executor) captureSCIM(ctx context.Context, a *plan.Action, id string, got *cloudflare.IdentityProvider, rotated bool, ticket string) error {
	if x.opts.SCIMSecrets == nil {
		return errNoSink
	}
	if got == nil || got.SCIMSecret == "" {
		refreshed, err := x.client.RefreshSCIMSecret(ctx, a.AccountID, id)
		if err != nil {
			return undelivered(a, fmt.Sprintf("the answer carried no secret, and asking for a new one failed: %v", err))
		}
		if refreshed == nil || refreshed.SCIMSecret == "" {
			return undelivered(a, "the answer carried no secret, and refresh_scim_secret answered without one too")
		}
		if got != nil && refreshed.SCIMConfig == nil {
			// An answer of the secret alone: the base URL is the IdP's.
			refreshed.SCIMConfig = got.SCIMConfig
		}
		got = refreshed
	}
	baseURL, _ := got.SCIMConfig["scim_base_url"].(string)
	s := SCIMSecret{AccountID: a.AccountID, Account: a.Account, IdP: a.IdP, IdPName: a.IdPName, IdPID: id, BaseURL: baseURL, Secret: got.SCIMSecret, Ticket: ticket}
	where, err := x.opts.SCIMSecrets.WriteSCIMSecret(ctx, s)
	if err != nil {
		// The sink's error names the file, never the secret.
		return undelivered(a, fmt.Sprintf("writing it failed: %v", err))
	}
	x.mu.Lock()
	x.scim = append(x.scim, AppliedSCIMSecret{
		AccountID: a.AccountID, Account: a.Account, IdP: a.IdP, IdPName: a.IdPName,
		BaseURL: baseURL, Where: where, Rotated: rotated,
	})
	x.mu.Unlock()
	return nil
}

// forgetSCIM drops the secret file of an IdP just deleted.
func (x *executor) forgetSCIM(ctx context.Context, id string) {
	if f, ok := x.opts.SCIMSecrets.(scimForgetter); ok {
		f.ForgetSCIMSecret(ctx, id)
	}
}

// doSCIMSecret regenerates an IdP's SCIM secret on request.
func (x *executor) doSCIMSecret(ctx context.Context, a *plan.Action) error {
	if a.Action != plan.Rotate {
		return unsupported(a)
	}
	id := x.ids.parent(a.IdP, fIdP, a.IDs.IdP)
	if id == "" {
		return fmt.Errorf("%s: rotate SCIM secret: no identity provider id", a.Address)
	}
	if x.opts.SCIMSecrets == nil {
		return fmt.Errorf("%s: rotate SCIM secret: %w", a.Address, errNoSink)
	}
	ticket, err := x.expectSCIM(ctx, a, id)
	if err != nil {
		return fmt.Errorf("%s: rotate SCIM secret: %w", a.Address, err)
	}
	got, err := x.client.RefreshSCIMSecret(ctx, a.AccountID, id)
	if err != nil {
		// The request may have been applied (a lost answer): the old
		// secret may be dead and the new one unknown. The record stays.
		return fmt.Errorf("%s: rotate SCIM secret: %w", a.Address, undelivered(a, fmt.Sprintf("refresh_scim_secret failed (%v), and may have replaced the secret all the same", err)))
	}
	if got == nil || got.SCIMSecret == "" {
		// No second refresh: its answer would have the same shape.
		return fmt.Errorf("%s: rotate SCIM secret: %w", a.Address, undelivered(a, "refresh_scim_secret answered without a secret, and the old one no longer works"))
	}
	if err := x.captureSCIM(ctx, a, id, got, true, ticket); err != nil {
		return fmt.Errorf("%s: %w", a.Address, err)
	}
	return nil
}

func sortSCIM(s []AppliedSCIMSecret) {
	sort.Slice(s, func(i, j int) bool { return s[i].IdP < s[j].IdP })
}
