package plan

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/idpsync/idpsync/idptype"
)

// Lockout is an Access application, an Access policy, or an account's
// Access organization, that loses a login option when an action runs.
type Lockout struct {
	// Kind is "application", "policy" or "organization".
	Kind      string `json:"kind"`
	AccountID string `json:"account_id"`
	// ID, Name and Domain name the application or policy; Name is the
	// organization's name and Domain its auth_domain for an organization.
	ID     string `json:"id,omitempty"`
	Name   string `json:"name"`
	Domain string `json:"domain,omitempty"`
	// IdPID is the login option it loses: the IdP, or in a recipient account
	// the received connection.
	IdPID string `json:"idp_id"`
	// Only: it loses its last way in. An application: no allowed IdP is
	// left, or none of its allow, bypass and non_identity policies can match
	// any more. A policy: none of its include rules can match any more, or a
	// require rule can never hold. The organization: it redirects every login
	// to this, its one IdP.
	Only bool `json:"only"`
	// ApplicationID and Application name the application a policy belongs
	// to; empty for a reusable policy no application was read with.
	ApplicationID string `json:"application_id,omitempty"`
	Application   string `json:"application,omitempty"`
	// Rules are the kinds of the policy's rules that name the login option
	// (login_method, saml, azureAD, okta, gsuite, github-organization, ...),
	// or "allowed_idps" for an application that lists it.
	Rules []string `json:"rules,omitempty"`
}

// Lockout kinds.
const (
	LockoutApplication  = "application"
	LockoutPolicy       = "policy"
	LockoutOrganization = "organization"
)

// LockoutUnread is something the lockout analysis of an action needed and
// could not read: the action's consequences are then unknown, so apply
// refuses it without --allow-destroy (prune: true does not cover it).
type LockoutUnread struct {
	AccountID string `json:"account_id"`
	// What could not be read, e.g. "the Access applications".
	What string `json:"what"`
	// Why, e.g. the API's error.
	Why string `json:"why"`
}

func (u LockoutUnread) String() string {
	return fmt.Sprintf("%s %s: %s could not be read: %s", idptype.OwnerKind(u.AccountID), idptype.OwnerID(u.AccountID), u.What, u.Why)
}

// AccessState is what an account's (or zone's) Access configuration says
// about its login options, as read for the lockout analysis.
type AccessState struct {
	// Applications is nil when it could not be read (see Unread).
	Applications []AccessApplication
	// Policies are the account's reusable policies (none for a zone: the
	// SDK builds /access/policies for accounts only).
	Policies []AccessPolicy
	// Organization is nil when it could not be read.
	Organization *AccessOrganization
	// IdPs are the account's login options: its IdPs and received connections.
	IdPs []AccessIdP
	// Received are the shares of federation grants the account receives, as
	// its share listing returns them (kind received), when it was read.
	Received []ReceivedGrant
	// Unread lists what of the account could not be read, and why.
	Unread []LockoutUnread
}

// AccessApplication is an Access application, the IdPs it allows and the
// policies it is evaluated with.
type AccessApplication struct {
	ID, Name, Domain string
	// AllowedIdPs empty means every IdP of the account (cloudflare-go v7.9.0
	// zero_trust/accessapplication.go: "Defaults to all IdPs configured in
	// your account").
	AllowedIdPs []string
	// Policies are the application's policies, its own and the reusable
	// ones it uses (GET .../access/apps/{app_id}/policies "Returns both
	// exclusively scoped and reusable policies used by the application",
	// cloudflare-typescript src/resources/zero-trust/access/applications/policies.ts).
	Policies []AccessPolicy
}

// AccessPolicy is an Access policy reduced to what decides who can match it.
type AccessPolicy struct {
	ID, Name string
	// Decision is allow, deny, non_identity or bypass (cloudflare-go v7.9.0
	// zero_trust/accesspolicy.go, Decision).
	Decision string
	// Include rules are ORed, Require rules ANDed (the SDK's comments on
	// include and require); exclude rules only ever take users away.
	Include, Require []AccessRule
}

// AccessRule is one rule of a policy: its kind (the rule object's one key,
// e.g. "email", "login_method", "saml") and the login option it is bound to,
// empty for a rule any login can satisfy.
type AccessRule struct {
	Kind  string
	IdPID string
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
	// ReadOnly marks a connection received from another account.
	ReadOnly bool
}

