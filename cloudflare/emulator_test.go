package cloudflare_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/emulator"
	"github.com/idpsync/idpsync/emulator/contract"
	"github.com/idpsync/idpsync/idptype"
)

// virtualClock lets backoff and 429 waits pass at once.
type virtualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (v *virtualClock) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.t
}

func (v *virtualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	v.mu.Lock()
	v.t = v.t.Add(d)
	v.mu.Unlock()
	return nil
}

// emuEmail and emuKey are the global API key the emulator of these tests accepts.
const (
	emuEmail = "ops@example.com"
	emuKey   = "emu-key"
)

// startEmulator serves an emulator whose traffic is held to the contract in
// both directions: every request the client sends and every answer the
// emulator gives must validate against the OpenAPI document.
func startEmulator(t testing.TB, opts emulator.Options) *emulator.Server {
	t.Helper()
	if opts.Tokens == nil {
		opts.Tokens = []string{"emu-token"}
	}
	if opts.Keys == nil {
		opts.Keys = []emulator.APIKey{{Email: emuEmail, Key: emuKey}}
	}
	spec, err := contract.Load("../emulator/testdata/access-subset.openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	opts.Wrap = spec.Middleware(emulator.APIPrefix, func(err error) { t.Errorf("contract: %v", err) })
	srv, err := emulator.Start(opts, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// emuClient returns a client of srv; virtual makes its waits instant.
func emuClient(t testing.TB, srv *emulator.Server, virtual bool, mod func(*cloudflare.Options)) *cloudflare.Client {
	t.Helper()
	// Both credentials, as idpsync's users with shares hold them: the token
	// goes to /access, the key to /shares, which refuse tokens.
	opts := cloudflare.Options{BaseURL: srv.URL, Token: "emu-token", Email: emuEmail, Key: emuKey, UserAgent: "idpsync/test", Timeout: 10 * time.Second}
	var clock *virtualClock
	if virtual {
		clock = &virtualClock{t: time.Now()}
		opts.Sleep = clock.Sleep
	}
	if mod != nil {
		mod(&opts)
	}
	c, err := cloudflare.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	// Before the emulator stops (cleanups run last first): a connection
	// dialed and never used would hold its graceful shutdown for 5 seconds.
	t.Cleanup(c.CloseIdleConnections)
	if virtual {
		cloudflare.SetClock(c, clock.Now)
	}
	return c
}

// emulatorStats returns the emulator's counters once they include every
// request the client sent: the emulator counts a request after answering it.
func emulatorStats(t testing.TB, srv *emulator.Server, c *cloudflare.Client) emulator.Stats {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := srv.Emulator.Stats()
		if int64(st.Total) >= c.Stats().Requests || time.Now().After(deadline) {
			return st
		}
		time.Sleep(time.Millisecond)
	}
}

func hex32() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func samlIdP(name string) cloudflare.IdentityProvider {
	return cloudflare.IdentityProvider{Name: name, Type: "saml", Config: map[string]any{
		"issuer_url":       "https://idp.example.com/" + name,
		"sso_target_url":   "https://idp.example.com/sso",
		"idp_public_certs": []any{"MIIB"},
	}}
}

func githubIdP(name string) cloudflare.IdentityProvider {
	return cloudflare.IdentityProvider{Name: name, Type: "github", Config: map[string]any{
		"client_id": "id-" + name, "client_secret": "secret-" + name,
	}}
}

func shareOf(srcAccount, grantID, name string, recipients ...string) cloudflare.CreateShareRequest {
	req := cloudflare.CreateShareRequest{
		Name: "Identity provider: " + name,
		Resources: []cloudflare.ResourceRequest{{
			ResourceID: grantID, ResourceType: idptype.ResourceFederationGrant, ResourceAccountID: srcAccount,
		}},
	}
	for _, r := range recipients {
		req.Recipients = append(req.Recipients, cloudflare.RecipientRequest{RecipientAccountID: r})
	}
	return req
}

// must unwraps a call that has to succeed; Go cannot pass a multi-value call
// together with t, so a failure panics, which fails the test with its stack.
func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("unexpected error: %v", err))
	}
	return v
}

