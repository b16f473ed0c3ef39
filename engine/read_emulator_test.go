package engine_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/emulator"
	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/state"
)

const emuToken = "emu-token"

// emuEmail and emuKey are the global API key the tests' emulator accepts: the
// client sends it to /shares, which refuse tokens as documented.
const (
	emuEmail = "ops@example.com"
	emuKey   = "emu-key"
)

func hex32() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func startEmulator(tb testing.TB) *emulator.Server {
	tb.Helper()
	srv, err := emulator.Start(emulator.Options{Tokens: []string{emuToken}, Keys: []emulator.APIKey{{Email: emuEmail, Key: emuKey}}, AutoAccounts: true, Seed: 1}, "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.Close() })
	return srv
}

func newClient(tb testing.TB, srv *emulator.Server, rl cloudflare.RateLimit) *cloudflare.Client {
	tb.Helper()
	c, err := cloudflare.New(cloudflare.Options{BaseURL: srv.URL, Token: emuToken, Email: emuEmail, Key: emuKey, RateLimit: rl})
	if err != nil {
		tb.Fatal(err)
	}
	// Before the emulator stops (cleanups run last first): a connection
	// dialed and never used would hold its graceful shutdown for 5 seconds.
	tb.Cleanup(c.CloseIdleConnections)
	return c
}

// seedAccount creates the benchmark's account shape through the API: two
// SAML IdPs with encryption, two GitHub IdPs, one of each kind federated to
// every recipient. Names carry the account's index so that recipients can
// tell the connections apart.
func seedAccount(ctx context.Context, c *cloudflare.Client, acc string, idx int, recipients []string) error {
	ids := map[string]string{}
	for _, name := range []string{"SAML 1", "SAML 2"} {
		name = fmt.Sprintf("%s #%d", name, idx)
		idp := cloudflare.IdentityProvider{Name: name, Type: "saml", Config: map[string]any{
			"issuer_url": "https://idp.example.com/" + name, "sso_target_url": "https://idp.example.com/sso", "idp_public_certs": []any{"MIIB"},
		}}
		created, err := c.CreateIdentityProvider(ctx, acc, idp)
		if err != nil {
			return err
		}
		set, _, err := c.CreateSAMLCertificate(ctx, acc, created.ID)
		if err != nil {
			return err
		}
		idp.Config["enable_encryption"] = true
		idp.SAMLCertificateSetID = set.UID
		if _, err := c.UpdateIdentityProvider(ctx, acc, created.ID, idp); err != nil {
			return err
		}
		ids[name] = created.ID
	}
	for _, name := range []string{"GitHub 1", "GitHub 2"} {
		name = fmt.Sprintf("%s #%d", name, idx)
		created, err := c.CreateIdentityProvider(ctx, acc, cloudflare.IdentityProvider{Name: name, Type: "github", Config: map[string]any{"client_id": "x", "client_secret": "y"}})
		if err != nil {
			return err
		}
		ids[name] = created.ID
	}
	for _, name := range []string{fmt.Sprintf("SAML 2 #%d", idx), fmt.Sprintf("GitHub 1 #%d", idx)} {
		g, err := c.CreateGrant(ctx, acc, ids[name])
		if err != nil {
			return err
		}
		req := cloudflare.CreateShareRequest{
			Name:      "Identity provider: " + name,
			Resources: []cloudflare.ResourceRequest{{ResourceID: g.ID, ResourceType: idptype.ResourceFederationGrant, ResourceAccountID: acc}},
		}
		for _, r := range recipients {
			req.Recipients = append(req.Recipients, cloudflare.RecipientRequest{RecipientAccountID: r})
		}
		if _, err := c.CreateShare(ctx, acc, req); err != nil {
			return err
		}
	}
	return nil
}

func seed(tb testing.TB, srv *emulator.Server, n int) (sources, recipients []string) {
	tb.Helper()
	recipients = []string{hex32(), hex32(), hex32()}
	for range n {
		sources = append(sources, hex32())
	}
	c := newClient(tb, srv, cloudflare.RateLimit{Requests: 1_000_000, Window: time.Minute})
	g, ctx := errgroup.WithContext(context.Background())
	for i, acc := range sources {
		g.Go(func() error { return seedAccount(ctx, c, acc, i, recipients) })
	}
	if err := g.Wait(); err != nil {
		tb.Fatal(err)
	}
	return sources, recipients
}

// emulatorStats waits until the emulator has counted every request the
// client sent (it counts after answering), then returns its counters.
func emulatorStats(srv *emulator.Server, c *cloudflare.Client) emulator.Stats {
	return emulatorStatsSince(srv, c, 0)
}

// emulatorStatsSince is emulatorStats for a client that had sent sent
// requests when the emulator's counters were reset.
func emulatorStatsSince(srv *emulator.Server, c *cloudflare.Client, sent int64) emulator.Stats {
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := srv.Emulator.Stats()
		if int64(st.Total) >= c.Stats().Requests-sent || time.Now().After(deadline) {
			return st
		}
		time.Sleep(time.Millisecond)
	}
}

const (
	routeAccount     = "GET /accounts/{account_id}"
	routeAccountList = "GET /accounts"
	routeIdPs        = "GET /accounts/{account_id}/access/identity_providers"
	routeGrants      = "GET /accounts/{account_id}/access/idp_federation_grants"
	routeShares      = "GET /accounts/{account_id}/shares"
	routeRecipients  = "GET /accounts/{account_id}/shares/{share_id}/recipients"
)

