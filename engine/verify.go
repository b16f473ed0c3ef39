package engine

import (
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/idpsync/idpsync/apply"
	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/state"
)

// WriteClient is the API client apply executes with: the reads plus every
// write apply makes (apply.Client). Recorder wraps one.
type WriteClient interface {
	LiveClient
	apply.Client
}

// Recorder passes every call to the client it wraps and keeps what each
// successful write returned, so that an apply is verified from the API's own
// answers (Verify) instead of a second full read. A write whose answer
// cannot show its effect marks what to re-read: the account, for deletes
// and for answers without the object; the share, for the recipients of an
// organization-wide share.
type Recorder struct {
	WriteClient

	mu       sync.Mutex
	idps     map[string]map[string]*cloudflare.IdentityProvider // account → id → object; nil: deleted
	sets     map[string]*cloudflare.CertificateSet              // uid → set
	grants   map[string]map[string]*cloudflare.Grant            // account → id → grant; nil: deleted
	shares   map[string]map[string]*cloudflare.Share            // account → id → share
	asked    map[string][]string                                // share id → recipient accounts asked for at create
	recips   map[string]map[string]*cloudflare.Recipient        // share id → recipient account → recipient
	dirty    map[string]bool                                    // accounts to re-read whole
	reshares map[[2]string]bool                                 // (account, share) whose recipients to re-read
}

// NewRecorder wraps c.
func NewRecorder(c WriteClient) *Recorder {
	return &Recorder{
		WriteClient: c,
		idps:        map[string]map[string]*cloudflare.IdentityProvider{},
		sets:        map[string]*cloudflare.CertificateSet{},
		grants:      map[string]map[string]*cloudflare.Grant{},
		shares:      map[string]map[string]*cloudflare.Share{},
		asked:       map[string][]string{},
		recips:      map[string]map[string]*cloudflare.Recipient{},
		dirty:       map[string]bool{},
		reshares:    map[[2]string]bool{},
	}
}

// Concurrency passes on the wrapped client's bound on requests in flight.
func (r *Recorder) Concurrency() int { return concurrencyOf(r.WriteClient) }

func put[T any](m map[string]map[string]*T, account, id string, v *T) {
	if m[account] == nil {
		m[account] = map[string]*T{}
	}
	m[account][id] = v
}

func (r *Recorder) markDirty(account string) {
	r.mu.Lock()
	r.dirty[account] = true
	r.mu.Unlock()
}

func (r *Recorder) noteIdP(account string, got *cloudflare.IdentityProvider, err error) {
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if got == nil || got.ID == "" {
		r.dirty[account] = true
		return
	}
	v := *got
	put(r.idps, account, got.ID, &v)
}

func (r *Recorder) CreateIdentityProvider(ctx context.Context, accountID string, idp cloudflare.IdentityProvider) (*cloudflare.IdentityProvider, error) {
	got, err := r.WriteClient.CreateIdentityProvider(ctx, accountID, idp)
	r.noteIdP(accountID, got, err)
	return got, err
}

func (r *Recorder) UpdateIdentityProvider(ctx context.Context, accountID, id string, idp cloudflare.IdentityProvider) (*cloudflare.IdentityProvider, error) {
	got, err := r.WriteClient.UpdateIdentityProvider(ctx, accountID, id, idp)
	r.noteIdP(accountID, got, err)
	return got, err
}

// RefreshSCIMSecret answers with the IdP, which is what it now is.
func (r *Recorder) RefreshSCIMSecret(ctx context.Context, accountID, idpID string) (*cloudflare.IdentityProvider, error) {
	got, err := r.WriteClient.RefreshSCIMSecret(ctx, accountID, idpID)
	r.noteIdP(accountID, got, err)
	return got, err
}

// DeleteIdentityProvider: the API's answer is only an id, and what happens
// to the IdP's grant and shares is not documented, so the account is read again.
func (r *Recorder) DeleteIdentityProvider(ctx context.Context, accountID, id string) error {
	err := r.WriteClient.DeleteIdentityProvider(ctx, accountID, id)
	r.markDirty(accountID)
	return err
}

