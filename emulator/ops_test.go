package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPersistenceAndRestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "emu.json")
	s := start(t, Options{DataFile: file, AutoAccounts: true}, false)
	r := do(t, s, "POST", idpPath(acctA), map[string]any{"name": "GH", "type": "github", "config": map[string]any{"client_id": "c", "client_secret": "PERSISTED"}})
	expect(t, r, 201, 0)
	id := r.str("id")
	expect(t, do(t, s, "POST", grantPath(acctA), map[string]any{"idp_id": id}), 201, 0)
	s.Emulator.AdvanceClock(48 * time.Hour)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	info, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("data file mode %v, want 0600 (it holds secrets)", info.Mode().Perm())
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".emulator-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}

	s2 := start(t, Options{DataFile: file}, false)
	r = do(t, s2, "GET", idpPath(acctA)+"/"+id, nil)
	expect(t, r, 200, 0)
	if r.str("name") != "GH" {
		t.Fatalf("after restart: %s", r.Body)
	}
	if n := len(do(t, s2, "GET", grantPath(acctA), nil).Env["result"].([]any)); n != 1 {
		t.Fatalf("%d grants after restart", n)
	}
	if d := time.Until(s2.Emulator.Now()); d < 47*time.Hour {
		t.Errorf("clock offset lost on restart: %v", d)
	}
	snap := s2.Emulator.Snapshot()
	if snap.IdentityProviders[0].Config["client_secret"] != "PERSISTED" {
		t.Error("secret not kept across restart")
	}
}