// TestEmulatorEveryMethod walks every client method once against the emulator.
func TestEmulatorEveryMethod(t *testing.T) {
	t.Parallel() // owns its emulator and client
	srv := startEmulator(t, emulator.Options{AutoAccounts: true, Seed: 1})
	c := emuClient(t, srv, false, nil)
	ctx := context.Background()
	acc, b, d := hex32(), hex32(), hex32()

	// Identity providers.
	saml := must(c.CreateIdentityProvider(ctx, acc, samlIdP("Corp SAML")))
	if saml.ID == "" || saml.Type != "saml" {
		t.Fatalf("created %+v", saml)
	}
	got := must(c.GetIdentityProvider(ctx, acc, saml.ID))
	if got.Name != "Corp SAML" || got.Config["issuer_url"] != "https://idp.example.com/Corp SAML" {
		t.Fatalf("got %+v", got)
	}

	// SAML encryption.
	set, created, err := c.CreateSAMLCertificate(ctx, acc, saml.ID)
	if err != nil || !created || set.UID == "" || set.CurrentCertificate == nil {
		t.Fatalf("CreateSAMLCertificate = %+v, %v, %v", set, created, err)
	}
	again, created, err := c.CreateSAMLCertificate(ctx, acc, saml.ID)
	if err != nil || created || again.UID != set.UID {
		t.Fatalf("second CreateSAMLCertificate = %+v, %v, %v; want the same set, not created", again, created, err)
	}
	upd := samlIdP("Corp SAML")
	upd.Config["enable_encryption"] = true
	upd.SAMLCertificateSetID = set.UID
	updated := must(c.UpdateIdentityProvider(ctx, acc, saml.ID, upd))
	if updated.Config["enable_encryption"] != true || updated.SAMLCertificateSetID != set.UID {
		t.Fatalf("updated %+v", updated)
	}
	if sets := must(c.ListCertificateSets(ctx, acc)); len(sets) != 1 || sets[0].UID != set.UID {
		t.Fatalf("ListCertificateSets = %+v", sets)
	}
	gotSet := must(c.GetCertificateSet(ctx, acc, set.UID))
	pem := must(c.GetCertificatePEM(ctx, acc, set.UID))
	if strings.TrimSpace(pem) != strings.TrimSpace(gotSet.CurrentCertificate.PublicCertificate) {
		t.Fatalf("PEM %q differs from the set's current certificate", pem)
	}
	rotated := must(c.RotateCertificateSet(ctx, acc, set.UID))
	if rotated.CurrentCertificate.UID == gotSet.CurrentCertificate.UID || rotated.PreviousCertificate == nil ||
		rotated.PreviousCertificate.UID != gotSet.CurrentCertificate.UID {
		t.Fatalf("rotated %+v from %+v", rotated, gotSet)
	}

	// Federation.
	gh := must(c.CreateIdentityProvider(ctx, acc, githubIdP("GitHub")))
	grant := must(c.CreateGrant(ctx, acc, gh.ID))
	if grant.IdPID != gh.ID || len(grant.ID) != 32 {
		t.Fatalf("grant %+v", grant)
	}
	if g := must(c.GetGrant(ctx, acc, grant.ID)); g.ID != grant.ID {
		t.Fatalf("GetGrant = %+v", g)
	}
	if gs := must(c.ListGrants(ctx, acc)); len(gs) != 1 {
		t.Fatalf("ListGrants = %+v", gs)
	}

	// Shares.
	share := must(c.CreateShare(ctx, acc, shareOf(acc, grant.ID, "GitHub", b)))
	if share.ID == "" || share.Status != idptype.ShareActive {
		t.Fatalf("share %+v", share)
	}
	if s := must(c.GetShare(ctx, acc, share.ID, true)); len(s.Resources) != 1 || s.Resources[0].ResourceID != grant.ID {
		t.Fatalf("GetShare = %+v", s)
	}
	if ss := must(c.ListShares(ctx, acc, cloudflare.ListSharesOptions{IncludeResources: true, Kind: idptype.ShareSent})); len(ss) != 1 {
		t.Fatalf("ListShares = %+v", ss)
	}
	if rs := must(c.ListShareResources(ctx, acc, share.ID)); len(rs) != 1 || rs[0].ResourceType != idptype.ResourceFederationGrant {
		t.Fatalf("ListShareResources = %+v", rs)
	}
	if r := must(c.AddRecipient(ctx, acc, share.ID, cloudflare.RecipientRequest{RecipientAccountID: d})); r.AccountID != d {
		t.Fatalf("AddRecipient = %+v", r)
	}
	if err := c.ReplaceRecipients(ctx, acc, share.ID, []cloudflare.RecipientRequest{{RecipientAccountID: b}}); err != nil {
		t.Fatal(err)
	}
	rs := must(c.ListRecipients(ctx, acc, share.ID))
	status := map[string]idptype.RecipientStatus{}
	var bID string
	for _, r := range rs {
		status[r.AccountID] = r.AssociationStatus
		if r.AccountID == b {
			bID = r.ID
		}
	}
	if len(rs) != 2 || !strings.HasPrefix(string(status[d]), "disassociat") || !strings.HasPrefix(string(status[b]), "associat") {
		t.Fatalf("recipients %+v", rs)
	}
	if r := must(c.RemoveRecipient(ctx, acc, share.ID, bID)); r == nil || !strings.HasPrefix(string(r.AssociationStatus), "disassociat") {
		t.Fatalf("RemoveRecipient = %+v", r)
	}
	if s := must(c.DeleteShare(ctx, acc, share.ID)); s == nil || s.Status == idptype.ShareActive {
		t.Fatalf("DeleteShare = %+v", s)
	}

	// Teardown.
	if err := c.DeleteGrant(ctx, acc, grant.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteGrant(ctx, acc, grant.ID); !cloudflare.IsNotFound(err) {
		t.Fatalf("second DeleteGrant = %v, want a 404", err)
	}
	if err := c.DeleteIdentityProvider(ctx, acc, gh.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetIdentityProvider(ctx, acc, gh.ID); !cloudflare.IsNotFound(err) {
		t.Fatalf("GetIdentityProvider after delete = %v, want a 404", err)
	}
	if idps := must(c.ListIdentityProviders(ctx, acc)); len(idps) != 1 || idps[0].ID != saml.ID || idps[0].SAMLCertificateSet == nil {
		t.Fatalf("ListIdentityProviders = %+v", idps)
	}
	if st := c.Stats(); st.Retries != 0 || st.ReadBacks != 0 {
		t.Fatalf("stats %+v: want no retries without faults", st)
	}
}

func TestEmulatorPaginationPast1000(t *testing.T) {
	t.Parallel() // owns its emulator and client
	srv := startEmulator(t, emulator.Options{Seed: 1})
	acc := hex32()
	data := &emulator.Data{Accounts: []emulator.Account{{ID: acc, Name: "big"}}}
	for i := range 1500 {
		data.IdentityProviders = append(data.IdentityProviders, emulator.IdentityProvider{
			AccountID: acc, ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), Name: fmt.Sprintf("idp-%04d", i), Type: "github",
			Config: map[string]any{"client_id": "x"},
		})
	}
	if err := srv.Emulator.Load(data); err != nil {
		t.Fatal(err)
	}
	c := emuClient(t, srv, false, nil)
	idps := must(c.ListIdentityProviders(context.Background(), acc))
	if len(idps) != 1500 {
		t.Fatalf("%d IdPs, want 1500", len(idps))
	}
	seen := map[string]bool{}
	for _, p := range idps {
		seen[p.ID] = true
	}
	if len(seen) != 1500 {
		t.Fatalf("%d distinct IdPs, want 1500", len(seen))
	}
	if n := emulatorStats(t, srv, c).Routes["GET /accounts/{account_id}/access/identity_providers"]; n != 2 {
		t.Fatalf("%d listing requests, want 2 (no empty page past the end)", n)
	}
}

// TestEmulatorPageCap reads every listing from an emulator that serves at
// most a few objects a page, whatever per_page asks, as a real server may.
func TestEmulatorPageCap(t *testing.T) {
	t.Parallel() // owns its emulator and client
	srv := startEmulator(t, emulator.Options{Seed: 1, MaxPerPage: 50, AutoAccounts: true})
	acc := hex32()
	data := &emulator.Data{Organizations: []emulator.Organization{{ID: hex32(), Name: "org"}}}
	data.DefaultOrganizationID = data.Organizations[0].ID
	data.Accounts = []emulator.Account{{ID: acc, Name: "capped", OrganizationID: data.Organizations[0].ID}}
	for i := range 120 {
		data.IdentityProviders = append(data.IdentityProviders, emulator.IdentityProvider{
			AccountID: acc, ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), Name: fmt.Sprintf("idp-%04d", i), Type: "github",
			Config: map[string]any{"client_id": "x"},
		})
	}
	if err := srv.Emulator.Load(data); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c := emuClient(t, srv, false, nil)
	idps := must(c.ListIdentityProviders(ctx, acc))
	seen := map[string]bool{}
	for _, p := range idps {
		seen[p.ID] = true
	}
	if len(idps) != 120 || len(seen) != 120 {
		t.Fatalf("%d IdPs (%d distinct), want 120", len(idps), len(seen))
	}
	if n := emulatorStats(t, srv, c).Routes["GET /accounts/{account_id}/access/identity_providers"]; n != 3 {
		t.Fatalf("%d listing requests, want 3 pages of 50", n)
	}

	// The share lists answer whole without page and per_page; a capped
	// server's result_info says more follow, and the client pages on.
	srv.Emulator.SetMaxPerPage(1)
	var shareIDs []string
	for i := range 3 {
		g := must(c.CreateGrant(ctx, acc, idps[i].ID))
		s := must(c.CreateShare(ctx, acc, cloudflare.CreateShareRequest{
			Name:       "share " + fmt.Sprint(i),
			Recipients: []cloudflare.RecipientRequest{{RecipientAccountID: hex32()}, {RecipientAccountID: hex32()}},
			Resources:  []cloudflare.ResourceRequest{{ResourceID: g.ID, ResourceType: idptype.ResourceFederationGrant, ResourceAccountID: acc, Meta: map[string]any{}}},
		}))
		shareIDs = append(shareIDs, s.ID)
	}
	shares := must(c.ListShares(ctx, acc, cloudflare.ListSharesOptions{Kind: idptype.ShareSent}))
	if len(shares) != 3 {
		t.Fatalf("%d shares, want 3", len(shares))
	}
	if rs := must(c.ListRecipients(ctx, acc, shareIDs[0])); len(rs) != 2 {
		t.Fatalf("%d recipients, want 2", len(rs))
	}
	if grants := must(c.ListGrants(ctx, acc)); len(grants) != 3 {
		t.Fatalf("%d grants, want 3", len(grants))
	}
}