func (r *Recorder) noteSet(set *cloudflare.CertificateSet, err error) {
	if err != nil || set == nil || set.UID == "" {
		return
	}
	r.mu.Lock()
	v := *set
	r.sets[set.UID] = &v
	r.mu.Unlock()
}

func (r *Recorder) CreateSAMLCertificate(ctx context.Context, accountID, idpID string) (*cloudflare.CertificateSet, bool, error) {
	set, created, err := r.WriteClient.CreateSAMLCertificate(ctx, accountID, idpID)
	r.noteSet(set, err)
	return set, created, err
}

func (r *Recorder) RotateCertificateSet(ctx context.Context, accountID, setID string) (*cloudflare.CertificateSet, error) {
	set, err := r.WriteClient.RotateCertificateSet(ctx, accountID, setID)
	r.noteSet(set, err)
	if err == nil && set == nil {
		r.markDirty(accountID)
	}
	return set, err
}

func (r *Recorder) CreateGrant(ctx context.Context, accountID, idpID string) (*cloudflare.Grant, error) {
	g, err := r.WriteClient.CreateGrant(ctx, accountID, idpID)
	if err == nil {
		r.mu.Lock()
		if g == nil || g.ID == "" {
			r.dirty[accountID] = true
		} else {
			v := *g
			put(r.grants, accountID, g.ID, &v)
		}
		r.mu.Unlock()
	}
	return g, err
}

// DeleteGrant: the shares carrying the grant change with it, so the account
// is read again.
func (r *Recorder) DeleteGrant(ctx context.Context, accountID, grantID string) error {
	err := r.WriteClient.DeleteGrant(ctx, accountID, grantID)
	r.markDirty(accountID)
	return err
}

// CreateShare keeps the share the API returned. A share create carries its
// recipients and the API accepts or refuses it whole; its answer does not
// list them, so the recipients asked for are taken as associating, which is
// what a read right after the create shows [REFERENCE §6: association is
// asynchronous]. An organization-wide share's recipients are whoever the
// organization holds, which only a read can tell.
func (r *Recorder) CreateShare(ctx context.Context, accountID string, req cloudflare.CreateShareRequest) (*cloudflare.Share, error) {
	s, err := r.WriteClient.CreateShare(ctx, accountID, req)
	if err != nil {
		return s, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if s == nil || s.ID == "" || grantResource(*s) == nil {
		r.dirty[accountID] = true
		return s, err
	}
	v := *s
	put(r.shares, accountID, s.ID, &v)
	var accounts []string
	for _, rr := range req.Recipients {
		if rr.RecipientAccountID == "" {
			r.reshares[[2]string{accountID, s.ID}] = true
			return s, err
		}
		accounts = append(accounts, rr.RecipientAccountID)
	}
	r.asked[s.ID] = accounts
	return s, err
}

// DeleteShare: the share and its recipients wind down in the background.
func (r *Recorder) DeleteShare(ctx context.Context, accountID, shareID string) (*cloudflare.Share, error) {
	s, err := r.WriteClient.DeleteShare(ctx, accountID, shareID)
	r.markDirty(accountID)
	return s, err
}

func (r *Recorder) noteRecipient(accountID, shareID string, got *cloudflare.Recipient, err error) {
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if got == nil || got.AccountID == "" {
		r.reshares[[2]string{accountID, shareID}] = true
		return
	}
	v := *got
	put(r.recips, shareID, got.AccountID, &v)
}

func (r *Recorder) AddRecipient(ctx context.Context, accountID, shareID string, req cloudflare.RecipientRequest) (*cloudflare.Recipient, error) {
	got, err := r.WriteClient.AddRecipient(ctx, accountID, shareID, req)
	r.noteRecipient(accountID, shareID, got, err)
	return got, err
}

func (r *Recorder) RemoveRecipient(ctx context.Context, accountID, shareID, recipientID string) (*cloudflare.Recipient, error) {
	got, err := r.WriteClient.RemoveRecipient(ctx, accountID, shareID, recipientID)
	r.noteRecipient(accountID, shareID, got, err)
	return got, err
}

// VerifyOptions shape Verify's plan.
type VerifyOptions struct {
	// Now is when certificate expiry is measured from; default time.Now.
	Now func() time.Time
	// Reread re-reads the recipients of every share the run created, as
	// after waiting for them to associate.
	Reread bool
}

// Verify plans d again against the live state the apply left: the state read
// before it (before), changed by what each write returned (rec), with only
// what no answer showed read again. An apply that did what its plan said
// gives a plan without changes.
func Verify(ctx context.Context, c LiveClient, d *state.Desired, before *state.Live, rec *Recorder, opts VerifyOptions) (*plan.Plan, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if opts.Reread {
		for acct, shares := range rec.shares {
			for id := range shares {
				rec.reshares[[2]string{acct, id}] = true
			}
		}
	}
	after := &state.Live{Accounts: make(map[string]*state.LiveAccount, len(before.Accounts)), Peers: before.Peers}
	var dirty []string
	for id, a := range before.Accounts {
		if rec.dirty[id] {
			dirty = append(dirty, id)
			continue
		}
		na, err := rec.patch(a)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", idptype.OwnerName(id), err)
		}
		after.Accounts[id] = na
	}
	if len(dirty) > 0 {
		slices.Sort(dirty)
		// The same reads as the plan's: an account whose shares the plan
		// did not read is verified without them too.
		planReads := ReadsFor(d)
		reads := func(id string) AccountReads {
			if a := before.Accounts[id]; a != nil && !a.SharesUnread {
				return AccountReads{Shares: true, Organization: true}
			}
			return planReads(id)
		}
		fresh, err := ReadLive(ctx, c, dirty, ReadOptions{Managed: ManagedByDesired(d), Reads: reads})
		if err != nil {
			return nil, fmt.Errorf("verify: %w", err)
		}
		for id, a := range fresh.Accounts {
			after.Accounts[id] = a
		}
	}
	if err := rec.rereadRecipients(ctx, c, after); err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	// The verifying plan is never shown or saved: a throwaway key will do.
	key := make([]byte, 32)
	rand.Read(key)
	p, err := plan.Diff(d, after, plan.Options{Now: opts.Now(), SecretKey: key})
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	return p, nil
}