// ReceivedGrant is a share of a federation grant an account receives.
type ReceivedGrant struct {
	ShareID     string
	FromAccount string
	GrantID     string
	// IdPName is the name of the sender's IdP behind the grant, when the
	// sender's grants and IdPs were read; empty when unknown.
	IdPName string
}

// ShareReach is who a share reaches, as its recipient listing says.
type ShareReach struct {
	// Accounts are the recipients associating or associated; Associated
	// those whose connection is in place.
	Accounts   []string
	Associated map[string]bool
	// Unread says why the recipients could not be read; nil when they were.
	Unread *LockoutUnread
}

// LockoutInput is what the lockout analysis of a plan read.
type LockoutInput struct {
	// Access is the Access configuration per account (or zone owner key).
	Access map[string]*AccessState
	// Reach is who each share the plan removes reaches.
	Reach map[ShareRef]*ShareReach
}

// ShareRef names a share by the account that sends it and its id.
type ShareRef struct{ AccountID, ShareID string }

// grantRef names a grant by its account and id.
type grantRef struct{ accountID, grantID string }

// LockoutShares are the shares whose recipients the lockout analysis of p
// needs.
func LockoutShares(p *Plan) []ShareRef {
	byGrant := sharesByGrant(p)
	seen := map[ShareRef]bool{}
	var out []ShareRef
	for i := range p.Actions {
		a := &p.Actions[i]
		if k := (ShareRef{a.AccountID, shareOf(a, byGrant)}); removesShare(a, byGrant) && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// LockoutAccounts returns the accounts whose Access configuration the
// lockout analysis of p needs, sorted: the account of every IdP deleted or
// replaced, and every account reach says a removed share reaches. None for a
// plan without such actions, which therefore costs no extra read.
func LockoutAccounts(p *Plan, reach map[ShareRef]*ShareReach) []string {
	byGrant := sharesByGrant(p)
	seen := map[string]bool{}
	for i := range p.Actions {
		a := &p.Actions[i]
		if removesIdP(a) {
			seen[a.AccountID] = true
		}
		for _, id := range reachedBy(a, byGrant, reach) {
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

// removesShare reports whether the action takes a received connection away
// from the recipients of an existing share: the share deleted or replaced,
// the grant it carries deleted (which alone ends the sharing, REFERENCE.md
// §5.3), or one recipient removed.
func removesShare(a *Action, byGrant map[grantRef]string) bool {
	if shareOf(a, byGrant) == "" {
		return false
	}
	switch a.Resource {
	case ResourceShare:
		return a.Action == Delete || a.Action == Replace
	case ResourceGrant, ResourceRecipient:
		return a.Action == Delete
	case ResourceIdP, ResourceCertificateSet, ResourceEncryption, ResourceSCIMSecret:
		// Not a share, its grant or a recipient: no received connection ends here.
	}
	return false
}

// shareOf is the share an action works on: its own, or for a grant the
// share the plan names with that grant.
func shareOf(a *Action, byGrant map[grantRef]string) string {
	if a.IDs.Share != "" {
		return a.IDs.Share
	}
	if a.Resource == ResourceGrant && a.IDs.Grant != "" {
		return byGrant[grantRef{a.AccountID, a.IDs.Grant}]
	}
	return ""
}

// sharesByGrant maps each grant to the share the plan's actions name with
// it.
func sharesByGrant(p *Plan) map[grantRef]string {
	out := map[grantRef]string{}
	for i := range p.Actions {
		a := &p.Actions[i]
		if a.IDs.Grant != "" && a.IDs.Share != "" {
			k := grantRef{a.AccountID, a.IDs.Grant}
			if out[k] == "" || a.IDs.Share < out[k] {
				out[k] = a.IDs.Share
			}
		}
	}
	return out
}

// reachedBy is the accounts that lose the action's IdP as a received
// connection.
func reachedBy(a *Action, byGrant map[grantRef]string, reach map[ShareRef]*ShareReach) []string {
	if !removesShare(a, byGrant) {
		return nil
	}
	if a.Resource == ResourceRecipient {
		if a.RecipientAccount == "" {
			return nil
		}
		return []string{a.RecipientAccount}
	}
	r := reach[ShareRef{a.AccountID, shareOf(a, byGrant)}]
	if r == nil {
		return nil
	}
	return r.Accounts
}

// removal is one login option an action takes away.
type removal struct{ account, idp string }

// AnalyzeLockout sets every action's Lockout and LockoutUnread from in,
// replacing what the plan held: a saved plan's own lists are never trusted.
// For an action that removes a share, LosesAccess becomes the recipients
// the share's listing names.
//
// What an action takes away:
//   - an IdP delete or replace: the IdP, in its own account (a replaced IdP
//     comes back with a new id, which nothing names);
//   - a share delete or replace, the delete of the grant it carries, or a
//     recipient removal: in each account the share reaches, the read-only
//     connection that share delivered (receivedConnection).
//
// Everything the plan removes in one account is taken away together, so an
// application that allows two IdPs the plan both deletes loses its only way
// in, on each of the two actions.
func AnalyzeLockout(p *Plan, in LockoutInput) {
	byGrant := sharesByGrant(p)
	removed := map[string]map[string]bool{}
	per := make([][]removal, len(p.Actions))
	type pendingCandidates struct {
		action  int
		account string
		conns   []string
		unread  LockoutUnread
	}
	var ambiguous []pendingCandidates
	for i := range p.Actions {
		a := &p.Actions[i]
		a.Lockout, a.LockoutUnread = nil, nil
		add := func(acct, idp string) {
			per[i] = append(per[i], removal{acct, idp})
			if removed[acct] == nil {
				removed[acct] = map[string]bool{}
			}
			removed[acct][idp] = true
		}
		if removesIdP(a) {
			add(a.AccountID, a.IDs.IdP)
		}
		if !removesShare(a, byGrant) {
			continue
		}
		share := shareOf(a, byGrant)
		if a.Resource != ResourceRecipient {
			r := in.Reach[ShareRef{a.AccountID, share}]
			switch {
			case r == nil:
				a.LockoutUnread = append(a.LockoutUnread, LockoutUnread{AccountID: a.AccountID, What: "the recipients of share " + share, Why: "they were not read"})
			case r.Unread != nil:
				a.LockoutUnread = append(a.LockoutUnread, *r.Unread)
			default:
				a.LosesAccess = slices.Clone(r.Accounts)
			}
		}
		for _, acct := range reachedBy(a, byGrant, in.Reach) {
			st := in.Access[acct]
			if st == nil {
				a.LockoutUnread = append(a.LockoutUnread, LockoutUnread{AccountID: acct, What: "the Access configuration", Why: "it was not read"})
				continue
			}
			// Whatever of the recipient could not be read counts, even when
			// no connection was found: the IdP listing may be what failed.
			a.LockoutUnread = append(a.LockoutUnread, st.Unread...)
			associated := a.Resource == ResourceRecipient
			if r := in.Reach[ShareRef{a.AccountID, share}]; r != nil && r.Associated[acct] {
				associated = true
			}
			conn, cands, unread := receivedConnection(a, share, acct, st, associated)
			if unread != nil && cands == nil {
				a.LockoutUnread = append(a.LockoutUnread, *unread)
			}
			if cands != nil {
				ambiguous = append(ambiguous, pendingCandidates{action: i, account: acct, conns: cands, unread: *unread})
			}
			if conn != "" {
				add(acct, conn)
			}
		}
	}
	// An ambiguous connection matters only if one of the candidates, taken
	// away with everything else the plan removes there, locks something out.
	for _, amb := range ambiguous {
		st := in.Access[amb.account]
		for _, c := range amb.conns {
			gone := map[string]bool{c: true}
			for id := range removed[amb.account] {
				gone[id] = true
			}
			if len(lockouts(amb.account, c, st, gone)) > 0 {
				p.Actions[amb.action].LockoutUnread = append(p.Actions[amb.action].LockoutUnread, amb.unread)
				break
			}
		}
	}
	for i := range p.Actions {
		a := &p.Actions[i]
		reported := map[string]bool{}
		for _, rm := range per[i] {
			st := in.Access[rm.account]
			if st == nil {
				a.LockoutUnread = append(a.LockoutUnread, LockoutUnread{AccountID: rm.account, What: "the Access configuration", Why: "it was not read"})
				continue
			}
			if !reported[rm.account] {
				reported[rm.account] = true
				a.LockoutUnread = append(a.LockoutUnread, st.Unread...)
			}
			a.Lockout = append(a.Lockout, lockouts(rm.account, rm.idp, st, removed[rm.account])...)
		}
		slices.SortFunc(a.Lockout, func(x, y Lockout) int {
			return cmp.Or(cmp.Compare(x.AccountID, y.AccountID), cmp.Compare(kindOrder(x.Kind), kindOrder(y.Kind)),
				cmp.Compare(x.Application, y.Application), cmp.Compare(x.Name, y.Name), cmp.Compare(x.Domain, y.Domain),
				cmp.Compare(x.ID, y.ID), cmp.Compare(x.IdPID, y.IdPID))
		})
		a.Lockout = slices.CompactFunc(a.Lockout, func(x, y Lockout) bool {
			return x.Kind == y.Kind && x.AccountID == y.AccountID && x.ID == y.ID && x.Name == y.Name &&
				x.Domain == y.Domain && x.IdPID == y.IdPID && x.ApplicationID == y.ApplicationID
		})
		slices.SortFunc(a.LockoutUnread, func(x, y LockoutUnread) int {
			return cmp.Or(cmp.Compare(x.AccountID, y.AccountID), cmp.Compare(x.What, y.What), cmp.Compare(x.Why, y.Why))
		})
		a.LockoutUnread = slices.Compact(a.LockoutUnread)
	}
}

func kindOrder(k string) int {
	switch k {
	case LockoutOrganization:
		return 0
	case LockoutApplication:
		return 1
	}
	return 2
}

// receivedConnection finds, in the recipient account, the read-only
// connection the action's share delivered.
//
// Nothing the API returns ties a received connection to its share or to
// the source IdP: the IdP object has no such field (cloudflare-go v7.9.0
// zero_trust/identityprovider.go and cloudflare-typescript
// src/resources/zero-trust/identity-providers/identity-providers.ts carry
// id, name, type, config, scim_config and read_only only), and the recipient
// record names the grant, not the connection (REFERENCE.md §5.1). So the
// evidence is the share and recipient records (this share reaches the
// account) and the connection's name, which is the source IdP's (D-FED):
//   - no read-only connection of that name: there is nothing to lose yet;
//   - one, and the account's recipient record is associated, or no other
//     received grant could have delivered that name: it is this share's;
//   - otherwise the candidates are returned and named in the unread
//     record; the caller keeps that record only when it matters: when some
//     candidate, were it the one, would lock something out (duplicates that
//     overlapping runs left, with nothing using them, block nothing).
func receivedConnection(a *Action, share, acct string, st *AccessState, associated bool) (string, []string, *LockoutUnread) {
	var conns []string
	for _, c := range st.IdPs {
		if c.ReadOnly && c.Name == a.IdPName {
			conns = append(conns, c.ID)
		}
	}
	if len(conns) == 0 {
		return "", nil, nil
	}
	var others []string // senders of other received grants that may carry the same name
	for _, r := range st.Received {
		if r.ShareID == share || r.FromAccount == a.AccountID && r.GrantID != "" && r.GrantID == a.IDs.Grant {
			continue
		}
		if r.IdPName == "" || r.IdPName == a.IdPName {
			others = append(others, r.FromAccount)
		}
	}
	if st.Received == nil && len(conns) == 1 && !associated {
		return "", conns, &LockoutUnread{AccountID: acct, What: "which received connection share " + share + " removes",
			Why: "the account's received shares were not read"}
	}
	if len(conns) == 1 && (associated || len(others) == 0) {
		return conns[0], nil, nil
	}
	if len(conns) == 1 {
		return "", conns, &LockoutUnread{AccountID: acct, What: "which received connection share " + share + " removes",
			Why: fmt.Sprintf("connection %s is named %q, and so may be IdPs shared by %s, and the API ties no connection to its share",
				conns[0], a.IdPName, accountList(append(others, a.AccountID)))}
	}
	slices.Sort(conns)
	return "", conns, &LockoutUnread{AccountID: acct, What: "which received connection share " + share + " removes",
		Why: fmt.Sprintf("%d connections are named %q (%s), received from %s, and the API ties no connection to its share",
			len(conns), a.IdPName, strings.Join(conns, ", "), accountList(append(others, a.AccountID)))}
}

// lockouts lists what loses idpID when the plan removes every login option
// in gone from the account.
func lockouts(accountID, idpID string, st *AccessState, gone map[string]bool) []Lockout {
	var all []string
	for _, i := range st.IdPs {
		all = append(all, i.ID)
	}
	var out []Lockout
	seenPolicy := map[string]bool{}
	for _, app := range st.Applications {
		allowed := app.AllowedIdPs
		if len(allowed) == 0 {
			allowed = all
		}
		after := without(allowed, gone)
		before, left := waysIn(app, allowed), waysIn(app, after)
		var rules []string
		if slices.Contains(app.AllowedIdPs, idpID) {
			rules = append(rules, "allowed_idps")
		}
		for _, pol := range app.Policies {
			seenPolicy[pol.ID] = true
			kinds := boundKinds(pol, idpID)
			if len(kinds) == 0 || pol.Decision == "deny" {
				continue
			}
			rules = append(rules, kinds...)
			out = append(out, Lockout{
				Kind: LockoutPolicy, AccountID: accountID, ID: pol.ID, Name: pol.Name, IdPID: idpID,
				Only:          canMatch(pol, allowed) && !canMatch(pol, after),
				ApplicationID: app.ID, Application: app.Name, Rules: kinds,
			})
		}
		if len(rules) > 0 || before && !left {
			out = append(out, Lockout{
				Kind: LockoutApplication, AccountID: accountID, ID: app.ID, Name: app.Name, Domain: app.Domain,
				IdPID: idpID, Only: before && !left, Rules: sortedUnique(rules),
			})
		}
	}
	after := without(all, gone)
	for _, pol := range st.Policies {
		kinds := boundKinds(pol, idpID)
		if seenPolicy[pol.ID] || len(kinds) == 0 || pol.Decision == "deny" {
			continue
		}
		out = append(out, Lockout{
			Kind: LockoutPolicy, AccountID: accountID, ID: pol.ID, Name: pol.Name, IdPID: idpID,
			Only: canMatch(pol, all) && !canMatch(pol, after), Rules: kinds,
		})
	}
	if o := st.Organization; o != nil && o.AutoRedirectToIdentity && len(all) > 0 && len(after) == 0 {
		out = append(out, Lockout{
			Kind: LockoutOrganization, AccountID: accountID, Name: o.Name, Domain: o.AuthDomain,
			IdPID: idpID, Only: true,
		})
	}
	return out
}

func without(ids []string, gone map[string]bool) []string {
	var out []string
	for _, id := range ids {
		if !gone[id] {
			out = append(out, id)
		}
	}
	return out
}

// waysIn reports whether anyone can reach the application while logins
// through idps only are possible. An application read without policies is
// judged by its IdPs alone.
func waysIn(app AccessApplication, idps []string) bool {
	if len(app.Policies) == 0 {
		return len(idps) > 0
	}
	for _, p := range app.Policies {
		if p.Decision != "deny" && canMatch(p, idps) {
			return true
		}
	}
	return false
}

// canMatch reports whether some user could satisfy the policy while logins
// through idps only are possible: every require rule bound to an IdP names
// one of idps, and some include rule is free or bound to one of idps. An
// allow policy needs a login at all; bypass and non_identity do not.
func canMatch(p AccessPolicy, idps []string) bool {
	if p.Decision != "bypass" && p.Decision != "non_identity" && len(idps) == 0 {
		return false
	}
	for _, r := range p.Require {
		if r.IdPID != "" && !slices.Contains(idps, r.IdPID) {
			return false
		}
	}
	for _, r := range p.Include {
		if r.IdPID == "" || slices.Contains(idps, r.IdPID) {
			return true
		}
	}
	return false
}

// boundKinds are the kinds of the policy's include and require rules bound
// to idpID, sorted.
func boundKinds(p AccessPolicy, idpID string) []string {
	var out []string
	for _, rs := range [][]AccessRule{p.Include, p.Require} {
		for _, r := range rs {
			if r.IdPID == idpID {
				out = append(out, r.Kind)
			}
		}
	}
	return sortedUnique(out)
}

// LocksOut reports whether the action takes a login option away from an
// Access application, policy or organization. Such an action needs
// --allow-destroy even where the account has prune: true.
func (a *Action) LocksOut() bool { return len(a.Lockout) > 0 }

// LockoutBlind reports whether the action's consequences for Access could
// not be read in full (LockoutUnread). Such an action needs --allow-destroy
// even where the account has prune: true: a safety check that could not read
// what it needs fails closed.
func (a *Action) LockoutBlind() bool { return len(a.LockoutUnread) > 0 }

func accountList(ids []string) string {
	ids = sortedUnique(ids)
	if len(ids) == 1 {
		return "account " + ids[0]
	}
	return "accounts " + strings.Join(ids, ", ")
}