// TestEmulatorRateLimit runs more requests than the emulator's window allows.
// With the server's budget the client never trips a 429; with a larger budget
// it meets 429s and waits them out, and every call still succeeds.
//
// Both cases wait out real windows (the emulator's limiter reads the wall
// clock), so they run at once, beside the package's other tests; each owns
// its emulator and its client, transport included, so neither counts the
// other's requests, 429s or connections. They are started from goroutines
// rather than marked parallel: idle, they hold one of the -parallel slots
// (GOMAXPROCS of them) between them, not two.
func TestEmulatorRateLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out real rate-limit windows")
	}
	t.Parallel()
	serverLimit := emulator.RateLimit{Requests: 20, Window: time.Second}
	tests := []struct {
		name     string
		client   cloudflare.RateLimit
		want429s bool
	}{
		{"client keeps to the server budget", cloudflare.RateLimit{Requests: 20, Window: time.Second}, false},
		{"client budget too large", cloudflare.RateLimit{Requests: 1000, Window: time.Second}, true},
	}
	var wg sync.WaitGroup
	defer wg.Wait() // every Run returns before the test does
	for _, tt := range tests {
		wg.Go(func() {
			t.Run(tt.name, func(t *testing.T) {
				srv := startEmulator(t, emulator.Options{AutoAccounts: true, Seed: 1, RateLimit: serverLimit})
				c := emuClient(t, srv, false, func(o *cloudflare.Options) {
					o.RateLimit = tt.client
					o.Concurrency = 8
				})
				acc := hex32()
				g, ctx := errgroup.WithContext(context.Background())
				for range 45 {
					g.Go(func() error {
						_, err := c.ListGrants(ctx, acc)
						return err
					})
				}
				if err := g.Wait(); err != nil {
					t.Fatal(err)
				}
				st := emulatorStats(t, srv, c)
				n429 := st.Statuses["429"]
				if got := c.Stats().TooManyRequests; got != int64(n429) {
					t.Errorf("client saw %d 429s, emulator sent %d", got, n429)
				}
				if st.Statuses["200"] != 45 {
					t.Errorf("%d successful requests, want 45", st.Statuses["200"])
				}
				if !tt.want429s && n429 != 0 {
					t.Errorf("%d 429s while keeping to the server budget", n429)
				}
				// Requests in flight when the window filled can meet a 429; after
				// that every request waits for the reset.
				if n429 > 2*8 {
					t.Errorf("%d 429s: the client kept sending during a lockout", n429)
				}
			})
		})
	}
}

