package engine

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/state"
)

// LiveClient is what ReadLive needs of the API client.
type LiveClient interface {
	ListIdentityProviders(ctx context.Context, accountID string) ([]cloudflare.IdentityProvider, error)
	ListGrants(ctx context.Context, accountID string) ([]cloudflare.Grant, error)
	ListShares(ctx context.Context, accountID string, opts cloudflare.ListSharesOptions) ([]cloudflare.Share, error)
	ListRecipients(ctx context.Context, accountID, shareID string) ([]cloudflare.Recipient, error)
}

// AccountClient reads account details. A LiveClient that also implements it
// has each account's organization read before anything is planned.
type AccountClient interface {
	GetAccount(ctx context.Context, accountID string) (*cloudflare.Account, error)
}

// ReadOptions tunes ReadLive.
type ReadOptions struct {
	// Peers are undeclared accounts whose organization is read too (share
	// recipients), when the client is an AccountClient and the token may.
	Peers []string
	// Concurrency is the number of accounts read in parallel; default the
	// client's own bound on requests in flight (see concurrencyOf), else 8.
	Concurrency int
	// Managed reports whether the grant of this live IdP belongs to idpsync
	// (declared), so its share's recipients are read. nil: all.
	Managed func(accountID string, idp *state.LiveIdP) bool
	// IdPsOnly reads the identity providers (with their certificate sets)
	// and the organization, not the grants and shares: for the commands
	// that report on IdPs alone, so that a token the share endpoints refuse
	// (they document the global key only) is enough for them.
	IdPsOnly bool
	// Reads says what to read of each account besides its IdPs and grants;
	// nil: everything.
	Reads func(accountID string) AccountReads
	// Progress, when set, is told how many accounts this read reads, then
	// of each one read, so that a long read does not look hung.
	Progress ReadProgress
}

// ReadProgress follows a read of the live state: Reading(n) once, before
// the first request, with the accounts (declared and peers) to read, then
// Read once per account read. Calls never overlap; they must be quick.
type ReadProgress interface {
	Reading(accounts int)
	Read(accountID string)
}

// AccountReads says what ReadLive reads of an account besides its IdPs and
// grants, which it always lists (unless IdPsOnly). Each kind is read only
// when the desired state could change it or a safety rule needs it
// (engine.ReadsFor says which, and why).
type AccountReads struct {
	// Shares: the share listing (with resources), and so the recipients.
	Shares bool
	// Organization: the account details, for its organization.
	Organization bool
}

