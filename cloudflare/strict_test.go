package cloudflare_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/emulator"
	"github.com/idpsync/idpsync/emulator/contract"
)

// loseFirstShareCreate wraps h so that the first POST of a share is committed
// but answered 502, as a connection lost after the write would leave it.
func loseFirstShareCreate(h http.Handler, lost *atomic.Bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/shares") && lost.CompareAndSwap(false, true) {
			h.ServeHTTP(httptest.NewRecorder(), r)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte(`{"success":false,"errors":[{"code":10502,"message":"Bad gateway"}],"result":null}`))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// TestShareReadBackOnAReceivingAccount: the read-back after a lost share
// create lists the account's sent shares only. Cloudflare's total_count
// counts the whole collection, received shares too, so a read-back that held
// the filtered listing to it would refuse every answer of an account that
// also receives shares, and the create would fail forever.
func TestShareReadBackOnAReceivingAccount(t *testing.T) {
	t.Parallel() // owns its emulator and client
	spec, err := contract.Load("../emulator/testdata/access-subset.openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var lost atomic.Bool
	check := spec.Middleware(emulator.APIPrefix, func(err error) { t.Errorf("contract: %v", err) })
	srv, err := emulator.Start(emulator.Options{
		AutoAccounts: true, Tokens: []string{"emu-token"}, Keys: []emulator.APIKey{{Email: emuEmail, Key: emuKey}},
		Wrap: func(h http.Handler) http.Handler { return loseFirstShareCreate(check(h), &lost) },
	}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c := emuClient(t, srv, true, nil)
	ctx := context.Background()
	a, b := hex32(), hex32()

	// b shares two IdPs with a, so a receives shares before it sends one.
	for _, name := range []string{"One", "Two"} {
		idp := must(c.CreateIdentityProvider(ctx, b, githubIdP(name)))
		g := must(c.CreateGrant(ctx, b, idp.ID))
		must(c.CreateShare(ctx, b, shareOf(b, g.ID, name, a)))
	}
	if !lost.Load() {
		t.Fatal("the first share create was not lost; the test proves nothing")
	}
	idp := must(c.CreateIdentityProvider(ctx, a, githubIdP("Mine")))
	g := must(c.CreateGrant(ctx, a, idp.ID))

	lost.Store(false)
	share, err := c.CreateShare(ctx, a, shareOf(a, g.ID, "Mine", b))
	if err != nil {
		t.Fatalf("CreateShare after a lost answer: %v", err)
	}
	sent := must(c.ListShares(ctx, a, cloudflare.ListSharesOptions{Kind: "sent"}))
	if len(sent) != 1 || sent[0].ID != share.ID {
		t.Fatalf("sent shares %+v, want exactly the one created (%s)", sent, share.ID)
	}
	if st := c.Stats(); st.ReadBacks == 0 {
		t.Fatalf("no read-back happened: %+v", st)
	}
}

// TestProbe: one GET, its answer whatever the status, the credential it
// carried, and the rate-limit headers as numbers.
func TestProbe(t *testing.T) {
	srv := startEmulator(t, emulator.Options{AutoAccounts: true, RateLimit: emulator.RateLimit{Requests: 50, Window: time.Minute}, TokenLacks: []emulator.Scope{emulator.ScopeApps}})
	c := emuClient(t, srv, true, nil)
	ctx := context.Background()
	a := hex32()
	p, err := c.Probe(ctx, a, []string{"access", "identity_providers"}, url.Values{"per_page": {"1000"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != 200 || p.Scheme != "token" || p.ResultInfo == nil || p.ResultInfo.PerPage != 1000 {
		t.Errorf("IdP probe: status %d, scheme %s, result_info %+v", p.Status, p.Scheme, p.ResultInfo)
	}
	if rl := p.RateLimit; !rl.Seen || rl.Quota != 50 || rl.Window != time.Minute || rl.Remaining >= 50 {
		t.Errorf("rate limit %+v", rl)
	}
	p, err = c.Probe(ctx, a, []string{"shares"}, nil)
	if err != nil || p.Status != 200 || p.Scheme != "api_key" {
		t.Errorf("share probe: %+v, %v", p, err)
	}
	p, err = c.Probe(ctx, a, []string{"access", "apps"}, nil)
	if err != nil || p.Status != 403 || len(p.Codes) != 1 || p.Codes[0] != 10000 {
		t.Errorf("apps probe without the scope: %+v, %v", p, err)
	}
	if st := c.Stats(); st.Requests != 3 || st.Retries != 0 {
		t.Errorf("stats %+v: a probe is one request, never retried", st)
	}
}

// TestProbeAccounts: the first page of GET /accounts as ListAccounts asks
// for it, sent once, and its refusal returned as an answer.
func TestProbeAccounts(t *testing.T) {
	srv := startEmulator(t, emulator.Options{AutoAccounts: true})
	c := emuClient(t, srv, true, nil)
	ctx := context.Background()
	if _, err := c.GetAccount(ctx, hex32()); err != nil {
		t.Fatal(err)
	}
	p, err := c.ProbeAccounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != 200 || p.Path != "/accounts" || p.Scheme != "token" || p.ResultInfo == nil || p.ResultInfo.PerPage != cloudflare.AccountsPerPage {
		t.Errorf("account listing probe: status %d, path %s, scheme %s, result_info %+v", p.Status, p.Path, p.Scheme, p.ResultInfo)
	}
	if err := srv.Emulator.SetTokenLacks([]emulator.Scope{emulator.ScopeAccount}); err != nil {
		t.Fatal(err)
	}
	p, err = c.ProbeAccounts(ctx)
	if err != nil || p.Status != 403 || len(p.Codes) != 1 {
		t.Errorf("account listing probe without the scope: %+v, %v", p, err)
	}
	if st := c.Stats(); st.Requests != 3 || st.Retries != 0 {
		t.Errorf("stats %+v: a probe is one request, never retried", st)
	}
}