// TestEmulatorFaultsNoDuplicates creates IdPs, grants, shares and recipients
// while a fifth of the requests fail, half of the failed writes after their
// commit, and then counts what exists: every create happened exactly once.
func TestEmulatorFaultsNoDuplicates(t *testing.T) {
	t.Parallel() // owns its emulator and client
	srv := startEmulator(t, emulator.Options{AutoAccounts: true, Seed: 1, Faults: 0.2})
	c := emuClient(t, srv, true, func(o *cloudflare.Options) { o.MaxRetries = 10 })
	ctx := context.Background()
	const accounts, idpsPer, grantsPer = 10, 5, 2
	recipients := []string{hex32(), hex32()}
	rotatedFrom := map[string]string{} // set uid: current certificate before the rotation
	var accIDs []string
	for range accounts {
		accIDs = append(accIDs, hex32())
	}
	for _, acc := range accIDs {
		var ids []string
		for i := range idpsPer {
			idp := must(c.CreateIdentityProvider(ctx, acc, githubIdP(fmt.Sprintf("GitHub %d", i))))
			ids = append(ids, idp.ID)
		}
		for i := range grantsPer {
			g := must(c.CreateGrant(ctx, acc, ids[i]))
			s := must(c.CreateShare(ctx, acc, shareOf(acc, g.ID, fmt.Sprintf("GitHub %d", i), recipients[0])))
			if r := must(c.AddRecipient(ctx, acc, s.ID, cloudflare.RecipientRequest{RecipientAccountID: recipients[1]})); r.AccountID != recipients[1] {
				t.Fatalf("AddRecipient = %+v", r)
			}
		}
		// Rotation is not idempotent either: exactly one must happen.
		saml := must(c.CreateIdentityProvider(ctx, acc, samlIdP("SAML")))
		set, _, err := c.CreateSAMLCertificate(ctx, acc, saml.ID)
		if err != nil {
			t.Fatal(err)
		}
		rotatedFrom[set.UID] = set.CurrentCertificate.UID
		if r := must(c.RotateCertificateSet(ctx, acc, set.UID)); r.PreviousCertificate == nil || r.PreviousCertificate.UID != set.CurrentCertificate.UID {
			t.Fatalf("rotate returned %+v, want the first certificate as previous", r)
		}
		// Deletes under faults: a retried delete that finds nothing succeeded.
		extra := must(c.CreateIdentityProvider(ctx, acc, githubIdP("Temporary")))
		if err := c.DeleteIdentityProvider(ctx, acc, extra.ID); err != nil {
			t.Fatal(err)
		}
		// Reads under faults succeed too.
		if idps := must(c.ListIdentityProviders(ctx, acc)); len(idps) != idpsPer+1 {
			t.Fatalf("account %s lists %d IdPs, want %d", acc, len(idps), idpsPer+1)
		}
	}
	srv.Emulator.SetFaults(0)
	snap := srv.Emulator.Snapshot()
	if dups := snap.Duplicates(); len(dups) != 0 {
		t.Fatalf("duplicates: %v", dups)
	}
	var idps, grants, shares, recs int
	owned := map[string]bool{}
	for _, a := range accIDs {
		owned[a] = true
	}
	for _, p := range snap.IdentityProviders {
		if owned[p.AccountID] && !p.ReadOnly {
			idps++
		}
	}
	for _, g := range snap.Grants {
		if owned[g.AccountID] {
			grants++
		}
	}
	shareIDs := map[string]bool{}
	for _, s := range snap.Shares {
		if owned[s.AccountID] && s.Status == "active" {
			shares++
			shareIDs[s.ID] = true
		}
	}
	for _, r := range snap.Recipients {
		if shareIDs[r.ShareID] {
			recs++
		}
	}
	want := accounts * grantsPer
	if idps != accounts*(idpsPer+1) || grants != want || shares != want || recs != 2*want {
		t.Fatalf("counts: %d IdPs, %d grants, %d shares, %d recipients; want %d, %d, %d, %d",
			idps, grants, shares, recs, accounts*(idpsPer+1), want, want, 2*want)
	}
	for _, set := range snap.CertificateSets {
		if from, ok := rotatedFrom[set.UID]; ok && (set.Previous == nil || set.Previous.UID != from) {
			t.Errorf("certificate set %s was rotated more than once", set.UID)
		}
	}
	if len(snap.CertificateSets) != accounts {
		t.Errorf("%d certificate sets, want %d", len(snap.CertificateSets), accounts)
	}
	st := c.Stats()
	faults := 0
	for code, n := range emulatorStats(t, srv, c).Statuses {
		if code == "dropped" || strings.HasPrefix(code, "5") || code == "429" {
			faults += n
		}
	}
	if faults == 0 || st.Retries == 0 || st.ReadBacks == 0 {
		t.Fatalf("no faults exercised: %d faults, stats %+v", faults, st)
	}
	t.Logf("%d faults injected; client stats %+v", faults, st)
}

