package plan

import (
	"cmp"
	"slices"
)

// Lockout is an Access application, or an account's Access organization,
// that loses a login option when an action runs.
type Lockout struct {
	// Kind is "application" or "organization".
	Kind      string `json:"kind"`
	AccountID string `json:"account_id"`
	// ID, Name and Domain name the application; Name is the organization's
	// name and Domain its auth_domain for an organization.
	ID     string `json:"id,omitempty"`
	Name   string `json:"name"`
	Domain string `json:"domain,omitempty"`
	// IdPID is the login option it loses: the IdP, or in a recipient account
	// the received connection.
	IdPID string `json:"idp_id"`
	// Only: it was the application's only allowed IdP, or the one the
	// organization redirects to, so its users can no longer sign in.
	Only bool `json:"only"`
}

// Lockout kinds.
const (
	LockoutApplication  = "application"
	LockoutOrganization = "organization"
)

// AccessState is what an account's Access configuration says about its
// login options, as read for the lockout analysis.
type AccessState struct {
	Applications []AccessApplication
	// Organization is nil when it could not be read.
	Organization *AccessOrganization
	// IdPs are the account's login options: its IdPs and received connections.
	IdPs []AccessIdP
}

// AccessApplication is an Access application and the IdPs it allows.
type AccessApplication struct {
	ID, Name, Domain string
	// AllowedIdPs empty means every IdP of the account (cloudflare-go v7.9.0
	// zero_trust/accessapplication.go: "Defaults to all IdPs configured in
	// your account"), so removing one IdP takes nothing away from it.
	AllowedIdPs []string
}

// AccessOrganization is an account's Zero Trust organization.
type AccessOrganization struct {
	Name, AuthDomain string
	// AutoRedirectToIdentity: users skip the IdP selection step and go
	// straight to the account's one login method.
	AutoRedirectToIdentity bool
}

// AccessIdP is one login option of an account.
type AccessIdP struct {
	ID, Name string
	// ReadOnly marks a connection received from another account; FromAccount
	// is that account when the API revealed it.
	ReadOnly    bool
	FromAccount string
}

// LockoutAccounts returns the accounts whose Access configuration the
// lockout analysis of p needs, sorted: the account of every IdP deleted or
// replaced, and every account that loses a received connection. None for a
// plan without such actions, which therefore costs no extra read.
func LockoutAccounts(p *Plan) []string {
	seen := map[string]bool{}
	for i := range p.Actions {
		a := &p.Actions[i]
		if removesIdP(a) {
			seen[a.AccountID] = true
		}
		for _, id := range a.LosesAccess {
			seen[id] = true
		}
	}
	out := make([]string, 0, len(seen))
	for id := range seen {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

func removesIdP(a *Action) bool {
	return a.Resource == ResourceIdP && (a.Action == Delete || a.Action == Replace) && a.IDs.IdP != ""
}

// AnalyzeLockout sets every action's Lockout from access, the Access
// configuration of the accounts LockoutAccounts named, replacing what the
// plan held: a saved plan's own list is never trusted. An account missing
// from access contributes nothing.
//
// What an action takes away:
//   - an IdP delete or replace: the IdP, in its own account (a replaced IdP
//     comes back with a new id, which no application names);
//   - a grant delete, share delete or recipient removal (LosesAccess): in each
//     of those accounts, the read-only connection received for the IdP,
//     matched by the IdP's name and, where known, the account it comes from.
//
// An application loses the IdP when its allowed_idps lists it. The
// organization loses it when auto_redirect_to_identity is on and the IdP is
// the account's only login option: the redirect then has nowhere to go.
func AnalyzeLockout(p *Plan, access map[string]*AccessState) {
	for i := range p.Actions {
		a := &p.Actions[i]
		a.Lockout = nil
		if removesIdP(a) {
			a.Lockout = append(a.Lockout, lockouts(a.AccountID, a.IDs.IdP, access[a.AccountID])...)
		}
		for _, acct := range a.LosesAccess {
			st := access[acct]
			if st == nil {
				continue
			}
			for _, c := range st.IdPs {
				if c.ReadOnly && c.Name == a.IdPName && (c.FromAccount == "" || c.FromAccount == a.AccountID) {
					a.Lockout = append(a.Lockout, lockouts(acct, c.ID, st)...)
				}
			}
		}
		slices.SortFunc(a.Lockout, func(x, y Lockout) int {
			return cmp.Or(cmp.Compare(x.AccountID, y.AccountID), cmp.Compare(y.Kind, x.Kind),
				cmp.Compare(x.Name, y.Name), cmp.Compare(x.Domain, y.Domain), cmp.Compare(x.ID, y.ID))
		})
		a.Lockout = slices.Compact(a.Lockout)
	}
}

func lockouts(accountID, idpID string, st *AccessState) []Lockout {
	if st == nil {
		return nil
	}
	var out []Lockout
	for _, app := range st.Applications {
		if slices.Contains(app.AllowedIdPs, idpID) {
			out = append(out, Lockout{
				Kind: LockoutApplication, AccountID: accountID, ID: app.ID, Name: app.Name, Domain: app.Domain,
				IdPID: idpID, Only: len(app.AllowedIdPs) == 1,
			})
		}
	}
	if o := st.Organization; o != nil && o.AutoRedirectToIdentity && len(st.IdPs) == 1 && st.IdPs[0].ID == idpID {
		out = append(out, Lockout{
			Kind: LockoutOrganization, AccountID: accountID, Name: o.Name, Domain: o.AuthDomain,
			IdPID: idpID, Only: true,
		})
	}
	return out
}

// LocksOut reports whether the action takes a login option away from an
// Access application or organization. Such an action needs --allow-destroy
// even where the account has prune: true.
func (a *Action) LocksOut() bool { return len(a.Lockout) > 0 }