// ReadLive reads the live state of the accounts with the fewest requests the
// API allows: per account one IdP listing (every page; IdPs embed their
// certificate sets), one grant listing, one share listing with resources, and
// one recipient listing per sent share that carries a managed grant. The
// organizations (of the accounts that need theirs, and of the peers) come
// from the account listing where nextAccountsPage finds it cheaper than one
// details read per account, else from the details.
func ReadLive(ctx context.Context, c LiveClient, accountIDs []string, opts ReadOptions) (*state.Live, error) {
	if opts.Concurrency <= 0 {
		opts.Concurrency = concurrencyOf(c)
	}
	live := &state.Live{Accounts: make(map[string]*state.LiveAccount, len(accountIDs))}
	var mu sync.Mutex
	_, readsOrgs := c.(AccountClient)
	progressTo(opts.Progress, accountIDs, opts.Peers, readsOrgs)
	read := func(id string) {
		if opts.Progress != nil {
			opts.Progress.Read(id)
		}
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.Concurrency)
	// The organization reads are known before any is made, so that many of
	// them can be answered by one account listing (orgSource). The listing
	// is started first: it holds one slot of the group while the accounts
	// fill the others.
	var orgs *orgSource
	if ac, ok := c.(AccountClient); ok {
		var need []string
		declared := map[string]bool{}
		for _, id := range accountIDs {
			if declared[id] {
				continue
			}
			declared[id] = true
			if !idptype.IsZone(id) && (opts.Reads == nil || opts.Reads(id).Organization) {
				need = append(need, id)
			}
		}
		for _, id := range opts.Peers {
			if !declared[id] {
				declared[id] = true
				need = append(need, id)
			}
		}
		lister, _ := c.(AccountLister)
		orgs = newOrgSource(ctx, g, ac, lister, need)
	}
	seen := map[string]bool{}
	for _, id := range accountIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		g.Go(func() error {
			a, err := readAccount(ctx, c, id, opts, orgs)
			if err != nil {
				return fmt.Errorf("%s %s: %w", idptype.OwnerKind(id), idptype.OwnerID(id), err)
			}
			mu.Lock()
			live.Accounts[id] = a
			read(id)
			mu.Unlock()
			return nil
		})
	}
	if orgs != nil {
		for _, id := range opts.Peers {
			if seen[id] {
				continue
			}
			seen[id] = true
			g.Go(func() error {
				org, err := orgs.read(ctx, id)
				if err != nil {
					return fmt.Errorf("account %s: %w", id, err)
				}
				mu.Lock()
				if live.Peers == nil {
					live.Peers = map[string]*state.LiveOrganization{}
				}
				live.Peers[id] = &org
				read(id)
				mu.Unlock()
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return live, nil
}

// progressTo tells p how many distinct accounts ReadLive reads: the
// declared ones, and the peers when it reads organizations.
func progressTo(p ReadProgress, accountIDs, peers []string, orgs bool) {
	if p == nil {
		return
	}
	seen := make(map[string]bool, len(accountIDs)+len(peers))
	for _, id := range accountIDs {
		seen[id] = true
	}
	if orgs {
		for _, id := range peers {
			seen[id] = true
		}
	}
	p.Reading(len(seen))
}

// readOrganization reads the organization of an account from its details.
// A 403 or 404 leaves it unknown rather than failing the read: the token may
// lack the Account Settings Read permission, or (for a share recipient) access
// to the account, and the other checks still hold.
func readOrganization(ctx context.Context, c AccountClient, accountID string) (state.LiveOrganization, error) {
	a, err := c.GetAccount(ctx, accountID)
	var apiErr *cloudflare.APIError
	switch {
	case err == nil:
		return state.LiveOrganization{Known: true, ID: a.ManagedBy.ParentOrgID}, nil
	case errors.As(err, &apiErr) && (apiErr.Status == 403 || apiErr.Status == 404):
		return state.LiveOrganization{Unknown: fmt.Sprintf("the account details could not be read (%d)", apiErr.Status)}, nil
	default:
		return state.LiveOrganization{}, fmt.Errorf("read account details: %w", err)
	}
}

// concurrencyOf is the client's bound on requests in flight, when it has
// one. Each account read sends three listings at once, so reading as many
// accounts as the client has slots keeps every slot busy; the client's
// semaphore, not this fan-out, is the one limit.
func concurrencyOf(c any) int {
	if b, ok := c.(interface{ Concurrency() int }); ok && b.Concurrency() > 0 {
		return b.Concurrency()
	}
	return 8
}

func readAccount(ctx context.Context, c LiveClient, accountID string, opts ReadOptions, orgs *orgSource) (*state.LiveAccount, error) {
	var (
		idps   []cloudflare.IdentityProvider
		grants []cloudflare.Grant
		shares []cloudflare.Share
	)
	// The listings are independent; the client bounds requests in flight.
	g, gctx := errgroup.WithContext(ctx)
	var org state.LiveOrganization
	reads := AccountReads{Shares: true, Organization: true}
	if opts.Reads != nil {
		reads = opts.Reads(accountID)
	}
	// A zone has IdPs only: grants, shares and organizations are per account
	// (idptype/scope.go), and a zone is in no organization.
	zone := idptype.IsZone(accountID)
	if zone {
		org = state.LiveOrganization{Known: true}
	}
	// The organization is waited for last: nothing else read here needs it,
	// and it may come from the account listing, whose pages are read one
	// after another while the recipients could already be listed.
	og, octx := errgroup.WithContext(ctx)
	if !zone && orgs != nil && reads.Organization {
		og.Go(func() (err error) {
			org, err = orgs.read(octx, accountID)
			return err
		})
	}
	listGrants := func(ctx context.Context) (err error) {
		if grants, err = c.ListGrants(ctx, accountID); err != nil {
			return fmt.Errorf("list grants: %w", err)
		}
		return nil
	}
	// An account that manages federation has its grants listed beside its
	// IdPs, since its recipients wait for both. Any other account has them
	// listed after its IdPs, and not at all when it has none: a grant names
	// a source IdP of its own account, which cannot be deleted while the
	// grant exists (REFERENCE.md §4, from Cloudflare's federation guide), so
	// an account without IdPs has no grant. That is every account of an
	// apply from scratch.
	grantsBeside := !zone && !opts.IdPsOnly && reads.Shares
	grantsAfter := !zone && !opts.IdPsOnly && !reads.Shares
	g.Go(func() (err error) {
		if idps, err = c.ListIdentityProviders(gctx, accountID); err != nil {
			return fmt.Errorf("list identity providers: %w", err)
		}
		if grantsAfter && len(idps) > 0 {
			return listGrants(gctx)
		}
		return nil
	})
	if grantsBeside {
		g.Go(func() error { return listGrants(gctx) })
	}
	if !zone && !opts.IdPsOnly && reads.Shares {
		g.Go(func() (err error) {
			if shares, err = c.ListShares(gctx, accountID, cloudflare.ListSharesOptions{IncludeResources: true}); err != nil {
				return fmt.Errorf("list shares: %w", err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	// A received connection is tied to its sender through the account's
	// received shares, which the lockout analysis and the plan's "Received
	// from" rest on: an account that lists one has its shares read after all.
	sharesRead := reads.Shares
	if !zone && !opts.IdPsOnly && !reads.Shares && slices.ContainsFunc(idps, func(i cloudflare.IdentityProvider) bool { return i.ReadOnly }) {
		var err error
		if shares, err = c.ListShares(ctx, accountID, cloudflare.ListSharesOptions{IncludeResources: true}); err != nil {
			return nil, fmt.Errorf("list shares: %w", err)
		}
		sharesRead = true
	}

	a := &state.LiveAccount{ID: accountID, SharesUnread: !zone && !opts.IdPsOnly && !sharesRead}
	// shareOrg is the organization a sent share names, the account's own
	// when its details could not say.
	var shareOrg string
	byID := make(map[string]*state.LiveIdP, len(idps))
	for _, idp := range idps {
		l, err := liveIdP(idp)
		if err != nil {
			return nil, fmt.Errorf("identity provider %q (%s): %w", idp.Name, idp.ID, err)
		}
		a.IdentityProviders = append(a.IdentityProviders, l)
		byID[l.ID] = l
	}
	slices.SortFunc(a.IdentityProviders, func(x, y *state.LiveIdP) int {
		return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.ID, y.ID))
	})

	grantByID := make(map[string]*state.LiveGrant, len(grants))
	for _, gr := range grants {
		lg := &state.LiveGrant{ID: gr.ID, IdPID: gr.IdPID}
		a.Grants = append(a.Grants, lg)
		grantByID[lg.ID] = lg
		if idp := byID[gr.IdPID]; idp != nil && idp.Grant == nil {
			idp.Grant = lg
		}
	}
	slices.SortFunc(a.Grants, func(x, y *state.LiveGrant) int {
		return cmp.Or(cmp.Compare(x.IdPID, y.IdPID), cmp.Compare(x.ID, y.ID))
	})

	var received []cloudflare.Share
	created := map[*state.LiveShare]time.Time{}
	for _, s := range shares {
		if isReceived(s, accountID) {
			received = append(received, s)
			continue
		}
		if shareOrg == "" && s.OrganizationID != "" {
			shareOrg = s.OrganizationID
		}
		res := grantResource(s)
		if res == nil || s.Status == idptype.ShareDeleted {
			continue
		}
		ls := &state.LiveShare{
			ID:             s.ID,
			Name:           s.Name,
			Status:         s.Status,
			TargetType:     s.TargetType,
			OrganizationID: s.OrganizationID,
			Modified:       s.Modified,
			GrantID:        res.ResourceID,
			ResourceID:     res.ID,
		}
		created[ls] = s.Created
		a.Shares = append(a.Shares, ls)
	}
	// Oldest first, so that when several active shares carry one grant the
	// oldest is the one linked.
	slices.SortStableFunc(a.Shares, func(x, y *state.LiveShare) int {
		return cmp.Or(created[x].Compare(created[y]), cmp.Compare(x.ID, y.ID))
	})
	for _, s := range a.Shares {
		if s.Status != idptype.ShareActive {
			continue
		}
		if gr := grantByID[s.GrantID]; gr != nil && gr.Share == nil {
			gr.Share = s
		}
	}

	// An IdP with more than one grant (left by overlapping runs) links the
	// one every process would keep: the lowest id among those an active share
	// carries, else the lowest id. a.Grants is sorted by IdP, then id.
	for _, g := range a.Grants {
		if idp := byID[g.IdPID]; idp != nil {
			idp.Grant = nil
		}
	}
	for _, g := range a.Grants {
		if idp := byID[g.IdPID]; idp != nil && (idp.Grant == nil || idp.Grant.Share == nil && g.Share != nil) {
			idp.Grant = g
		}
	}
	for _, idp := range a.IdentityProviders {
		if idp.ReadOnly {
			idp.Received = receivedFrom(idp.Name, accountID, received)
		}
	}

	if err := readRecipients(ctx, c, a, grantByID, byID, opts); err != nil {
		return nil, err
	}
	if err := og.Wait(); err != nil {
		return nil, err
	}
	a.Org = org
	if org.Known {
		a.Organization = org.ID
	} else {
		a.Organization = shareOrg
	}
	return a, nil
}

// readRecipients lists the recipients of every active sent share that carries
// the grant of a managed IdP: one request per share, in parallel.
func readRecipients(ctx context.Context, c LiveClient, a *state.LiveAccount, grants map[string]*state.LiveGrant, idps map[string]*state.LiveIdP, opts ReadOptions) error {
	// The client bounds the requests in flight; a share listing holds few shares.
	g, gctx := errgroup.WithContext(ctx)
	for _, s := range a.Shares {
		if s.Status != idptype.ShareActive {
			continue
		}
		gr := grants[s.GrantID]
		if gr == nil {
			continue
		}
		idp := idps[gr.IdPID]
		if opts.Managed != nil && (idp == nil || !opts.Managed(a.ID, idp)) {
			continue
		}
		g.Go(func() error {
			rs, err := c.ListRecipients(gctx, a.ID, s.ID)
			if err != nil {
				return fmt.Errorf("list recipients of share %s: %w", s.ID, err)
			}
			s.Recipients = make([]*state.LiveRecipient, 0, len(rs))
			for _, r := range rs {
				s.Recipients = append(s.Recipients, &state.LiveRecipient{
					ID: r.ID, AccountID: r.AccountID, Status: r.AssociationStatus, Modified: r.Modified,
				})
			}
			slices.SortFunc(s.Recipients, func(x, y *state.LiveRecipient) int {
				return cmp.Or(cmp.Compare(x.AccountID, y.AccountID), x.Modified.Compare(y.Modified), cmp.Compare(x.ID, y.ID))
			})
			return nil
		})
	}
	return g.Wait()
}

func isReceived(s cloudflare.Share, accountID string) bool {
	if s.Kind != "" {
		return s.Kind == idptype.ShareReceived
	}
	return s.AccountID != "" && s.AccountID != accountID
}

func grantResource(s cloudflare.Share) *cloudflare.ShareResource {
	for i, r := range s.Resources {
		if r.ResourceType == idptype.ResourceFederationGrant {
			return &s.Resources[i]
		}
	}
	return nil
}

// receivedFrom finds the received share behind a read-only connection: the
// one named as the dashboard and idpsync name grant shares, or else the only
// received grant share. Nothing the API returns ties a connection to its
// share (see plan.AnalyzeLockout), so when several received shares carry that
// name (two accounts each share an IdP named Okta), the sender is not
// guessed: the candidates are recorded instead. Unknown origins leave the
// fields empty.
func receivedFrom(name, accountID string, received []cloudflare.Share) *state.Received {
	var named, grantShares []*cloudflare.Share
	for i := range received {
		s := &received[i]
		if s.Status == idptype.ShareDeleting || s.Status == idptype.ShareDeleted {
			continue
		}
		if s.Name == "Identity provider: "+name {
			named = append(named, s)
		}
		if grantResource(*s) != nil {
			grantShares = append(grantShares, s)
		}
	}
	var match *cloudflare.Share
	switch {
	case len(named) == 1:
		match = named[0]
	case len(named) > 1:
		r := &state.Received{}
		for _, s := range named {
			if s.AccountID != accountID && !slices.Contains(r.Candidates, s.AccountID) {
				r.Candidates = append(r.Candidates, s.AccountID)
			}
		}
		slices.Sort(r.Candidates)
		if len(r.Candidates) == 1 {
			return &state.Received{FromAccount: r.Candidates[0]}
		}
		return r
	case len(grantShares) == 1:
		match = grantShares[0]
	}
	if match == nil {
		return &state.Received{}
	}
	r := &state.Received{ShareID: match.ID, ShareName: match.Name}
	if match.AccountID != accountID {
		r.FromAccount = match.AccountID
	}
	return r
}

func liveIdP(idp cloudflare.IdentityProvider) (*state.LiveIdP, error) {
	cfg, err := canonical(idp.Config)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if cfg == nil {
		cfg = map[string]any{}
	}
	// Write-only keys cannot be compared with what a read returns (null, empty
	// or masked), and the model holds no secret.
	if t, ok := idptype.Types[idp.Type]; ok {
		for _, f := range t.Fields {
			if f.WriteOnly {
				delete(cfg, f.Name)
			}
		}
	}
	scim, err := canonical(idp.SCIMConfig)
	if err != nil {
		return nil, fmt.Errorf("scim_config: %w", err)
	}
	delete(scim, "secret")
	l := &state.LiveIdP{
		ID:         idp.ID,
		Name:       idp.Name,
		Type:       idp.Type,
		Config:     cfg,
		SCIMConfig: scim,
		ReadOnly:   idp.ReadOnly,
		Version:    versionMarker(idp),
	}
	l.EncryptionEnabled, _ = cfg["enable_encryption"].(bool)
	switch {
	case idp.SAMLCertificateSet != nil:
		l.CertificateSet = liveSet(idp.SAMLCertificateSet)
	case idp.SAMLCertificateSetID != "":
		l.CertificateSet = &state.LiveCertificateSet{UID: idp.SAMLCertificateSetID}
	}
	return l, nil
}

func liveSet(s *cloudflare.CertificateSet) *state.LiveCertificateSet {
	return &state.LiveCertificateSet{
		UID:       s.UID,
		UpdatedAt: s.UpdatedAt,
		Current:   liveCert(s.CurrentCertificate),
		Previous:  liveCert(s.PreviousCertificate),
	}
}

// liveCert leaves SHA256 empty when the API sent a certificate that does not
// parse as PEM; the plan reports a missing fingerprint rather than failing
// the whole read.
func liveCert(c *cloudflare.Certificate) *state.LiveCertificate {
	if c == nil {
		return nil
	}
	fp, _ := state.CertificateFingerprint(c.PublicCertificate)
	return &state.LiveCertificate{UID: c.UID, PEM: c.PublicCertificate, NotAfter: c.NotAfter, SHA256: fp}
}

// canonical turns a decoded JSON object into the values encoding/json gives
// for any (float64 numbers, []any, map[string]any), whatever built it.
func canonical(m map[string]any) (map[string]any, error) {
	if m == nil {
		return nil, nil
	}
	// A map decoded from a response already holds only what the round trip
	// would give (every read's config): a copy of it is the same value,
	// without encoding and decoding each IdP's config on every plan.
	if out, ok := jsonCopy(m); ok {
		return out.(map[string]any), nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// jsonCopy deep-copies v when it holds only what json.Unmarshal makes of
// JSON into an any (finite float64, valid UTF-8 strings, bools, nil, []any
// and map[string]any), on which the round trip is the identity; ok is false
// for anything else.
func jsonCopy(v any) (_ any, ok bool) {
	switch v := v.(type) {
	case nil, bool:
		return v, true
	case float64:
		return v, !math.IsNaN(v) && !math.IsInf(v, 0)
	case string:
		return v, utf8.ValidString(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			if out[i], ok = jsonCopy(e); !ok {
				return nil, false
			}
		}
		return out, true
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			c, ok := jsonCopy(e)
			if !ok || !utf8.ValidString(k) {
				return nil, false
			}
			out[k] = c
		}
		return out, true
	}
	return nil, false
}

// versionMarker is a marker of the IdP as read: the IdP object has no
// updated_at, so it is a hash of its JSON form (object keys sorted). Secret
// values are left out so that the marker, which a saved plan records, says
// nothing about them.
func versionMarker(idp cloudflare.IdentityProvider) string {
	idp.Config = withoutKeys(idp.Config, writeOnlyKeys(idp.Type)...)
	idp.SCIMConfig = withoutKeys(idp.SCIMConfig, "secret")
	b, err := json.Marshal(idp)
	if err != nil {
		// Only unencodable values (NaN, channels) get here; fall back to
		// the fields that always encode.
		b = []byte(idp.ID + "\x00" + idp.Name + "\x00" + idp.Type)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

func writeOnlyKeys(typ string) []string {
	var keys []string
	for _, f := range idptype.Types[typ].Fields {
		if f.WriteOnly {
			keys = append(keys, f.Name)
		}
	}
	return keys
}

func withoutKeys(m map[string]any, keys ...string) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for _, k := range keys {
		delete(out, k)
	}
	return out
}