func TestReadLiveAgainstEmulator(t *testing.T) {
	srv := startEmulator(t)
	sources, recipients := seed(t, srv, 2)
	read := append(append([]string{}, sources...), recipients[0])

	tests := []struct {
		name           string
		managed        func(string, *state.LiveIdP) bool
		wantRecipients int
	}{
		{"every grant managed", nil, 4},
		{"only SAML managed", func(_ string, p *state.LiveIdP) bool { return p.Type == "saml" }, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, srv, cloudflare.RateLimit{})
			srv.Emulator.ResetStats()
			live, err := engine.ReadLive(context.Background(), c, read, engine.ReadOptions{Managed: tt.managed})
			if err != nil {
				t.Fatal(err)
			}
			st := emulatorStats(srv, c)
			// Per account three listings; the organizations of all three
			// from one page of the account listing, which costs less than
			// their three details reads (engine.nextAccountsPage).
			want := map[string]int{routeAccountList: 1, routeIdPs: 3, routeGrants: 3, routeShares: 3, routeRecipients: tt.wantRecipients}
			if fmt.Sprint(st.Routes) != fmt.Sprint(want) || st.Total != 10+tt.wantRecipients {
				t.Fatalf("requests %v (total %d), want exactly %v", st.Routes, st.Total, want)
			}

			src := live.Accounts[sources[0]]
			if len(src.IdentityProviders) != 4 || len(src.Grants) != 2 || len(src.Shares) != 2 || src.Organization == "" || !src.Org.Known || src.Org.ID != src.Organization {
				t.Fatalf("source account %+v", src)
			}
			names := []string{"GitHub 1 #0", "GitHub 2 #0", "SAML 1 #0", "SAML 2 #0"}
			for i, p := range src.IdentityProviders {
				if p.Name != names[i] || p.ReadOnly || p.Version == "" {
					t.Errorf("IdP %d = %s (read-only %v), want %s", i, p.Name, p.ReadOnly, names[i])
				}
			}
			for _, p := range src.IdentityProviders[2:] {
				cs := p.CertificateSet
				if !p.EncryptionEnabled || cs == nil || cs.Current == nil || len(cs.Current.SHA256) != 95 || cs.UpdatedAt.IsZero() {
					t.Errorf("%s: encryption %v, set %+v", p.Name, p.EncryptionEnabled, cs)
				}
			}
			for _, p := range []*state.LiveIdP{src.IdentityProviders[0], src.IdentityProviders[3]} {
				if p.Grant == nil || p.Grant.Share == nil || p.Grant.Share.Status != idptype.ShareActive {
					t.Fatalf("%s: grant %+v", p.Name, p.Grant)
				}
				rs := p.Grant.Share.Recipients
				managed := tt.managed == nil || tt.managed(sources[0], p)
				if !managed {
					if rs != nil {
						t.Errorf("%s: recipients read for an unmanaged grant", p.Name)
					}
					continue
				}
				if len(rs) != 3 {
					t.Fatalf("%s: %d recipients, want 3", p.Name, len(rs))
				}
				for i := 1; i < len(rs); i++ {
					if rs[i-1].AccountID > rs[i].AccountID {
						t.Errorf("%s: recipients not sorted by account", p.Name)
					}
				}
			}
			if src.IdentityProviders[1].Grant != nil {
				t.Errorf("GitHub 2 has a grant")
			}

			rcv := live.Accounts[recipients[0]]
			if len(rcv.IdentityProviders) != 4 || len(rcv.Shares) != 0 || len(rcv.Grants) != 0 {
				t.Fatalf("recipient account %+v", rcv)
			}
			for _, p := range rcv.IdentityProviders {
				if !p.ReadOnly || p.Received == nil || p.Received.ShareName != "Identity provider: "+p.Name {
					t.Errorf("received %s: %+v", p.Name, p.Received)
					continue
				}
				wantFrom := sources[0]
				if p.Name[len(p.Name)-1] == '1' {
					wantFrom = sources[1]
				}
				if p.Received.FromAccount != wantFrom {
					t.Errorf("%s comes from %q, want %q", p.Name, p.Received.FromAccount, wantFrom)
				}
			}
		})
	}
}

// BenchmarkReadLive reads 50 accounts of 4 IdPs (two SAML with encryption,
// two federated to three recipients) at 50 ms of emulator latency, with a
// fresh client per read as a CLI run would have. It reports the requests sent
// against the minimum (50×3 listings + 100 recipient listings = 250) and the
// wall time against requests × latency / concurrency.
func BenchmarkReadLive(b *testing.B) {
	const (
		accounts    = 50
		latency     = 50 * time.Millisecond
		concurrency = 8
		minRequests = accounts*3 + accounts*2
	)
	srv := startEmulator(b)
	sources, _ := seed(b, srv, accounts)
	srv.Emulator.SetLatency(latency)
	ctx := context.Background()
	var requests int
	var elapsed time.Duration
	b.ResetTimer()
	for b.Loop() {
		c, err := cloudflare.New(cloudflare.Options{BaseURL: srv.URL, Token: emuToken, Email: emuEmail, Key: emuKey, Concurrency: concurrency})
		if err != nil {
			b.Fatal(err)
		}
		srv.Emulator.ResetStats()
		start := time.Now()
		live, err := engine.ReadLive(ctx, c, sources, engine.ReadOptions{Concurrency: concurrency})
		elapsed += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if len(live.Accounts) != accounts {
			b.Fatalf("%d accounts read", len(live.Accounts))
		}
		requests += emulatorStats(srv, c).Total
	}
	n := float64(b.N)
	perOp := float64(requests) / n
	ideal := time.Duration(perOp * float64(latency) / concurrency)
	b.ReportMetric(perOp, "requests/op")
	b.ReportMetric(perOp/minRequests, "requests/min")
	b.ReportMetric(float64(elapsed)/n/float64(ideal), "wall/ideal")
}
