package engine

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/state"
)

// PlanOptions shape a plan besides the desired and live states.
type PlanOptions struct {
	// Now is called once the live state has been read, so that a clock that
	// follows the API's Date header has seen a response. Default time.Now.
	Now func() time.Time
	// Targets narrow the plan to these addresses and what they depend on.
	Targets []string
	// ResendSecrets force an update that sends these IdPs' secrets again.
	ResendSecrets []string
	// RotateSCIMSecrets regenerate these IdPs' SCIM secrets.
	RotateSCIMSecrets []string
	// SCIMDeliveries is what --secrets-out records of the SCIM secrets
	// asked for (plan.Options.SCIMDeliveries); nil without the directory.
	SCIMDeliveries *plan.SCIMDeliveries
	// SecretKey keys the plan's secret hashes (plan/planfile derives it from
	// the credentials); empty means a random one, for plans never saved.
	SecretKey []byte
	// NoPreflight leaves plan.Preflight to the caller, which adds checks of
	// its own (apply adds the secrets) and reports them all at once.
	NoPreflight bool
	// MaxFederatedIdPs caps the federated IdPs per account (plan.Preflight);
	// 0 means the documented five.
	MaxFederatedIdPs int
	// Lockout, when set, reads through it who uses the login options the plan
	// removes (AnalyzeLockout); plan and apply set it, drift does not.
	Lockout AccessClient
	// Metadata fetches the SAML metadata URLs of the desired state, while
	// the live state is read; nil means a samlmeta/fetch.Fetcher with its
	// defaults.
	Metadata MetadataFetcher
	// FullRead reads every kind of object of every account, whether or not
	// the desired state could change it (ReadsFor): drift sets it, to report
	// what the files leave alone too.
	FullRead bool
	// Progress, when set, follows the reads of the live state (ReadOptions).
	Progress ReadProgress
}

