package cli

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/internal/sanitize"
	"github.com/idpsync/idpsync/state"
)

// Load is what shapes loading the desired state besides the files: --root,
// which the root command declares for every command, and
// --max-federated-idps, which the commands that check the cap declare. Each
// command carries its own in its options, so no flag of one command reaches
// another through the Factory.
type Load struct {
	// Root is --root: the directory every ${file:...} is confined to; empty
	// means the top of the git work tree holding the configuration.
	Root string
	// MaxFederatedIdPs is --max-federated-idps: the federated IdPs one
	// account may hold; 0 means state.MaxFederatedIdPs.
	MaxFederatedIdPs int
}

// ReadRoot takes --root, declared by the root command for every command,
// as parsed for cmd.
func (l *Load) ReadRoot(cmd *cobra.Command) {
	if fl := cmd.Flag("root"); fl != nil {
		l.Root = fl.Value.String()
	}
}

// LoadOptions are the state.LoadOptions of a command: validate and the
// commands that load through LoadDesired build them here, so they load alike.
func (f *Factory) LoadOptions(l Load) state.LoadOptions {
	return state.LoadOptions{Getenv: f.Getenv, Now: f.Now, Root: l.Root, MaxFederatedIdPs: l.MaxFederatedIdPs}
}

// LoadDesired loads and validates the desired state. Diagnostics go to stderr;
// when there are errors it returns an error that exits 1 without printing more,
// before anything has talked to the API. Unset secrets are deferred to apply
// unless requireSecrets is set (apply itself, plan --resend-secrets).
func (f *Factory) LoadDesired(ctx context.Context, l Load, paths []string, requireSecrets bool) (*state.Desired, error) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	opts := f.LoadOptions(l)
	opts.RequireSecrets = requireSecrets
	d, diags := state.Load(ctx, paths, opts)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, diag := range diags {
		// A diagnostic starts with a file name, which a checkout controls.
		fmt.Fprintln(f.IO.ErrOut, sanitize.Lines(diag.String()))
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
func (f *Factory) Open(ctx context.Context, api *API, l Load, paths, accounts []string, requireSecrets bool) (*state.Desired, *Connection, error) {
	d, err := f.LoadDesired(ctx, l, paths, requireSecrets)
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
	out := &state.Desired{Files: d.Files, Policy: d.Policy}
	for _, id := range ids {
		a := d.Account(id)
		if a == nil {
			for _, cand := range d.Accounts {
				// A zone is selected by its name or its bare zone id.
				if cand.Name == id || cand.Zone && idptype.OwnerID(cand.ID) == id {
					a = cand
				}
			}
		}
		if a == nil {
			return nil, fmt.Errorf("--account %s: no such account or zone is declared", id)
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

// APIClock is APINow as a clock, for engine.PlanOptions.Now: it is read only
// once the live state has been read, when the API's clock is known.
func (f *Factory) APIClock(conn *Connection) func() time.Time {
	return func() time.Time { return f.APINow(conn) }
}

// ShellJoin quotes args for a POSIX shell where they need it, so that a
// printed command works when pasted.
func ShellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if a == "" || strings.ContainsFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r))
		}) {
			out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(out, " ")
}

// AddMaxFederatedFlag registers --max-federated-idps on cmd, for the
// commands that check the cap on federated IdPs per account (validate, plan,
// apply, drift).
func (l *Load) AddMaxFederatedFlag(cmd *cobra.Command) {
	l.MaxFederatedIdPs = state.MaxFederatedIdPs
	cmd.Flags().Var((*atLeastOne)(&l.MaxFederatedIdPs), "max-federated-idps",
		"identity providers one account may federate at a time: the API reference says 5, the product guide 1")
}

// atLeastOne is an int flag that refuses 0 and negative numbers: a cap of
// none would refuse every federation, and a silent fallback to the default
// would hide the typo.
type atLeastOne int

func (n *atLeastOne) String() string { return strconv.Itoa(int(*n)) }
func (n *atLeastOne) Type() string   { return "int" }

func (n *atLeastOne) Set(s string) error {
	v, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("not a whole number")
	}
	if v < 1 {
		return errors.New("must be 1 or more")
	}
	*n = atLeastOne(v)
	return nil
}

var hex32 = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9a-f]{32}$`) })

// Listed is the --account and --zone ids of a command that lists live state
// (certs, scim) instead of the declared accounts; ListedOwners checks them.
type Listed struct {
	// Load shapes loading the declared accounts when no id is given.
	Load     Load
	Accounts []string
	// Zones are --zone ids: zone-level IdPs to list instead of the declared ones.
	Zones []string
}

// AddFlags declares --account and --zone on cmd.
func (l *Listed) AddFlags(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringArrayVar(&l.Accounts, "account", nil, "list this account `ID` instead of the declared ones (repeatable)")
	fs.StringArrayVar(&l.Zones, "zone", nil, "list the zone-level IdPs of this zone `ID` instead of the declared ones (repeatable)")
}

// Owners are the owners a listing command reads: the --account and --zone
// ids when any are given, else the accounts declared under paths, with their
// labels for the report. desired is nil when ids are given.
func (l Listed) Owners(ctx context.Context, f *Factory, paths []string) (owners []string, labels map[string]string, desired *state.Desired, err error) {
	owners, err = ListedOwners(l.Accounts, l.Zones)
	if err != nil {
		return nil, nil, nil, err
	}
	labels = map[string]string{}
	if len(owners) > 0 {
		return owners, labels, nil, nil
	}
	if desired, err = f.LoadDesired(ctx, l.Load, paths, false); err != nil {
		return nil, nil, nil, err
	}
	for _, a := range desired.Accounts {
		owners = append(owners, a.ID)
		labels[a.ID] = a.Label()
	}
	return owners, labels, desired, nil
}

// ListedOwners turns --account and --zone ids, given to a command that lists
// live state without YAML, into owner keys (idptype.ZoneKey for a zone), in
// the order given. Malformed ids are refused before anything reaches the API.
func ListedOwners(accounts, zones []string) ([]string, error) {
	var out []string
	for _, id := range accounts {
		if !hex32().MatchString(id) {
			return nil, fmt.Errorf("--account %q: expected an account id of 32 lowercase hex characters", id)
		}
		out = append(out, id)
	}
	for _, id := range zones {
		if !hex32().MatchString(id) {
			return nil, fmt.Errorf("--zone %q: expected a zone id of 32 lowercase hex characters", id)
		}
		out = append(out, idptype.ZoneKey(id))
	}
	return out, nil
}
