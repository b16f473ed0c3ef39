package changeset

import (
	"bytes"
	"cmp"
	"encoding/json"
	"slices"
	"time"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/state"
)

// Reason says why an account is or is not planned.
type Reason string

const (
	// Changed: declared at both revisions, differently.
	Changed Reason = "changed"
	// Added: declared now, not at the base.
	Added Reason = "added"
	// Removed: declared at the base, not now. idpsync no longer manages it,
	// so no plan touches it, partial or whole: its live IdPs stay as they
	// are (deleting them takes `prune: true` and no IdPs, applied first).
	Removed Reason = "removed"
	// Recipient: unchanged, but a changed account shares an IdP with it (at
	// either revision), so the plan of the share sees the account it reaches.
	Recipient Reason = "recipient"
	// Unchanged: skipped (or, with Result.All, planned all the same).
	Unchanged Reason = "unchanged"
	// Unknown: the base could not be compared (Everything).
	Unknown Reason = "unknown"
)

// Entry is one account or zone and why it is (not) planned.
type Entry struct {
	// ID is the owner key (state.Account.ID): an account id, or a zone's key.
	ID    string
	Label string
	Reason
	// Via are the labels of the changed accounts that share with a
	// Recipient, sorted.
	Via []string
}

// Result is the comparison of two desired states.
type Result struct {
	// All, when set, says why every declared account must be planned: the
	// change reaches them all (the policy: block changed). Planned then holds
	// every account and Skipped none.
	All string
	// Planned are the accounts to plan: Changed, Added and Recipient, sorted
	// by id.
	Planned []Entry
	// Removed are the accounts declared at the base only: counted as
	// changed, never planned (see Removed).
	Removed []Entry
	// Skipped are the Unchanged accounts, sorted by id.
	Skipped []Entry
}

// Compare finds what changed from base to head. base may be nil (nothing was
// declared at the base).
func Compare(base, head *state.Desired) *Result {
	if base == nil {
		base = &state.Desired{}
	}
	r := &Result{}
	was := map[string]*state.Account{}
	for _, a := range base.Accounts {
		was[a.ID] = a
	}
	is := map[string]*state.Account{}
	for _, a := range head.Accounts {
		is[a.ID] = a
	}
	if !bytes.Equal(policyForm(base.Policy), policyForm(head.Policy)) {
		r.All = "the policy: block changed, and its rules apply to every account"
		for _, a := range head.Accounts {
			reason := Changed
			switch {
			case was[a.ID] == nil:
				reason = Added
			case bytes.Equal(accountForm(was[a.ID]), accountForm(a)):
				reason = Unchanged
			}
			r.Planned = append(r.Planned, Entry{ID: a.ID, Label: a.Label(), Reason: reason})
		}
		r.Removed = removed(base, is)
		return r
	}

	reason := map[string]Reason{}
	for _, a := range head.Accounts {
		switch old := was[a.ID]; {
		case old == nil:
			reason[a.ID] = Added
		case !bytes.Equal(accountForm(old), accountForm(a)):
			reason[a.ID] = Changed
		}
	}
	r.Removed = removed(base, is)

	// The accounts a changed one shares with, at either revision: removing
	// a recipient takes the login option from it as surely as adding one
	// gives it.
	via := map[string][]string{}
	for _, a := range head.Accounts {
		if reason[a.ID] == "" {
			continue
		}
		for _, decl := range []*state.Account{was[a.ID], a} {
			for _, id := range recipients(decl, head) {
				if id != a.ID && is[id] != nil && reason[id] == "" {
					via[id] = append(via[id], a.Label())
				}
			}
		}
	}
	for id, labels := range via {
		reason[id] = Recipient
		slices.Sort(labels)
		via[id] = slices.Compact(labels)
	}

	for _, a := range head.Accounts {
		e := Entry{ID: a.ID, Label: a.Label(), Reason: reason[a.ID], Via: via[a.ID]}
		if e.Reason == "" {
			e.Reason = Unchanged
			r.Skipped = append(r.Skipped, e)
			continue
		}
		r.Planned = append(r.Planned, e)
	}
	sortEntries(r.Planned)
	sortEntries(r.Skipped)
	return r
}

// Everything is the Result that plans every account of head, for why: the
// base could not be read, so nothing may be skipped.
func Everything(head *state.Desired, why string) *Result {
	r := &Result{All: why}
	for _, a := range head.Accounts {
		r.Planned = append(r.Planned, Entry{ID: a.ID, Label: a.Label(), Reason: Unknown})
	}
	sortEntries(r.Planned)
	return r
}

// Select returns head narrowed to the Planned accounts (all of them when
// All is set), keeping its files and policy.
func (r *Result) Select(head *state.Desired) *state.Desired {
	if r.All != "" {
		return head
	}
	keep := map[string]bool{}
	for _, e := range r.Planned {
		keep[e.ID] = true
	}
	out := *head
	out.Accounts = nil
	for _, a := range head.Accounts {
		if keep[a.ID] {
			out.Accounts = append(out.Accounts, a)
		}
	}
	return &out
}

