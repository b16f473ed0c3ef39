package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/state"
)

// AccessClient is what AnalyzeLockout needs of the API client.
type AccessClient interface {
	ListIdentityProviders(ctx context.Context, accountID string) ([]cloudflare.IdentityProvider, error)
	ListAccessApplications(ctx context.Context, accountID string) ([]cloudflare.AccessApplication, error)
	ListAccessApplicationPolicies(ctx context.Context, accountID, appID string) ([]cloudflare.AccessPolicy, error)
	ListAccessPolicies(ctx context.Context, accountID string) ([]cloudflare.AccessPolicy, error)
	GetAccessOrganization(ctx context.Context, accountID string) (*cloudflare.AccessOrganization, error)
	ListShares(ctx context.Context, accountID string, opts cloudflare.ListSharesOptions) ([]cloudflare.Share, error)
	ListRecipients(ctx context.Context, accountID, shareID string) ([]cloudflare.Recipient, error)
	ListGrants(ctx context.Context, accountID string) ([]cloudflare.Grant, error)
}

// AnalyzeLockout reads what refers to the login options p removes and
// records, on each action, the Access applications, policies and
// organizations that lose one, and what could not be read
// (plan.AnalyzeLockout). It reads only when p deletes or replaces an IdP or
// removes a share, its grant or a recipient:
//   - the recipients of each share removed (its recipient listing, also for
//     an organization-wide share, whose recipients follow organization
//     membership: REFERENCE.md §5.2), whether or not they are declared;
//   - per account concerned: the IdP listing (unless live holds it), the
//     application listing and each application's policies, the reusable
//     policies, the organization, and for a recipient its received shares
//     with the grants behind them.
//
// A read that fails does not fail the plan: it is recorded on the actions
// that needed it, and apply refuses those without --allow-destroy. Only a
// cancelled context is an error.
func AnalyzeLockout(ctx context.Context, c AccessClient, p *plan.Plan, live *state.Live) error {
	in := plan.LockoutInput{Reach: map[plan.ShareRef]*plan.ShareReach{}, Access: map[string]*plan.AccessState{}}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, k := range plan.LockoutShares(p) {
		g.Go(func() error {
			r := readReach(gctx, c, k.AccountID, k.ShareID)
			mu.Lock()
			in.Reach[k] = r
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	accounts := plan.LockoutAccounts(p, in.Reach)
	recipients := recipientAccounts(p, in.Reach)
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, id := range accounts {
		g.Go(func() error {
			st := readAccess(gctx, c, id, live, recipients[id])
			mu.Lock()
			in.Access[id] = st
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	plan.AnalyzeLockout(p, in)
	return nil
}

func recipientAccounts(p *plan.Plan, reach map[plan.ShareRef]*plan.ShareReach) map[string]bool {
	out := map[string]bool{}
	for _, r := range reach {
		for _, a := range r.Accounts {
			out[a] = true
		}
	}
	for _, a := range p.Actions {
		if a.Resource == plan.ResourceRecipient && a.Action == plan.Delete && a.RecipientAccount != "" {
			out[a.RecipientAccount] = true
		}
	}
	return out
}

// readReach lists the recipients of a share: those associating or
// associated are the accounts that lose its connection.
func readReach(ctx context.Context, c AccessClient, accountID, shareID string) *plan.ShareReach {
	rs, err := c.ListRecipients(ctx, accountID, shareID)
	if err != nil {
		return &plan.ShareReach{Unread: &plan.LockoutUnread{AccountID: accountID, What: "the recipients of share " + shareID, Why: err.Error()}}
	}
	r := &plan.ShareReach{Associated: map[string]bool{}}
	seen := map[string]bool{}
	for _, x := range rs {
		switch x.AssociationStatus {
		case idptype.Associated:
			r.Associated[x.AccountID] = true
		case idptype.Associating:
		default:
			continue
		}
		if !seen[x.AccountID] {
			seen[x.AccountID] = true
			r.Accounts = append(r.Accounts, x.AccountID)
		}
	}
	return r
}

// readAccess reads what the analysis needs of one account, recording what
// it could not read instead of failing.
func readAccess(ctx context.Context, c AccessClient, accountID string, live *state.Live, recipient bool) *plan.AccessState {
	st := &plan.AccessState{}
	var mu sync.Mutex
	unread := func(what string, err error) {
		mu.Lock()
		st.Unread = append(st.Unread, plan.LockoutUnread{AccountID: accountID, What: what, Why: err.Error()})
		mu.Unlock()
	}
	var wg sync.WaitGroup
	goRead := func(f func()) {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	goRead(func() {
		apps, err := c.ListAccessApplications(ctx, accountID)
		if err != nil {
			unread("the Access applications", err)
			return
		}
		out := make([]plan.AccessApplication, len(apps))
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(4)
		for i, a := range apps {
			out[i] = plan.AccessApplication{ID: a.ID, Name: a.Name, Domain: a.Domain, AllowedIdPs: a.AllowedIdPs}
			g.Go(func() error {
				ps, err := c.ListAccessApplicationPolicies(gctx, accountID, a.ID)
				if err != nil {
					unread(fmt.Sprintf("the policies of Access application %s (%s)", a.Name, a.ID), err)
					return nil
				}
				out[i].Policies = policies(ps)
				if bad := unreadablePolicy(ps); bad != "" {
					unread(fmt.Sprintf("policy %s of Access application %s (%s)", bad, a.Name, a.ID), errUnreadableRule)
				}
				return nil
			})
		}
		_ = g.Wait()
		mu.Lock()
		st.Applications = out
		mu.Unlock()
	})
	if !idptype.IsZone(accountID) {
		goRead(func() {
			ps, err := c.ListAccessPolicies(ctx, accountID)
			if err != nil {
				unread("the reusable Access policies", err)
				return
			}
			mu.Lock()
			st.Policies = policies(ps)
			mu.Unlock()
			if bad := unreadablePolicy(ps); bad != "" {
				unread("reusable policy "+bad, errUnreadableRule)
			}
		})
	}
	goRead(func() {
		o, err := c.GetAccessOrganization(ctx, accountID)
		if errors.Is(err, cloudflare.ErrNoAccessOrganization) {
			// Without an organization, no login setting refers to an IdP.
			return
		}
		if err != nil {
			unread("the Access organization", err)
			return
		}
		mu.Lock()
		st.Organization = &plan.AccessOrganization{Name: o.Name, AuthDomain: o.AuthDomain, AutoRedirectToIdentity: o.AutoRedirectToIdentity}
		mu.Unlock()
	})
	var known *state.LiveAccount
	if live != nil {
		known = live.Accounts[accountID]
	}
	if known != nil {
		for _, i := range known.IdentityProviders {
			st.IdPs = append(st.IdPs, plan.AccessIdP{ID: i.ID, Name: i.Name, ReadOnly: i.ReadOnly})
		}
	} else {
		goRead(func() {
			idps, err := c.ListIdentityProviders(ctx, accountID)
			if err != nil {
				unread("the identity providers", err)
				return
			}
			mu.Lock()
			for _, i := range idps {
				st.IdPs = append(st.IdPs, plan.AccessIdP{ID: i.ID, Name: i.Name, ReadOnly: i.ReadOnly})
			}
			mu.Unlock()
		})
	}
	if recipient && !idptype.IsZone(accountID) {
		goRead(func() {
			rg, err := readReceived(ctx, c, accountID, live)
			if err != nil {
				unread("the received shares", err)
				return
			}
			mu.Lock()
			st.Received = rg
			mu.Unlock()
		})
	}
	wg.Wait()
	return st
}

// readReceived lists the grant shares the account receives and, where the
// sender's grants and IdPs are at hand (live holds the sender, or its
// listings answer), the name of the IdP behind each. A sender that cannot be
// read leaves the name empty: the analysis then counts that share as one
// that may have delivered any connection.
func readReceived(ctx context.Context, c AccessClient, accountID string, live *state.Live) ([]plan.ReceivedGrant, error) {
	shares, err := c.ListShares(ctx, accountID, cloudflare.ListSharesOptions{IncludeResources: true, Kind: idptype.ShareReceived})
	if err != nil {
		return nil, err
	}
	out := []plan.ReceivedGrant{}
	names := map[string]map[string]string{} // sender -> grant id -> IdP name
	for _, s := range shares {
		if !isReceived(s, accountID) || s.Status == idptype.ShareDeleted {
			continue
		}
		for _, res := range s.Resources {
			if res.ResourceType != idptype.ResourceFederationGrant || res.Status == idptype.ShareDeleted {
				continue
			}
			from := s.AccountID
			if res.ResourceAccountID != "" {
				from = res.ResourceAccountID
			}
			if _, ok := names[from]; !ok {
				names[from] = grantNames(ctx, c, from, live)
			}
			out = append(out, plan.ReceivedGrant{ShareID: s.ID, FromAccount: from, GrantID: res.ResourceID, IdPName: names[from][res.ResourceID]})
		}
	}
	return out, nil
}

// grantNames maps the sender's grants to the names of their IdPs; nil when
// the sender could not be read.
func grantNames(ctx context.Context, c AccessClient, accountID string, live *state.Live) map[string]string {
	out := map[string]string{}
	if live != nil && live.Accounts[accountID] != nil {
		la := live.Accounts[accountID]
		for _, g := range la.Grants {
			for _, i := range la.IdentityProviders {
				if i.ID == g.IdPID {
					out[g.ID] = i.Name
				}
			}
		}
		return out
	}
	grants, err := c.ListGrants(ctx, accountID)
	if err != nil {
		return nil
	}
	idps, err := c.ListIdentityProviders(ctx, accountID)
	if err != nil {
		return nil
	}
	for _, g := range grants {
		for _, i := range idps {
			if i.ID == g.IdPID {
				out[g.ID] = i.Name
			}
		}
	}
	return out
}

// errUnreadableRule: a rule that is not an object with one key, whose value
// is an object, cannot be told bound to an IdP or free, so the policy is not
// fully read.
var errUnreadableRule = errors.New("a rule is not an object of one key whose value is an object")

// unreadablePolicy names the first policy with a rule of unknown form, or
// returns "".
func unreadablePolicy(ps []cloudflare.AccessPolicy) string {
	for _, p := range ps {
		for _, rs := range [][]cloudflare.AccessRule{p.Include, p.Require, p.Exclude} {
			for _, r := range rs {
				if !r.Readable() {
					return fmt.Sprintf("%s (%s)", p.Name, p.ID)
				}
			}
		}
	}
	return ""
}

func policies(ps []cloudflare.AccessPolicy) []plan.AccessPolicy {
	out := make([]plan.AccessPolicy, 0, len(ps))
	for _, p := range ps {
		out = append(out, plan.AccessPolicy{ID: p.ID, Name: p.Name, Decision: p.Decision, Include: rules(p.Include), Require: rules(p.Require)})
	}
	return out
}

func rules(rs []cloudflare.AccessRule) []plan.AccessRule {
	out := make([]plan.AccessRule, 0, len(rs))
	for _, r := range rs {
		out = append(out, plan.AccessRule{Kind: r.Kind(), IdPID: r.IdentityProviderID()})
	}
	return out
}