func TestLoadRejectsBadFixtures(t *testing.T) {
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data Data
		want string
	}{
		{"account id", Data{Accounts: []Account{{ID: "x"}}}, "32 lowercase hex"},
		{"unknown organization", Data{Accounts: []Account{{ID: acctA, OrganizationID: orgID}}}, "no such organization"},
		{"idp of unknown account", Data{IdentityProviders: []IdentityProvider{{AccountID: acctA, ID: "i", Type: "github"}}}, "no such account"},
		{"clock", Data{ClockOffset: "soon"}, "clock_offset"},
		{"policy of unknown account", Data{AccessPolicies: []AccessPolicy{{AccountID: acctA, ID: "p", Decision: "allow"}}}, "access_policies[0]: no such account"},
		{"policy decision", Data{Accounts: []Account{{ID: acctA}}, AccessPolicies: []AccessPolicy{{AccountID: acctA, ID: "p", Decision: "maybe"}}}, "access_policies[0]: decision must be one of"},
		{"application's unknown policy", Data{Accounts: []Account{{ID: acctA}}, AccessApplications: []AccessApplication{{AccountID: acctA, ID: "a", Policies: []string{"nope"}}}}, "access_applications[0].policies[0]: no such policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.Load(&tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load: %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

func TestSnapshotIsACopy(t *testing.T) {
	s := start(t, Options{}, true)
	snap := s.Emulator.Snapshot()
	snap.IdentityProviders[0].Config["client_id"] = "mutated"
	snap.Accounts = nil
	again := s.Emulator.Snapshot()
	if again.IdentityProviders[0].Config["client_id"] == "mutated" || len(again.Accounts) != 3 {
		t.Fatal("Snapshot shares memory with the live state")
	}
}

func TestConcurrentWriters(t *testing.T) {
	t.Parallel() // owns its server and data file; mostly waits on fsync
	s := start(t, Options{AutoAccounts: true, DataFile: filepath.Join(t.TempDir(), "emu.json")}, false)
	const writers, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan string, writers*each)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				r := do(t, s, "POST", idpPath(acctA), map[string]any{"name": fmt.Sprintf("w%d-%d", w, i), "type": "github", "config": map[string]any{}})
				if r.Status != 201 {
					errs <- string(r.Body)
				}
				do(t, s, "GET", idpPath(acctA), nil)
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	snap := s.Emulator.Snapshot()
	if len(snap.IdentityProviders) != writers*each {
		t.Fatalf("%d IdPs, want %d", len(snap.IdentityProviders), writers*each)
	}
	seen := map[string]bool{}
	for _, p := range snap.IdentityProviders {
		if seen[p.ID] {
			t.Fatalf("duplicate id %s", p.ID)
		}
		seen[p.ID] = true
	}
	if st := s.Emulator.Stats(); st.Total != 2*writers*each {
		t.Errorf("stats total %d, want %d", st.Total, 2*writers*each)
	}
}

func TestFaults(t *testing.T) {
	s := start(t, Options{AutoAccounts: true, Faults: 0.5, Seed: 42}, false)
	const n = 200
	failed, dropped := 0, 0
	for i := 0; i < n; i++ {
		body := fmt.Sprintf(`{"name":"f%d","type":"github","config":{}}`, i)
		req, _ := http.NewRequest("POST", s.URL+idpPath(acctA), strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		res, err := clientOf(s).Do(req)
		if err != nil {
			dropped++
			continue
		}
		res.Body.Close()
		switch res.StatusCode {
		case 201:
		case 500, 502, 503, 429:
			failed++
		default:
			t.Fatalf("unexpected status %d", res.StatusCode)
		}
	}
	s.Emulator.SetFaults(0)
	snap := s.Emulator.Snapshot()
	succeeded := n - failed - dropped
	committedDespiteFailure := len(snap.IdentityProviders) - succeeded
	if failed == 0 || dropped == 0 {
		t.Errorf("failed %d dropped %d: want both kinds of fault", failed, dropped)
	}
	if committedDespiteFailure <= 0 || committedDespiteFailure >= failed+dropped {
		t.Errorf("%d writes committed despite a failure (of %d failures): want some but not all", committedDespiteFailure, failed+dropped)
	}
	st := s.Emulator.Stats()
	if st.Statuses["dropped"] != dropped || st.Total != n {
		t.Errorf("stats %+v, dropped %d", st, dropped)
	}
	// Control endpoints are never faulted.
	s.Emulator.SetFaults(1)
	for i := 0; i < 20; i++ {
		res, err := clientOf(s).Get("http://" + s.Addr + "/__emulator/stats")
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("control endpoint faulted: %v", err)
		}
		res.Body.Close()
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel() // owns its server; mostly waits for its window to end
	s := start(t, Options{AutoAccounts: true, RateLimit: RateLimit{Requests: 3, Window: 200 * time.Millisecond}}, false)
	var statuses []int
	var last resp
	for i := 0; i < 5; i++ {
		last = do(t, s, "GET", idpPath(acctA), nil)
		statuses = append(statuses, last.Status)
		if last.Header.Get("Ratelimit-Policy") != `"default";q=3;w=1` || last.Header.Get("Ratelimit") == "" {
			t.Fatalf("rate limit headers: %v", last.Header)
		}
		if last.Status == 200 && last.Header.Get("Retry-After") != "" {
			t.Fatal("retry-after on a success")
		}
	}
	if fmt.Sprint(statuses) != "[200 200 200 429 429]" {
		t.Fatalf("statuses %v", statuses)
	}
	expect(t, last, 429, CodeRateLimited)
	checkFamily(t, last, false)
	if last.Header.Get("Retry-After") != "1" || !strings.HasPrefix(last.Header.Get("Ratelimit"), `"default";r=0;t=`) {
		t.Fatalf("429 headers: %v", last.Header)
	}
	if r := do(t, s, "GET", sharePath(acctA), nil); r.Status != 429 {
		t.Fatalf("share route not limited: %d", r.Status)
	} else {
		checkFamily(t, r, true)
	}
	// Control endpoints are not limited.
	res, err := clientOf(s).Get("http://" + s.Addr + "/__emulator/stats")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("stats under rate limit: %v %v", err, res)
	}
	res.Body.Close()
	// A new window opens after the old one ends.
	time.Sleep(250 * time.Millisecond)
	expect(t, do(t, s, "GET", idpPath(acctA), nil), 200, 0)
	if st := s.Emulator.Stats(); st.Statuses["429"] != 3 || st.Statuses["200"] != 4 {
		t.Errorf("stats %+v", st)
	}
	s.Emulator.SetRateLimit(RateLimit{})
	if r := do(t, s, "GET", idpPath(acctA), nil); r.Header.Get("Ratelimit") != "" {
		t.Error("rate limit headers without a limit")
	}
}

func TestParseRateLimit(t *testing.T) {
	tests := []struct {
		in   string
		want RateLimit
		err  bool
	}{
		{"1200/5m", RateLimit{1200, 5 * time.Minute}, false},
		{"120/30s", RateLimit{120, 30 * time.Second}, false},
		{"100/s", RateLimit{100, time.Second}, false},
		{"", RateLimit{}, false},
		{"0", RateLimit{}, false},
		{"abc/5m", RateLimit{}, true},
		{"10", RateLimit{}, true},
		{"10/-5s", RateLimit{}, true},
		{"-1/5m", RateLimit{}, true},
	}
	for _, tt := range tests {
		got, err := ParseRateLimit(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseRateLimit(%q) = %v, %v; want %v, err=%v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestControlEndpoints(t *testing.T) {
	s := start(t, Options{}, true)
	do(t, s, "GET", idpPath(acctA), nil)
	do(t, s, "GET", idpPath(acctA)+"/"+oktaID, nil)
	do(t, s, "GET", "/nowhere", nil)
	control := func(method, path, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, "http://"+s.Addr+path, strings.NewReader(body))
		res, err := clientOf(s).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(res.Body).Decode(&m)
		return res.StatusCode, m
	}
	status, stats := control("GET", "/__emulator/stats", "")
	routes := stats["routes"].(map[string]any)
	if status != 200 || stats["total"].(float64) != 3 ||
		routes["GET /accounts/{account_id}/access/identity_providers"].(float64) != 1 ||
		routes["GET /accounts/{account_id}/access/identity_providers/{identity_provider_id}"].(float64) != 1 ||
		stats["statuses"].(map[string]any)["404"].(float64) != 1 {
		t.Fatalf("stats %v", stats)
	}
	if status, _ := control("DELETE", "/__emulator/stats", ""); status != 204 {
		t.Fatalf("reset status %d", status)
	}
	if st := s.Emulator.Stats(); st.Total != 0 {
		t.Fatalf("after reset %+v", st)
	}
	before := s.Emulator.Now()
	status, now := control("POST", "/__emulator/clock", `{"advance":"720h"}`)
	if status != 200 {
		t.Fatalf("clock status %d", status)
	}
	got, err := time.Parse(time.RFC3339Nano, now["now"].(string))
	if err != nil || got.Sub(before) < 720*time.Hour {
		t.Fatalf("clock now %v (%v), before %v", got, err, before)
	}
	if status, _ := control("POST", "/__emulator/clock", `{"advance":"soon"}`); status != 400 {
		t.Fatalf("bad advance status %d", status)
	}
	if status, _ := control("GET", "/__emulator/nothing", ""); status != 404 {
		t.Fatalf("unknown control status %d", status)
	}
	if st := s.Emulator.Stats(); st.Total != 0 {
		t.Fatalf("control requests were counted: %+v", st)
	}
}

func TestLatencyRespectsContext(t *testing.T) {
	t.Parallel() // owns its server; waits out its client timeout
	s := start(t, Options{AutoAccounts: true, Latency: time.Hour}, false)
	client := &http.Client{Timeout: 100 * time.Millisecond}
	req, _ := http.NewRequest("GET", s.URL+idpPath(acctA), nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	if _, err := client.Do(req); err == nil {
		t.Fatal("request finished despite an hour of latency")
	}
	s.Emulator.SetLatency(0)
	expect(t, do(t, s, "GET", idpPath(acctA), nil), 200, 0)
}
