package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
)

const (
	testToken = "test-token-0123456789"
	testEmail = "ops@example.com"
	testKey   = "test-key-0123456789"
	acctA     = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" // platform, in the organization
	acctB     = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" // payments, in the organization
	acctC     = "cccccccccccccccccccccccccccccccc" // standalone, no organization
	zoneA     = "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0" // a zone, for zone-level IdPs
	orgID     = "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a"
	oktaID    = "11111111-1111-4111-8111-111111111111"
	otpID     = "22222222-2222-4222-8222-222222222222"
	samlID    = "33333333-3333-4333-8333-333333333333"
	seedGrant = "9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f"
	seedShare = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
)

// start serves an emulator on loopback for the test, seeded from
// testdata/seed.json unless seed is false.
func start(t testing.TB, opts Options, seed bool) *Server {
	t.Helper()
	if opts.Tokens == nil {
		opts.Tokens = []string{testToken}
	}
	if opts.Keys == nil {
		opts.Keys = []APIKey{{Email: testEmail, Key: testKey}}
	}
	s, err := Start(opts, "")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	c := ownClient(t)
	clients.Store(s, c)
	t.Cleanup(func() { clients.Delete(s); _ = s.Close() })
	if seed {
		s.Emulator.Load(loadSeed(t))
	}
	return s
}

// clients are the HTTP clients of the servers start served: each test
// talks to its emulator through a client and transport of its own, so that
// no pooled connection of another test (or of an earlier dropped request)
// shows up in what it counts.
var clients sync.Map // *Server → *http.Client

// ownClient is a client with a transport of its own and no keep-alive:
// every request opens its own connection, so a connection the emulator
// drops fails that request and no later one.
func ownClient(t testing.TB) *http.Client {
	tr := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// clientOf is the client of a server start served.
func clientOf(s *Server) *http.Client {
	c, _ := clients.Load(s)
	return c.(*http.Client)
}

func loadSeed(t testing.TB) *Data {
	t.Helper()
	b, err := os.ReadFile("testdata/seed.json")
	if err != nil {
		t.Fatal(err)
	}
	var d Data
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

// resp is one decoded API answer.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
	Env    map[string]any
}

func (r resp) code() int {
	errs, _ := r.Env["errors"].([]any)
	if len(errs) == 0 {
		return 0
	}
	c, _ := errs[0].(map[string]any)["code"].(float64)
	return int(c)
}

func (r resp) message() string {
	errs, _ := r.Env["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	m, _ := errs[0].(map[string]any)["message"].(string)
	return m
}

func (r resp) pointer() string {
	errs, _ := r.Env["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	src, _ := errs[0].(map[string]any)["source"].(map[string]any)
	p, _ := src["pointer"].(string)
	return p
}

// result decodes the envelope's result into v.
func (r resp) result(t testing.TB, v any) {
	t.Helper()
	var env struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(r.Body, &env); err != nil {
		t.Fatalf("decode envelope: %v\n%s", err, r.Body)
	}
	if err := json.Unmarshal(env.Result, v); err != nil {
		t.Fatalf("decode result: %v\n%s", err, r.Body)
	}
}

func (r resp) str(key string) string {
	m, _ := r.Env["result"].(map[string]any)
	s, _ := m[key].(string)
	return s
}

// do sends an authenticated request; path is relative to /client/v4. It
// authenticates as idpsync does with both credentials: the token on /access
// and /accounts, the global key on /shares, which refuse tokens.
func do(t testing.TB, s *Server, method, path string, body any) resp {
	t.Helper()
	if strings.Contains(path, "/shares") {
		return callWith(t, s, method, path, body, map[string]string{"X-Auth-Email": testEmail, "X-Auth-Key": testKey})
	}
	return callWith(t, s, method, path, body, map[string]string{"Authorization": "Bearer " + testToken})
}

func callWith(t testing.TB, s *Server, method, path string, body any, hdr map[string]string) resp {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := clientOf(s).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := resp{Status: res.StatusCode, Header: res.Header, Body: raw}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") && len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.Env); err != nil {
			t.Fatalf("%s %s: response is not JSON: %v\n%s", method, path, err, raw)
		}
	}
	return r
}

// expect checks status, and for failures the error code.
func expect(t testing.TB, r resp, status, code int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d\n%s", r.Status, status, r.Body)
	}
	if code != 0 && r.code() != code {
		t.Fatalf("error code %d, want %d\n%s", r.code(), code, r.Body)
	}
}

// checkFamily asserts the envelope family: Access has messages, shares do not.
func checkFamily(t testing.TB, r resp, share bool) {
	t.Helper()
	_, hasMessages := r.Env["messages"]
	if share == hasMessages {
		t.Fatalf("messages present=%v on a %s route\n%s", hasMessages, map[bool]string{true: "share", false: "access"}[share], r.Body)
	}
	if share {
		errs, _ := r.Env["errors"].([]any)
		for _, e := range errs {
			m := e.(map[string]any)
			if _, ok := m["source"]; ok {
				t.Fatalf("share error carries source: %s", r.Body)
			}
		}
	}
}

func idpPath(acct string) string { return "/accounts/" + acct + "/access/identity_providers" }
func sharePath(acct string) string {
	return "/accounts/" + acct + "/shares"
}

func isHex32Test(s string) bool { return isHex32(s) }