// TestEmulatorRefreshSCIMShapes holds the client to each shape the emulator
// can give refresh_scim_secret's undocumented answer, through the contract:
// the secret the emulator made is the one read, or none is, never another.
func TestEmulatorRefreshSCIMShapes(t *testing.T) {
	t.Parallel() // owns its emulator and client
	const acct = "023e105f4ecef8ad9ca31a8372d0c353"
	for _, shape := range emulator.RefreshSCIMAnswers {
		t.Run(string(shape), func(t *testing.T) {
			srv := startEmulator(t, emulator.Options{AutoAccounts: true, RefreshSCIMAnswer: shape})
			c := emuClient(t, srv, true, nil)
			ctx := context.Background()
			created, err := c.CreateIdentityProvider(ctx, acct, cloudflare.IdentityProvider{
				Name: "Okta", Type: "okta",
				Config:     map[string]any{"client_id": "0oa1", "client_secret": "s", "okta_account": "https://example.okta.com"},
				SCIMConfig: map[string]any{"enabled": true},
			})
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.RefreshSCIMSecret(ctx, acct, created.ID)
			if err != nil {
				t.Fatal(err)
			}
			var stored string
			for _, idp := range srv.Emulator.Snapshot().IdentityProviders {
				if idp.ID == created.ID {
					stored, _ = idp.SCIMConfig["secret"].(string)
				}
			}
			if stored == "" || stored == created.SCIMSecret {
				t.Fatalf("the emulator did not replace the secret")
			}
			want := stored
			if shape == emulator.RefreshNull || shape == emulator.RefreshEmpty {
				want = ""
			}
			if got.SCIMSecret != want {
				t.Errorf("secret read = %q, want %q", got.SCIMSecret, want)
			}
		})
	}
}

