package cloudflare

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idpsync/idpsync/idptype"
)

// fakeClock stands in for time in tests: Sleep advances it at once.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sleeps = append(f.sleeps, d)
	f.t = f.t.Add(d)
	return nil
}

func (f *fakeClock) Sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

// newTestClient returns a client of srv whose waits run on a fake clock.
func newTestClient(t *testing.T, srv *httptest.Server, mod func(*Options)) (*Client, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	opts := Options{
		BaseURL:   srv.URL + "/client/v4",
		Token:     "test-token",
		Sleep:     clock.Sleep,
		UserAgent: "idpsync/test",
	}
	if mod != nil {
		mod(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	c.now = clock.Now
	c.jitter = func() float64 { return 0 }
	return c, clock
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func accessOK(result any) map[string]any {
	return map[string]any{"success": true, "errors": []any{}, "messages": []any{}, "result": result}
}

func accessFail(code int, msg string) map[string]any {
	return map[string]any{"success": false, "errors": []any{map[string]any{"code": code, "message": msg}}, "messages": []any{}, "result": nil}
}

func TestNewValidatesEndpointAndCredentials(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{"https default", Options{Token: "t"}, ""},
		{"https custom", Options{BaseURL: "https://api.example.com/client/v4", Token: "t"}, ""},
		{"http loopback v4", Options{BaseURL: "http://127.0.0.1:8080/client/v4", Token: "t"}, ""},
		{"http loopback 127/8", Options{BaseURL: "http://127.3.4.5:8080/client/v4", Token: "t"}, ""},
		{"http loopback v6", Options{BaseURL: "http://[::1]:8080/client/v4", Token: "t"}, ""},
		{"http localhost", Options{BaseURL: "http://localhost:8080/client/v4", Email: "a@b.c", Key: "k"}, ""},
		{"http remote host", Options{BaseURL: "http://api.example.com/client/v4", Token: "t"}, "refusing to send credentials over plain http"},
		{"http private ip", Options{BaseURL: "http://10.0.0.1/client/v4", Token: "t"}, "refusing to send credentials over plain http"},
		{"http localhost lookalike", Options{BaseURL: "http://localhost.example.com/client/v4", Token: "t"}, "refusing"},
		{"other scheme", Options{BaseURL: "ftp://127.0.0.1/", Token: "t"}, "scheme must be https"},
		{"no credentials", Options{}, "no API credentials"},
		{"credentials in the URL", Options{BaseURL: "https://user:hunter2secret@api.example.com/client/v4", Token: "t"}, "credentials in the URL are not allowed"},
		{"password in an ftp URL", Options{BaseURL: "ftp://user:hunter2secret@127.0.0.1/", Token: "t"}, "credentials in the URL are not allowed"},
		{"query in the URL", Options{BaseURL: "https://api.example.com/client/v4?key=hunter2secret", Token: "t"}, "a query or fragment is not allowed"},
		{"unparsable URL", Options{BaseURL: "https://api.example.com/%zzhunter2secret", Token: "t"}, "not a valid URL"},
		{"email without key", Options{Email: "a@b.c"}, "needs both"},
		{"bad rate limit", Options{Token: "t", RateLimit: RateLimit{Requests: -1, Window: time.Second}}, "rate limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.opts)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("New: no error, want %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("New: %v, want %q", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2secret") {
				t.Fatalf("error quotes a secret of the endpoint: %v", err)
			}
			if err != nil && tt.opts.Token != "" && strings.Contains(err.Error(), tt.opts.Token+"@") {
				t.Fatalf("error leaks credentials: %v", err)
			}
		})
	}
}

func TestParseRateLimit(t *testing.T) {
	tests := []struct {
		in      string
		want    RateLimit
		wantErr bool
	}{
		{"1200/5m", RateLimit{1200, 5 * time.Minute}, false},
		{"120/30s", RateLimit{120, 30 * time.Second}, false},
		{" 60 / m ", RateLimit{60, time.Minute}, false},
		{"10/1h30m", RateLimit{10, 90 * time.Minute}, false},
		{"1200", RateLimit{}, true},
		{"0/5m", RateLimit{}, true},
		{"x/5m", RateLimit{}, true},
		{"10/0s", RateLimit{}, true},
		{"10/-5m", RateLimit{}, true},
		{"10/fortnight", RateLimit{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRateLimit(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseRateLimit(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("ParseRateLimit(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header map[string]string
		want   time.Duration
		ok     bool
	}{
		{"seconds", map[string]string{"Retry-After": "7"}, 7 * time.Second, true},
		{"fractional seconds", map[string]string{"Retry-After": "1.5"}, 1500 * time.Millisecond, true},
		{"milliseconds win", map[string]string{"Retry-After-Ms": "250", "Retry-After": "7"}, 250 * time.Millisecond, true},
		{"http date", map[string]string{"Retry-After": now.Add(42 * time.Second).Format(http.TimeFormat)}, 42 * time.Second, true},
		{"date in the past", map[string]string{"Retry-After": now.Add(-time.Hour).Format(http.TimeFormat)}, 0, true},
		{"bad ms falls back", map[string]string{"Retry-After-Ms": "soon", "Retry-After": "3"}, 3 * time.Second, true},
		{"negative", map[string]string{"Retry-After": "-3"}, 0, false},
		{"junk", map[string]string{"Retry-After": "tomorrow"}, 0, false},
		{"absent", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			w, ok := serverWait(h, now)
			got := w.d
			if got != tt.want || ok != tt.ok {
				t.Fatalf("retryAfter = %s, %v; want %s, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestBackoffBounds(t *testing.T) {
	for n := range 12 {
		base := min(8*time.Second, time.Duration(float64(500*time.Millisecond)*float64(int64(1)<<min(n, 20))))
		lo, hi := backoffDelay(n, 1), backoffDelay(n, 0)
		if hi != base {
			t.Errorf("n=%d: no-jitter delay %s, want %s", n, hi, base)
		}
		if want := base - base/4; lo != want {
			t.Errorf("n=%d: full-jitter delay %s, want %s", n, lo, want)
		}
		if mid := backoffDelay(n, 0.5); mid < lo || mid > hi {
			t.Errorf("n=%d: delay %s outside [%s, %s]", n, mid, lo, hi)
		}
	}
	if got := backoffDelay(100, 0); got != 8*time.Second {
		t.Errorf("large n: %s, want the 8s cap", got)
	}
}

func TestAPIErrorText(t *testing.T) {
	tests := []struct {
		err  *APIError
		want string
	}{
		{
			&APIError{Status: 404, Method: "GET", Path: "/accounts/023e/access/identity_providers", Errors: []Message{{Code: 7003, Message: "No route for the URI"}}},
			"GET /accounts/023e/access/identity_providers: 404 Not Found: [7003] No route for the URI",
		},
		{
			&APIError{Status: 400, Method: "POST", Path: "/accounts/a/shares", Errors: []Message{{Code: 1000, Message: "bad"}, {Code: 1001, Message: "worse"}}, RayID: "8a1b"},
			"POST /accounts/a/shares: 400 Bad Request: [1000] bad; [1001] worse (ray 8a1b)",
		},
		{&APIError{Status: 502, Method: "GET", Path: "/x"}, "GET /x: 502 Bad Gateway"},
		{&APIError{Status: 599, Method: "GET", Path: "/x"}, "GET /x: 599"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	wrapped := fmt.Errorf("account[platform].idp[Okta]: %w", tests[0].err)
	if !IsNotFound(wrapped) {
		t.Error("IsNotFound(wrapped 404) = false")
	}
	if IsNotFound(tests[1].err) || IsNotFound(errors.New("x")) {
		t.Error("IsNotFound true for a non-404")
	}
}

func TestEnvelopeDecoding(t *testing.T) {
	tests := []struct {
		name     string
		path     string
		status   int
		body     string
		wantErr  string
		wantGone bool
		check    func(t *testing.T, c *Client)
	}{
		{
			name: "access success", path: "/access/idp_federation_grants", status: 200,
			body: `{"success":true,"errors":[],"messages":[{"code":10000,"message":"note"}],"result":[{"id":"g1","idp_id":"i1","created_at":"2026-01-02T03:04:05Z"}],"result_info":{"count":1,"page":1,"per_page":20,"total_count":1,"total_pages":1}}`,
		},
		{
			name: "access failure", path: "/access/idp_federation_grants", status: 403,
			body:    `{"success":false,"errors":[{"code":10001,"message":"forbidden","documentation_url":"https://x","source":{"pointer":"/idp_id"}}],"messages":[],"result":null}`,
			wantErr: "GET /accounts/acc/access/idp_federation_grants: 403 Forbidden: [10001] forbidden",
		},
		{
			name: "access success false on 200", path: "/access/idp_federation_grants", status: 200,
			body:    `{"success":false,"errors":[{"code":1234,"message":"odd"}],"messages":[],"result":null}`,
			wantErr: "[1234] odd",
		},
		{
			name: "share success", path: "/shares", status: 200,
			body: `{"success":true,"errors":[],"result":[{"id":"s1","name":"n","account_id":"acc","account_name":"A","organization_id":"o","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","status":"active","target_type":"account","kind":"sent"}],"result_info":{"count":1,"page":1,"per_page":20,"total_count":1,"total_pages":1}}`,
		},
		{
			name: "share null collection", path: "/shares", status: 200,
			body: `{"success":true,"errors":[],"result":null}`,
		},
		{
			name: "share failure", path: "/shares", status: 400,
			body:    `{"success":false,"errors":[{"code":1002,"message":"invalid kind"}],"result":null}`,
			wantErr: "GET /accounts/acc/shares: 400 Bad Request: [1002] invalid kind",
		},
		{
			name: "not json", path: "/shares", status: 400,
			body:    `<html>bad gateway</html>`,
			wantErr: "GET /accounts/acc/shares: 400 Bad Request",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			c, _ := newTestClient(t, srv, nil)
			var err error
			var n int
			if tt.path == "/shares" {
				var s []Share
				s, err = c.ListShares(context.Background(), "acc", ListSharesOptions{})
				n = len(s)
			} else {
				var g []Grant
				g, err = c.ListGrants(context.Background(), "acc")
				n = len(g)
				if err == nil && (g[0].ID != "g1" || g[0].IdPID != "i1") {
					t.Fatalf("decoded %+v", g[0])
				}
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				var apiErr *APIError
				if !errors.As(err, &apiErr) {
					t.Fatalf("err %T is not an *APIError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(tt.body, `"result":null`) != (n == 0) {
				t.Fatalf("decoded %d items from %s", n, tt.body)
			}
		})
	}
}

// fakeAPI is a tiny in-memory API for the client's retry and read-back paths.
type fakeAPI struct {
	mu      sync.Mutex
	idps    []IdentityProvider
	grants  []Grant
	calls   map[string]int
	headers []http.Header
	// script answers the nth call of a route ("POST /idps") before the real handler.
	script func(route string, n int, w http.ResponseWriter, commit func()) bool
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	path := strings.TrimPrefix(r.URL.Path, "/client/v4/accounts/acc")
	route := r.Method + " " + path
	if strings.HasPrefix(path, "/access/identity_providers/") {
		route = r.Method + " /access/identity_providers/{id}"
	}
	if strings.HasPrefix(path, "/access/idp_federation_grants/") {
		route = r.Method + " /access/idp_federation_grants/{id}"
	}
	f.calls[route]++
	f.headers = append(f.headers, r.Header.Clone())
	body, _ := io.ReadAll(r.Body)
	var committed any
	commit := func() { committed = f.handle(route, path, body) }
	if f.script != nil && f.script(route, f.calls[route], w, commit) {
		return
	}
	if committed == nil {
		committed = f.handle(route, path, body)
	}
	switch v := committed.(type) {
	case int:
		writeJSON(w, v, accessFail(7003, "not found"))
	default:
		status := 200
		if r.Method == http.MethodPost {
			status = 201
		}
		if r.Method == http.MethodDelete {
			status = 202
		}
		writeJSON(w, status, accessOK(v))
	}
}

// handle applies a request and returns its result, or an int status on failure.
func (f *fakeAPI) handle(route, path string, body []byte) any {
	switch route {
	case "GET /access/identity_providers":
		return f.idps
	case "POST /access/identity_providers":
		var idp IdentityProvider
		json.Unmarshal(body, &idp)
		idp.ID = fmt.Sprintf("idp-%d", len(f.idps)+1)
		f.idps = append(f.idps, idp)
		return idp
	case "DELETE /access/identity_providers/{id}":
		id := strings.TrimPrefix(path, "/access/identity_providers/")
		for i, x := range f.idps {
			if x.ID == id {
				f.idps = append(f.idps[:i], f.idps[i+1:]...)
				return DeletedID{ID: id}
			}
		}
		return 404
	case "GET /access/idp_federation_grants":
		return f.grants
	case "POST /access/idp_federation_grants":
		var g Grant
		json.Unmarshal(body, &g)
		g.ID = fmt.Sprintf("%032d", len(f.grants)+1)
		f.grants = append(f.grants, g)
		return g
	}
	return 404
}

func (f *fakeAPI) count(route string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[route]
}

func TestCreateReadsBackAfterAmbiguousFailure(t *testing.T) {
	hijackDrop := func(w http.ResponseWriter) {
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}
	tests := []struct {
		name string
		// fail answers the first POST; it may commit first.
		fail          func(w http.ResponseWriter, commit func())
		wantIdPs      int
		wantPosts     int
		wantReadBacks int64
	}{
		{"500 after commit", func(w http.ResponseWriter, commit func()) { commit(); writeJSON(w, 500, accessFail(1000, "internal")) }, 1, 1, 1},
		{"500 before commit", func(w http.ResponseWriter, commit func()) { writeJSON(w, 500, accessFail(1000, "internal")) }, 1, 2, 1},
		{"dropped after commit", func(w http.ResponseWriter, commit func()) { commit(); hijackDrop(w) }, 1, 1, 1},
		{"dropped before commit", func(w http.ResponseWriter, commit func()) { hijackDrop(w) }, 1, 2, 1},
		{"429 reads back too", func(w http.ResponseWriter, commit func()) {
			w.Header().Set("Retry-After", "3")
			writeJSON(w, 429, accessFail(10000, "rate limited"))
		}, 1, 2, 1},
		{"429 after commit", func(w http.ResponseWriter, commit func()) {
			commit()
			w.Header().Set("Retry-After", "3")
			writeJSON(w, 429, accessFail(10000, "rate limited"))
		}, 1, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeAPI{script: func(route string, n int, w http.ResponseWriter, commit func()) bool {
				if route == "POST /access/identity_providers" && n == 1 {
					tt.fail(w, commit)
					return true
				}
				return false
			}}
			srv := httptest.NewServer(api)
			defer srv.Close()
			c, _ := newTestClient(t, srv, nil)
			idp, err := c.CreateIdentityProvider(context.Background(), "acc", IdentityProvider{Name: "Okta", Type: "okta", Config: map[string]any{"client_id": "x"}})
			if err != nil {
				t.Fatal(err)
			}
			if idp.ID == "" || idp.Name != "Okta" {
				t.Fatalf("created %+v", idp)
			}
			if got := len(api.idps); got != tt.wantIdPs {
				t.Errorf("%d IdPs exist, want %d", got, tt.wantIdPs)
			}
			if got := api.count("POST /access/identity_providers"); got != tt.wantPosts {
				t.Errorf("%d POSTs, want %d", got, tt.wantPosts)
			}
			if got := c.Stats().ReadBacks; got != tt.wantReadBacks {
				t.Errorf("%d read-backs, want %d", got, tt.wantReadBacks)
			}
		})
	}
}

func TestCreateGrantReadsBack(t *testing.T) {
	api := &fakeAPI{script: func(route string, n int, w http.ResponseWriter, commit func()) bool {
		if route == "POST /access/idp_federation_grants" && n == 1 {
			commit()
			writeJSON(w, 503, accessFail(1000, "unavailable"))
			return true
		}
		return false
	}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	c, _ := newTestClient(t, srv, nil)
	g, err := c.CreateGrant(context.Background(), "acc", "idp-1")
	if err != nil {
		t.Fatal(err)
	}
	if g.IdPID != "idp-1" || len(api.grants) != 1 || api.count("POST /access/idp_federation_grants") != 1 {
		t.Fatalf("grant %+v, %d grants, %d posts", g, len(api.grants), api.count("POST /access/idp_federation_grants"))
	}
}

func TestDeleteNotFound(t *testing.T) {
	tests := []struct {
		name string
		// exists says whether the IdP exists before the delete.
		exists bool
		// first answers the first attempt in place of the API; it may commit.
		first   func(w http.ResponseWriter, commit func())
		wantErr bool
	}{
		{"404 on first attempt is an error", false, nil, true},
		{"404 on retry after applied failure is success", true, func(w http.ResponseWriter, commit func()) {
			commit()
			writeJSON(w, 502, accessFail(1000, "bad gateway"))
		}, false},
		{"404 on retry after 429 is success", true, func(w http.ResponseWriter, commit func()) {
			commit()
			w.Header().Set("Retry-After", "1")
			writeJSON(w, 429, accessFail(10000, "slow down"))
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeAPI{script: func(route string, n int, w http.ResponseWriter, commit func()) bool {
				if tt.first != nil && route == "DELETE /access/identity_providers/{id}" && n == 1 {
					tt.first(w, commit)
					return true
				}
				return false
			}}
			if tt.exists {
				api.idps = []IdentityProvider{{ID: "idp-1", Name: "A", Type: "github"}}
			}
			srv := httptest.NewServer(api)
			defer srv.Close()
			c, _ := newTestClient(t, srv, nil)
			err := c.DeleteIdentityProvider(context.Background(), "acc", "idp-1")
			if tt.wantErr {
				if !IsNotFound(err) {
					t.Fatalf("err = %v, want a 404", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(api.idps) != 0 {
				t.Fatalf("IdP not deleted: %+v", api.idps)
			}
		})
	}
}

func TestReadsRetryOn5xxAndConnectionErrors(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Fresh connections keep net/http from replaying the GET on its own.
		w.Header().Set("Connection", "close")
		switch n.Add(1) {
		case 1:
			writeJSON(w, 500, accessFail(1000, "boom"))
		case 2:
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		case 3:
			w.Header().Set("Retry-After", "2")
			writeJSON(w, 503, accessFail(1000, "later"))
		default:
			writeJSON(w, 200, accessOK([]Grant{{ID: "g", IdPID: "i"}}))
		}
	}))
	defer srv.Close()
	c, clock := newTestClient(t, srv, nil)
	gs, err := c.ListGrants(context.Background(), "acc")
	if err != nil || len(gs) != 1 {
		t.Fatalf("ListGrants = %v, %v", gs, err)
	}
	st := c.Stats()
	if st.Requests != 4 || st.Retries != 3 {
		t.Fatalf("stats %+v, want 4 requests and 3 retries", st)
	}
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}
	if got := clock.Sleeps(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("backoff waits %v, want %v", got, want)
	}
}

func TestRetriesRunOut(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 500, accessFail(1000, "down"))
	}))
	defer srv.Close()
	c, clock := newTestClient(t, srv, func(o *Options) { o.MaxRetries = 3 })
	_, err := c.ListGrants(context.Background(), "acc")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 500 {
		t.Fatalf("err = %v, want the last 500", err)
	}
	if got := c.Stats().Requests; got != 4 {
		t.Fatalf("%d requests, want 4", got)
	}
	if got := len(clock.Sleeps()); got != 3 {
		t.Fatalf("%d waits, want 3", got)
	}
}

func TestTooManyRequestsBlocksEveryRequest(t *testing.T) {
	var first atomic.Bool
	var mu sync.Mutex
	var sentAt []time.Time
	var clock *fakeClock
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		sentAt = append(sentAt, clock.Now())
		mu.Unlock()
		if first.CompareAndSwap(false, true) {
			w.Header().Set("Retry-After", "30")
			writeJSON(w, 429, accessFail(10000, "rate limited"))
			return
		}
		writeJSON(w, 200, accessOK([]Grant{}))
	}))
	defer srv.Close()
	var c *Client
	c, clock = newTestClient(t, srv, func(o *Options) { o.Concurrency = 1 })
	start := clock.Now()
	if _, err := c.ListGrants(context.Background(), "acc"); err != nil {
		t.Fatal(err)
	}
	// Another call of the same client must also wait out the 429.
	if _, err := c.ListGrants(context.Background(), "other"); err != nil {
		t.Fatal(err)
	}
	if len(sentAt) != 3 {
		t.Fatalf("%d requests, want 3", len(sentAt))
	}
	for i, at := range sentAt[1:] {
		if at.Sub(start) < 30*time.Second {
			t.Errorf("request %d sent %s after the 429, before Retry-After", i+2, at.Sub(start))
		}
	}
	if st := c.Stats(); st.TooManyRequests != 1 {
		t.Fatalf("stats %+v", st)
	}
	// Retry-After is the whole wait: no backoff on top of it.
	if got := fmt.Sprint(clock.Sleeps()); got != "[30s]" {
		t.Fatalf("waits %s, want [30s]", got)
	}
}

// TestPagination pages by what the server reports in result_info, never by
// the per_page asked for: a server that serves fewer a page (cap) loses no IdP.
func TestPagination(t *testing.T) {
	tests := []struct {
		name       string
		total      int
		cap        int // the server's own page limit; 0 serves per_page
		resultInfo bool
		// overcount is added to total_count, as when objects move between
		// pages while they are read.
		overcount int
		wantCalls int
		wantErr   string
	}{
		{name: "empty", total: 0, resultInfo: true, wantCalls: 1},
		{name: "one short page", total: 3, resultInfo: true, wantCalls: 1},
		{name: "exactly one full page", total: 1000, resultInfo: true, wantCalls: 1},
		{name: "exactly one full page without result_info", total: 1000, wantCalls: 2},
		{name: "2500", total: 2500, resultInfo: true, wantCalls: 3},
		{name: "2000 stops at total_pages", total: 2000, resultInfo: true, wantCalls: 2},
		{name: "server caps pages at 50", total: 120, cap: 50, resultInfo: true, wantCalls: 3},
		{name: "server caps pages at 50 without result_info", total: 120, cap: 50, wantCalls: 4},
		{name: "fewer objects than total_count", total: 120, cap: 50, resultInfo: true, overcount: 1, wantCalls: 3, wantErr: "API reports 121"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				page, _ := strconv.Atoi(r.URL.Query().Get("page"))
				per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
				if per != idpPerPage {
					t.Errorf("per_page = %d, want the documented maximum %d", per, idpPerPage)
				}
				if tt.cap > 0 {
					per = min(per, tt.cap)
				}
				var items []IdentityProvider
				for i := (page - 1) * per; i < min(page*per, tt.total); i++ {
					items = append(items, IdentityProvider{ID: fmt.Sprint(i), Name: fmt.Sprint(i), Type: "github"})
				}
				env := accessOK(items)
				if items == nil {
					env["result"] = []any{}
				}
				if tt.resultInfo {
					env["result_info"] = ResultInfo{Count: len(items), Page: page, PerPage: per, TotalCount: tt.total + tt.overcount, TotalPages: (tt.total + per - 1) / per}
				}
				writeJSON(w, 200, env)
			}))
			defer srv.Close()
			c, _ := newTestClient(t, srv, nil)
			idps, err := c.ListIdentityProviders(context.Background(), "acc")
			if got := int(calls.Load()); got != tt.wantCalls {
				t.Errorf("%d requests, want %d", got, tt.wantCalls)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(idps) != tt.total {
				t.Errorf("%d IdPs, want %d", len(idps), tt.total)
			}
			for i, idp := range idps {
				if idp.ID != fmt.Sprint(i) {
					t.Fatalf("item %d has id %s", i, idp.ID)
				}
			}
		})
	}
}

func TestRequestShape(t *testing.T) {
	type seen struct {
		method, path, query, accept, ua, auth, email, key, body string
	}
	var got seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Accept"), r.Header.Get("User-Agent"),
			r.Header.Get("Authorization"), r.Header.Get("X-Auth-Email"), r.Header.Get("X-Auth-Key"), string(b)}
		switch {
		case strings.HasSuffix(r.URL.Path, "/pem"):
			w.Header().Set("Content-Type", "application/x-pem-file")
			io.WriteString(w, "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n")
		case strings.HasSuffix(r.URL.Path, "/recipients") && r.Method == http.MethodPut:
			w.WriteHeader(http.StatusNoContent)
		case strings.Contains(r.URL.Path, "/shares"):
			writeJSON(w, 200, map[string]any{"success": true, "errors": []any{}, "result": []any{}})
		default:
			writeJSON(w, 200, accessOK(map[string]any{"uid": "set-1"}))
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	tests := []struct {
		name   string
		legacy bool
		call   func(c *Client) error
		want   seen
	}{
		{"list shares", false, func(c *Client) error {
			_, err := c.ListShares(ctx, "acc", ListSharesOptions{IncludeResources: true, Kind: idptype.ShareSent})
			return err
		}, seen{method: "GET", path: "/client/v4/accounts/acc/shares", query: "include_resources=true&kind=sent"}},
		{"pem", false, func(c *Client) error {
			pem, err := c.GetCertificatePEM(ctx, "acc", "set-1")
			if err == nil && !strings.HasPrefix(pem, "-----BEGIN CERTIFICATE-----") {
				err = fmt.Errorf("pem %q", pem)
			}
			return err
		}, seen{method: "GET", path: "/client/v4/accounts/acc/access/saml_certificates/set-1/pem", accept: "application/x-pem-file"}},
		{"replace recipients", true, func(c *Client) error {
			return c.ReplaceRecipients(ctx, "acc", "sh", []RecipientRequest{{RecipientAccountID: "b"}})
		}, seen{method: "PUT", path: "/client/v4/accounts/acc/shares/sh/recipients", body: `[{"recipient_account_id":"b"}]`}},
		{"update idp drops read-only keys", false, func(c *Client) error {
			_, err := c.UpdateIdentityProvider(ctx, "acc", "id1", IdentityProvider{ID: "id1", Name: "P", Type: "passkeys", ReadOnly: true,
				Config:     map[string]any{"redirect_url": "https://x", "login_page_auto_prompt": true},
				SCIMConfig: map[string]any{"enabled": true, "secret": "******", "scim_base_url": "https://y"}})
			return err
		}, seen{method: "PUT", path: "/client/v4/accounts/acc/access/identity_providers/id1",
			body: `{"name":"P","type":"passkeys","config":{"login_page_auto_prompt":true},"scim_config":{"enabled":true}}`}},
		{"create certificate", false, func(c *Client) error {
			s, created, err := c.CreateSAMLCertificate(ctx, "acc", "id1")
			if err == nil && (s.UID != "set-1" || created) {
				err = fmt.Errorf("set %+v created %v", s, created)
			}
			return err
		}, seen{method: "POST", path: "/client/v4/accounts/acc/access/identity_providers/id1/saml_certificate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestClient(t, srv, func(o *Options) {
				if tt.legacy {
					o.Token, o.Email, o.Key = "", "ops@example.com", "legacy-key"
				}
			})
			if err := tt.call(c); err != nil {
				t.Fatal(err)
			}
			want := tt.want
			want.ua = "idpsync/test"
			if want.accept == "" {
				want.accept = "application/json"
			}
			if tt.legacy {
				want.email, want.key = "ops@example.com", "legacy-key"
			} else {
				want.auth = "Bearer test-token"
			}
			got.body = strings.TrimSpace(got.body)
			if got != want {
				t.Fatalf("request\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestEmptyIDsRefused(t *testing.T) {
	c, err := New(Options{BaseURL: "http://127.0.0.1:1/client/v4", Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	calls := map[string]func() error{
		"delete idp":   func() error { return c.DeleteIdentityProvider(ctx, "acc", "") },
		"delete grant": func() error { return c.DeleteGrant(ctx, "", "g") },
		"list idps":    func() error { _, err := c.ListIdentityProviders(ctx, ""); return err },
		"remove recipient": func() error {
			_, err := c.RemoveRecipient(ctx, "acc", "sh", "")
			return err
		},
	}
	for name, call := range calls {
		if err := call(); err == nil || !strings.Contains(err.Error(), "empty") {
			t.Errorf("%s: err = %v, want an empty-id error", name, err)
		}
	}
	if c.Stats().Requests != 0 {
		t.Fatalf("sent %d requests", c.Stats().Requests)
	}
}

func TestContextCancelStopsWaits(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "300")
		writeJSON(w, 429, accessFail(10000, "rate limited"))
	}))
	defer srv.Close()
	c, err := New(Options{BaseURL: srv.URL, Token: "t"}) // the real timer
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := c.ListGrants(ctx, "acc"); done <- err }()
	for c.Stats().TooManyRequests == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// TestSecretsNeverLogged drives creates, failures and retries with debug
// logging on and checks that no credential or secret reaches the log or an error.
func TestSecretsNeverLogged(t *testing.T) {
	const (
		token  = "CANARY-TOKEN-4f1c"
		key    = "CANARY-KEY-9a7e"
		secret = "CANARY-SECRET-77d2"
	)
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cf-Ray", "8f00ba11-SJC")
		switch {
		case r.Method == http.MethodPost && n.Add(1) == 1:
			writeJSON(w, 500, accessFail(1000, "internal"))
		case r.Method == http.MethodGet:
			writeJSON(w, 200, accessOK([]IdentityProvider{}))
		case r.Method == http.MethodPut:
			writeJSON(w, 400, accessFail(1001, "bad config"))
		default:
			writeJSON(w, 201, accessOK(IdentityProvider{ID: "i", Name: "GH", Type: "github", Config: map[string]any{"client_id": "x"}}))
		}
	}))
	defer srv.Close()
	for _, creds := range []Options{{Token: token}, {Email: "ops@example.com", Key: key}} {
		n.Store(0)
		var logs bytes.Buffer
		c, _ := newTestClient(t, srv, func(o *Options) {
			o.Token, o.Email, o.Key = creds.Token, creds.Email, creds.Key
			o.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		})
		idp := IdentityProvider{Name: "GH", Type: "github", Config: map[string]any{"client_id": "x", "client_secret": secret}, SCIMConfig: map[string]any{"secret": secret}}
		var errs []string
		if _, err := c.CreateIdentityProvider(context.Background(), "acc", idp); err != nil {
			errs = append(errs, err.Error())
		}
		_, err := c.UpdateIdentityProvider(context.Background(), "acc", "i", idp)
		if err == nil {
			t.Fatal("update: want the 400")
		}
		errs = append(errs, err.Error())
		out := logs.String() + strings.Join(errs, "\n")
		for _, canary := range []string{token, key, secret} {
			if strings.Contains(out, canary) {
				t.Fatalf("%q leaked into the log or errors:\n%s", canary, out)
			}
		}
		for _, want := range []string{`"ray":"8f00ba11-SJC"`, `"method":"POST"`, `"status":500`, `"attempt":1`, `"path":"/accounts/acc/access/identity_providers"`} {
			if !strings.Contains(logs.String(), want) {
				t.Errorf("log lacks %s:\n%s", want, logs.String())
			}
		}
	}
}