// patch returns a copy of a with the recorded writes applied; rec.mu is held.
func (r *Recorder) patch(a *state.LiveAccount) (*state.LiveAccount, error) {
	na := &state.LiveAccount{ID: a.ID, Organization: a.Organization}
	// Copies, so that the plan made from before keeps what it read.
	idps := map[string]*state.LiveIdP{}
	for _, idp := range a.IdentityProviders {
		c := *idp
		c.Grant = nil
		idps[c.ID] = &c
	}
	for id, got := range r.idps[a.ID] {
		l, err := liveIdP(*got)
		if err != nil {
			return nil, fmt.Errorf("identity provider %q (%s): %w", got.Name, id, err)
		}
		// An IdP's answer may name its set without embedding it; the set's
		// own answer (create or rotate) then says what it holds.
		if cs := l.CertificateSet; cs != nil && cs.Current == nil {
			if set := r.sets[cs.UID]; set != nil {
				l.CertificateSet = liveSet(set)
			} else if old := idps[id]; old != nil && old.CertificateSet != nil && old.CertificateSet.UID == cs.UID {
				l.CertificateSet = old.CertificateSet
			}
		}
		if old := idps[id]; old != nil {
			l.Received = old.Received
		}
		idps[id] = l
	}
	for _, idp := range idps {
		// A rotated set keeps its uid; its answer is newer than the read.
		if cs := idp.CertificateSet; cs != nil && r.sets[cs.UID] != nil && cs.Current != nil {
			idp.CertificateSet = liveSet(r.sets[cs.UID])
		}
		na.IdentityProviders = append(na.IdentityProviders, idp)
	}
	slices.SortFunc(na.IdentityProviders, func(x, y *state.LiveIdP) int {
		return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.ID, y.ID))
	})

	grants := map[string]*state.LiveGrant{}
	for _, g := range a.Grants {
		c := *g
		c.Share = nil
		grants[c.ID] = &c
	}
	for id, g := range r.grants[a.ID] {
		grants[id] = &state.LiveGrant{ID: g.ID, IdPID: g.IdPID}
	}
	for _, g := range grants {
		na.Grants = append(na.Grants, g)
	}
	slices.SortFunc(na.Grants, func(x, y *state.LiveGrant) int {
		return cmp.Or(cmp.Compare(x.IdPID, y.IdPID), cmp.Compare(x.ID, y.ID))
	})
	for _, g := range na.Grants {
		if idp := idps[g.IdPID]; idp != nil && idp.Grant == nil {
			idp.Grant = g
		}
	}

	// Shares stay oldest first; the ones created now are the newest.
	for _, s := range a.Shares {
		c := *s
		if rs := r.recips[c.ID]; len(rs) > 0 {
			c.Recipients = patchRecipients(c.Recipients, rs)
		}
		na.Shares = append(na.Shares, &c)
	}
	var created []*state.LiveShare
	for id, s := range r.shares[a.ID] {
		res := grantResource(*s)
		ls := &state.LiveShare{
			ID: s.ID, Name: s.Name, Status: s.Status, TargetType: s.TargetType,
			OrganizationID: s.OrganizationID, Modified: s.Modified,
			GrantID: res.ResourceID, ResourceID: res.ID,
		}
		if ls.Status == "" {
			ls.Status = idptype.ShareActive
		}
		for _, acct := range r.asked[id] {
			ls.Recipients = append(ls.Recipients, &state.LiveRecipient{AccountID: acct, Status: idptype.Associating, Modified: s.Modified})
		}
		if rs := r.recips[id]; len(rs) > 0 {
			ls.Recipients = patchRecipients(ls.Recipients, rs)
		}
		sortRecipients(ls.Recipients)
		created = append(created, ls)
	}
	slices.SortFunc(created, func(x, y *state.LiveShare) int { return cmp.Compare(x.ID, y.ID) })
	na.Shares = append(na.Shares, created...)
	for _, s := range na.Shares {
		if s.Status != idptype.ShareActive {
			continue
		}
		if g := grants[s.GrantID]; g != nil && g.Share == nil {
			g.Share = s
		}
	}
	return na, nil
}

