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
	GetAccessOrganization(ctx context.Context, accountID string) (*cloudflare.AccessOrganization, error)
}

// AnalyzeLockout reads what refers to the login options p removes and
// records, on each action, the Access applications and organizations that
// lose one (plan.AnalyzeLockout). It reads only when p deletes or replaces an
// IdP or removes a grant, share or recipient: per account concerned, the
// application listing (every page) and the organization, plus the IdP
// listing of accounts live does not hold (recipients outside the files).
//
// A read that fails fails the analysis: a plan that cannot tell whether it
// locks users out is not one to apply.
func AnalyzeLockout(ctx context.Context, c AccessClient, p *plan.Plan, live *state.Live) error {
	accounts := plan.LockoutAccounts(p)
	if len(accounts) == 0 {
		plan.AnalyzeLockout(p, nil)
		return nil
	}
	access := make(map[string]*plan.AccessState, len(accounts))
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, id := range accounts {
		g.Go(func() error {
			st, err := readAccess(gctx, c, id, live)
			if err != nil {
				return fmt.Errorf("%s: %w", idptype.OwnerName(id), err)
			}
			mu.Lock()
			access[id] = st
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("read who uses the login options this plan removes: %w", err)
	}
	plan.AnalyzeLockout(p, access)
	return nil
}

func readAccess(ctx context.Context, c AccessClient, accountID string, live *state.Live) (*plan.AccessState, error) {
	st := &plan.AccessState{}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		apps, err := c.ListAccessApplications(gctx, accountID)
		if err != nil {
			return fmt.Errorf("list Access applications: %w", err)
		}
		for _, a := range apps {
			st.Applications = append(st.Applications, plan.AccessApplication{ID: a.ID, Name: a.Name, Domain: a.Domain, AllowedIdPs: a.AllowedIdPs})
		}
		return nil
	})
	g.Go(func() error {
		o, err := c.GetAccessOrganization(gctx, accountID)
		if errors.Is(err, cloudflare.ErrNoAccessOrganization) {
			// Without an organization, no login setting refers to an IdP.
			return nil
		}
		if err != nil {
			return fmt.Errorf("read the Access organization: %w", err)
		}
		st.Organization = &plan.AccessOrganization{Name: o.Name, AuthDomain: o.AuthDomain, AutoRedirectToIdentity: o.AutoRedirectToIdentity}
		return nil
	})
	var known *state.LiveAccount
	if live != nil {
		known = live.Accounts[accountID]
	}
	if known != nil {
		for _, i := range known.IdentityProviders {
			x := plan.AccessIdP{ID: i.ID, Name: i.Name, ReadOnly: i.ReadOnly}
			if i.Received != nil {
				x.FromAccount = i.Received.FromAccount
			}
			st.IdPs = append(st.IdPs, x)
		}
	} else {
		g.Go(func() error {
			idps, err := c.ListIdentityProviders(gctx, accountID)
			if err != nil {
				return fmt.Errorf("list identity providers: %w", err)
			}
			for _, i := range idps {
				st.IdPs = append(st.IdPs, plan.AccessIdP{ID: i.ID, Name: i.Name, ReadOnly: i.ReadOnly})
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return st, nil
}