func TestConnectionRefusedIsRetriedWithoutReadBack(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	c, clock := newTestClient(t, srv, func(o *Options) {
		o.MaxRetries = 2
		// A kept-alive connection would fail with EOF, not a refusal.
		o.HTTPClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	})
	// The API answered once, so a refused connection later is a passing fault.
	c.ListGrants(context.Background(), "acc")
	srv.Close()
	c.requests.Store(0)
	_, err := c.CreateIdentityProvider(context.Background(), "acc", IdentityProvider{Name: "A", Type: "github"})
	var amb *AmbiguousError
	if err == nil || errors.As(err, &amb) {
		t.Fatalf("err = %v, want a plain connection error", err)
	}
	if st := c.Stats(); st.Requests != 3 || st.ReadBacks != 0 || len(clock.Sleeps()) != 2 {
		t.Fatalf("stats %+v, %d waits; want 3 attempts, no read-back", st, len(clock.Sleeps()))
	}
}

func TestAttemptTimeout(t *testing.T) {
	tests := []struct {
		name          string
		method        string
		wantReadBacks int64
	}{
		{"read is retried", http.MethodGet, 0},
		{"create reads back first", http.MethodPost, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int32
			release := make(chan struct{})
			defer close(release)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				// Reading the body lets the server notice the client hang up.
				io.Copy(io.Discard, r.Body)
				if r.Method == tt.method && n.Add(1) == 1 {
					select { // outlive the attempt's timeout
					case <-release:
					case <-r.Context().Done():
					}
					return
				}
				if r.Method == http.MethodPost {
					writeJSON(w, 201, accessOK(IdentityProvider{ID: "i", Name: "A", Type: "github"}))
					return
				}
				writeJSON(w, 200, accessOK([]IdentityProvider{}))
			}))
			defer srv.Close()
			c, _ := newTestClient(t, srv, func(o *Options) { o.Timeout = 50 * time.Millisecond })
			var err error
			if tt.method == http.MethodGet {
				_, err = c.ListIdentityProviders(context.Background(), "acc")
			} else {
				_, err = c.CreateIdentityProvider(context.Background(), "acc", IdentityProvider{Name: "A", Type: "github"})
			}
			if err != nil {
				t.Fatal(err)
			}
			if st := c.Stats(); st.Retries != 1 || st.ReadBacks != tt.wantReadBacks {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

// Errors retrying cannot fix fail at the first attempt, with a hint naming
// what to check.
func TestUnfixableConnectionErrorsFailFast(t *testing.T) {
	refused := httptest.NewServer(http.NotFoundHandler())
	refused.Close()
	noRoute := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]any{"success": false, "errors": []any{map[string]any{"code": 7003, "message": "No route for the URI"}}, "messages": []any{}, "result": nil})
	}))
	defer noRoute.Close()
	denied := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusForbidden, map[string]any{"success": false, "errors": []any{map[string]any{"code": 10000, "message": "Authentication error"}}, "messages": []any{}, "result": nil})
	}))
	defer denied.Close()
	dnsFail := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "api.example.invalid", IsNotFound: true}}
	})}
	tests := []struct {
		name string
		srv  *httptest.Server
		mod  func(*Options)
		hint string
	}{
		{"connection refused on the first request", refused, nil, "check --api-url (or CLOUDFLARE_BASE_URL)"},
		{"host name does not resolve", noRoute, func(o *Options) { o.HTTPClient = dnsFail }, "does not resolve"},
		{"base URL without /client/v4", noRoute, func(o *Options) { o.BaseURL = noRoute.URL }, "does not end in /client/v4"},
		{"credentials refused", denied, nil, "check CLOUDFLARE_API_TOKEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, clock := newTestClient(t, tt.srv, tt.mod)
			_, err := c.ListGrants(context.Background(), "acc")
			if err == nil || !strings.Contains(err.Error(), "hint: ") || !strings.Contains(err.Error(), tt.hint) {
				t.Fatalf("err = %v, want a hint containing %q", err, tt.hint)
			}
			if st := c.Stats(); st.Requests != 1 || len(clock.Sleeps()) != 0 {
				t.Fatalf("stats %+v, %d waits; want one attempt", st, len(clock.Sleeps()))
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