// patchRecipients replaces or adds the recipients an answer returned.
func patchRecipients(old []*state.LiveRecipient, got map[string]*cloudflare.Recipient) []*state.LiveRecipient {
	out := make([]*state.LiveRecipient, 0, len(old)+len(got))
	for _, r := range old {
		if _, ok := got[r.AccountID]; !ok {
			out = append(out, r)
		}
	}
	for _, g := range got {
		out = append(out, &state.LiveRecipient{ID: g.ID, AccountID: g.AccountID, Status: g.AssociationStatus, Modified: g.Modified})
	}
	sortRecipients(out)
	return out
}

func sortRecipients(rs []*state.LiveRecipient) {
	slices.SortFunc(rs, func(x, y *state.LiveRecipient) int {
		return cmp.Or(cmp.Compare(x.AccountID, y.AccountID), x.Modified.Compare(y.Modified), cmp.Compare(x.ID, y.ID))
	})
}

// rereadRecipients lists the recipients of the shares no answer described.
func (r *Recorder) rereadRecipients(ctx context.Context, c LiveClient, live *state.Live) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(concurrencyOf(c))
	for key := range r.reshares {
		a := live.Accounts[key[0]]
		if a == nil || r.dirty[key[0]] {
			continue // read whole already
		}
		for _, s := range a.Shares {
			if s.ID != key[1] {
				continue
			}
			g.Go(func() error {
				rs, err := c.ListRecipients(gctx, a.ID, s.ID)
				if err != nil {
					return fmt.Errorf("account %s: list recipients of share %s: %w", a.ID, s.ID, err)
				}
				fresh := make([]*state.LiveRecipient, 0, len(rs))
				for _, x := range rs {
					fresh = append(fresh, &state.LiveRecipient{ID: x.ID, AccountID: x.AccountID, Status: x.AssociationStatus, Modified: x.Modified})
				}
				sortRecipients(fresh)
				s.Recipients = fresh
				return nil
			})
		}
	}
	return g.Wait()
}