func removed(base *state.Desired, is map[string]*state.Account) []Entry {
	var out []Entry
	for _, a := range base.Accounts {
		if is[a.ID] == nil {
			out = append(out, Entry{ID: a.ID, Label: a.Label(), Reason: Removed})
		}
	}
	sortEntries(out)
	return out
}

// recipients are the declared accounts a's IdPs share with: those named,
// and for an organization-wide share the accounts declared in the same
// organization. (Accounts that do not declare their organization cannot be
// told apart here; the plan's lockout analysis lists a share's recipients
// from the API whatever is declared.)
func recipients(a *state.Account, head *state.Desired) []string {
	if a == nil {
		return nil
	}
	var out []string
	for _, i := range a.IdentityProviders {
		if i.Federation == nil {
			continue
		}
		out = append(out, i.Federation.Accounts...)
		if i.Federation.Organization && a.Organization != "" {
			for _, b := range head.Accounts {
				if b.Organization == a.Organization {
					out = append(out, b.ID)
				}
			}
		}
	}
	return out
}

func sortEntries(es []Entry) {
	slices.SortFunc(es, func(x, y Entry) int { return cmp.Compare(x.ID, y.ID) })
}

// declared is an account as written, less where it was written: the form
// two revisions are compared in.
type declared struct {
	ID           string
	Zone         bool
	Name         string
	Organization string
	Prune        bool
	IdPs         []declaredIdP
}

type declaredIdP struct {
	ID         string
	Name       string
	Type       string
	Config     map[string]any
	Encryption *declaredEncryption `json:",omitempty"`
	Federation *state.Federation   `json:",omitempty"`
	Metadata   *[2]string          `json:",omitempty"`
	SCIM       map[string]any      `json:",omitempty"`
}

type declaredEncryption struct {
	Enabled      bool
	RotateWithin time.Duration
}

// reference stands for a value that came from a reference compared as
// written: a secret, or anything from the environment. Its key cannot be a
// config key, so no literal value can equal it.
type reference struct {
	Ref string `json:"\u0000ref"`
}

// accountForm is the account's declaration in a comparable form.
func accountForm(a *state.Account) []byte {
	d := declared{ID: a.ID, Zone: a.Zone, Name: a.Name, Organization: a.Organization, Prune: a.Prune}
	for _, i := range a.IdentityProviders {
		di := declaredIdP{ID: i.ID, Name: i.Name, Type: i.Type, Config: map[string]any{}}
		t := idptype.Types[i.Type]
		for k, v := range i.Config {
			if src, ok := i.Secrets[k]; ok {
				f, _ := t.Field(k)
				if src.MetadataURL != "" {
					continue // filled at plan time from a URL; the URL is compared
				}
				if f.Sensitive || isEnvRef(src.Ref) {
					v = reference{src.Ref}
				}
			}
			di.Config[k] = v
		}
		// A deferred value is absent from Config but named in Secrets.
		for k, src := range i.Secrets {
			if _, ok := di.Config[k]; !ok && src.MetadataURL == "" {
				di.Config[k] = reference{src.Ref}
			}
		}
		if e := i.Encryption; e != nil {
			di.Encryption = &declaredEncryption{Enabled: e.Enabled, RotateWithin: e.RotateWithin}
		}
		if f := i.Federation; f != nil {
			di.Federation = &state.Federation{Organization: f.Organization, Accounts: f.Accounts}
		}
		if m := i.Metadata; m != nil {
			di.Metadata = &[2]string{m.File, m.URL}
		}
		if i.SCIM != nil {
			di.SCIM = i.SCIM.Settings
			if di.SCIM == nil {
				di.SCIM = map[string]any{}
			}
		}
		d.IdPs = append(d.IdPs, di)
	}
	slices.SortFunc(d.IdPs, func(x, y declaredIdP) int { return cmp.Compare(x.Name, y.Name) })
	b, err := json.Marshal(d)
	if err != nil {
		// Config holds JSON values only (state.IdP.Config): never reached,
		// and a form that never compares equal plans the account.
		return []byte(err.Error() + a.ID)
	}
	return b
}

func isEnvRef(ref string) bool {
	return len(ref) > 6 && ref[:6] == "${env:"
}

// policyForm is the policy: block without positions.
func policyForm(p *state.Policy) []byte {
	if p == nil {
		return nil
	}
	var rules []state.PolicyRule
	for _, r := range p.Rules {
		c := *r
		c.Pos = state.Pos{}
		rules = append(rules, c)
	}
	var waivers []state.Waiver
	for _, w := range p.Waivers {
		c := *w
		c.Pos = state.Pos{}
		waivers = append(waivers, c)
	}
	b, _ := json.Marshal(struct {
		Rules   []state.PolicyRule
		Waivers []state.Waiver
	}{rules, waivers})
	return b
}