// Plan reads the live state of the declared accounts and diffs d against it.
//
// Metadata URLs are fetched in parallel with the reads, and fill the
// desired state before the diff.
func Plan(ctx context.Context, c LiveClient, d *state.Desired, opts PlanOptions) (*plan.Plan, *state.Live, error) {
	var live *state.Live
	g, gctx := errgroup.WithContext(ctx)
	reads := ReadsFor(d)
	if opts.FullRead {
		reads = nil
	}
	g.Go(func() (err error) {
		live, err = readDeclared(gctx, c, d, reads, opts.Progress)
		return err
	})
	g.Go(func() error {
		// An IdP that --target leaves out is not fetched: its actions are
		// dropped from the plan anyway.
		_, err := fetchMetadata(gctx, opts.Metadata, d, targeted(opts.Targets))
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	key := opts.SecretKey
	if len(key) == 0 {
		key = make([]byte, 32)
		rand.Read(key)
	}
	diffOpts := plan.Options{
		Now:           now(),
		SecretKey:     key,
		ResendSecrets: opts.ResendSecrets,

		RotateSCIMSecrets: opts.RotateSCIMSecrets,
		SCIMDeliveries:    opts.SCIMDeliveries,
	}
	p, err := plan.Diff(d, live, diffOpts)
	if err != nil {
		return nil, nil, err
	}
	// Fail closed: a federation action or a removal in an account whose
	// shares were not read would be planned without them. Those accounts are
	// read whole and planned again, so the plan, and its lockout analysis,
	// rest on everything live.
	if unread := unreadShares(p, live); len(unread) > 0 {
		more, err := ReadLive(ctx, c, unread, ReadOptions{Managed: ManagedByDesired(d), Progress: opts.Progress})
		if err != nil {
			return nil, nil, fmt.Errorf("read live state: %w", err)
		}
		for id, a := range more.Accounts {
			live.Accounts[id] = a
		}
		if p, err = plan.Diff(d, live, diffOpts); err != nil {
			return nil, nil, err
		}
	}
	if len(opts.Targets) > 0 {
		if p, err = p.Target(opts.Targets); err != nil {
			return nil, nil, err
		}
	}
	if !opts.NoPreflight {
		if err := plan.Preflight(p, live, plan.PreflightOptions{MaxFederatedIdPs: opts.MaxFederatedIdPs}); err != nil {
			return nil, nil, err
		}
	}
	if opts.Lockout != nil {
		if err := AnalyzeLockout(ctx, opts.Lockout, p, live); err != nil {
			return nil, nil, err
		}
	}
	p.Blockers = Blockers(p, live)
	return p, live, nil
}

// ReadDeclared reads the whole live state of the declared accounts (every
// kind of object, as drift does), listing the recipients of the declared
// IdPs' shares only.
func ReadDeclared(ctx context.Context, c LiveClient, d *state.Desired) (*state.Live, error) {
	return readDeclared(ctx, c, d, nil, nil)
}

// readDeclared reads the live state of the declared accounts, listing the
// recipients of the declared IdPs' shares only, and of each account what
// reads says (nil: everything).
func readDeclared(ctx context.Context, c LiveClient, d *state.Desired, reads func(string) AccountReads, progress ReadProgress) (*state.Live, error) {
	live, err := ReadLive(ctx, c, AccountIDs(d), ReadOptions{Managed: ManagedByDesired(d), Peers: PeersOfDesired(d), Reads: reads, Progress: progress})
	if err != nil {
		return nil, fmt.Errorf("read live state: %w", err)
	}
	return live, nil
}

// ReadsFor says what a plan reads of each declared account: only what the
// desired state could change or a safety rule needs. The IdP and grant
// listings are always read: every declared account has IdPs to diff, and a
// grant is the only evidence that a federation the file no longer declares
// is still live (removing share_with must unshare, not fall silent). Only
// an account whose IdP listing is empty skips its grant listing (readAccount:
// a grant cannot outlive its source IdP), which an apply from scratch of
// accounts that declare no federation gains from. The rules for the rest,
// and why the plan is the same without the read:
//
//   - Shares (with resources, and so their recipients), when the account
//     manages federation (state.Account.ManagesFederation: an IdP declares
//     federation, or the account prunes). Otherwise the diff needs shares
//     only to remove a federation it found through a grant, or to replace
//     an IdP; a plan with such an action reads the account whole and is
//     planned again (unreadShares), so it removes the shares too and its
//     lockout is analysed from everything live.
//   - The account details (its organization), when the account declares an
//     organization or manages federation, or a declared share names it as a
//     recipient, or a declared share goes to a whole organization: those
//     are the facts plan.Preflight checks and the organization_unverified
//     warning is about. Nothing else reads an account's organization.
//
// TestSkippedReadsPlanTheSame holds these rules over the examples.
func ReadsFor(d *state.Desired) func(string) AccountReads {
	receives := map[string]bool{}
	orgWide := false
	for _, a := range d.Accounts {
		for _, i := range a.IdentityProviders {
			if i.Federation == nil {
				continue
			}
			orgWide = orgWide || i.Federation.Organization
			for _, r := range i.Federation.Accounts {
				receives[r] = true
			}
		}
	}
	reads := make(map[string]AccountReads, len(d.Accounts))
	for _, a := range d.Accounts {
		fed := a.ManagesFederation()
		reads[a.ID] = AccountReads{
			Shares:       fed,
			Organization: fed || a.Organization != "" || receives[a.ID] || orgWide,
		}
	}
	return func(id string) AccountReads {
		if r, ok := reads[id]; ok {
			return r
		}
		return AccountReads{Shares: true, Organization: true}
	}
}

// unreadShares lists the accounts whose shares were not read and whose plan
// needs them: an action on federation (found through a grant) or one that
// deletes or replaces something.
func unreadShares(p *plan.Plan, live *state.Live) []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range p.Actions {
		la := live.Accounts[a.AccountID]
		if la == nil || !la.SharesUnread || seen[a.AccountID] || a.Action == plan.NoOp {
			continue
		}
		switch {
		case a.Resource == plan.ResourceGrant, a.Resource == plan.ResourceShare, a.Resource == plan.ResourceRecipient,
			a.Action == plan.Delete, a.Action == plan.Replace, a.Destructive:
			seen[a.AccountID] = true
			out = append(out, a.AccountID)
		}
	}
	return out
}

// readSaved reads what a saved plan read, and the organizations of the
// recipients it adds, for plan.Moved and plan.Preflight.
func readSaved(ctx context.Context, c LiveClient, p *plan.Plan, progress ReadProgress) (*state.Live, error) {
	ids := make([]string, len(p.Accounts))
	for i, a := range p.Accounts {
		ids[i] = a.ID
	}
	live, err := ReadLive(ctx, c, ids, ReadOptions{Managed: ManagedByPlan(p), Peers: PeersOfPlan(p), Progress: progress})
	if err != nil {
		return nil, fmt.Errorf("read live state: %w", err)
	}
	return live, nil
}

// PeersOfDesired are the undeclared accounts the desired state shares with:
// their organization is read too, so that a recipient outside the source's
// organization is refused before the first write.
func PeersOfDesired(d *state.Desired) []string {
	declared := map[string]bool{}
	for _, a := range d.Accounts {
		declared[a.ID] = true
	}
	var out []string
	for _, a := range d.Accounts {
		for _, i := range a.IdentityProviders {
			if i.Federation == nil {
				continue
			}
			for _, r := range i.Federation.Accounts {
				if !declared[r] {
					declared[r] = true
					out = append(out, r)
				}
			}
		}
	}
	return out
}

// PeersOfPlan is PeersOfDesired for a saved plan: the recipients it adds.
func PeersOfPlan(p *plan.Plan) []string {
	seen := map[string]bool{}
	for _, a := range p.Accounts {
		seen[a.ID] = true
	}
	var out []string
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, a := range p.Actions {
		if a.Action == plan.NoOp || a.Action == plan.Delete {
			continue
		}
		if a.Resource == plan.ResourceRecipient {
			add(a.RecipientAccount)
		}
		if a.Share != nil {
			for _, r := range a.Share.Accounts {
				add(r)
			}
		}
	}
	return out
}

// AccountIDs lists the ids of the declared accounts.
func AccountIDs(d *state.Desired) []string {
	ids := make([]string, len(d.Accounts))
	for i, a := range d.Accounts {
		ids[i] = a.ID
	}
	return ids
}

// ManagedByDesired reports whether a live IdP is declared, by pinned id or by
// account and name, so the reader lists the recipients of its share and of
// nothing else.
func ManagedByDesired(d *state.Desired) func(accountID string, idp *state.LiveIdP) bool {
	type key struct{ account, name string }
	names := map[key]bool{}
	ids := map[string]bool{}
	// In an account that prunes, every IdP is idpsync's: an undeclared one is
	// deleted, and who loses it must be read like for a declared one.
	prune := map[string]bool{}
	for _, a := range d.Accounts {
		prune[a.ID] = a.Prune
		for _, i := range a.IdentityProviders {
			names[key{a.ID, i.Name}] = true
			if i.ID != "" {
				ids[i.ID] = true
			}
		}
	}
	return func(accountID string, idp *state.LiveIdP) bool {
		return prune[accountID] || ids[idp.ID] || names[key{accountID, idp.Name}]
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