// TestEmulatorListAccounts reads GET /accounts from the emulator, both sides
// held to the contract: every account, each with its organization, in pages
// of the documented maximum.
func TestEmulatorListAccounts(t *testing.T) {
	srv := startEmulator(t, emulator.Options{Seed: 1})
	const org = "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a"
	data := &emulator.Data{Organizations: []emulator.Organization{{ID: org, Name: "Org"}}}
	want := map[string]string{}
	for i := range 120 {
		a := emulator.Account{ID: fmt.Sprintf("%032x", i+1), Name: fmt.Sprintf("acct-%03d", i)}
		if i%3 != 0 {
			a.OrganizationID = org
		}
		want[a.ID] = a.OrganizationID
		data.Accounts = append(data.Accounts, a)
	}
	if err := srv.Emulator.Load(data); err != nil {
		t.Fatal(err)
	}
	c := emuClient(t, srv, false, nil)
	got := map[string]string{}
	pages := 0
	err := c.ListAccounts(context.Background(), func(p cloudflare.AccountsPage) bool {
		if p.Pages != 3 {
			t.Errorf("page %d says %d pages, want 3", p.Page, p.Pages)
		}
		pages++
		for _, a := range p.Accounts {
			got[a.ID] = a.ManagedBy.ParentOrgID
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, want) {
		t.Errorf("listed %d accounts, want %d with their organizations", len(got), len(want))
	}
	if n := emulatorStats(t, srv, c).Routes["GET /accounts"]; n != 3 || pages != 3 {
		t.Errorf("%d requests, %d pages; want 3 of each (no empty page past the end)", n, pages)
	}
}
