package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idpsync/idpsync/emulator"
)

// copyExample copies examples/federation.yaml and its certificates into dir:
// three IdPs, one with SAML encryption, two federated (to two accounts, and
// organization-wide).
func copyExample(t *testing.T, dir string) {
	t.Helper()
	for _, f := range []string{"federation.yaml", "certs/okta.pem", "certs/jumpcloud.pem"} {
		b, err := os.ReadFile(filepath.Join("../../examples", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// run is one finished idpsync process: its exit status and its output.
type run struct {
	code int
	out  string
}

// idpsyncRunner runs the built CLI in dir with env.
type idpsyncRunner struct {
	bin, dir string
	env      []string
}

func (r idpsyncRunner) start(t *testing.T, args ...string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(r.bin, args...)
	cmd.Dir, cmd.Env = r.dir, r.env
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, out
}

func finish(t *testing.T, cmd *exec.Cmd, out *lockedBuffer) run {
	t.Helper()
	err := cmd.Wait()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return run{0, out.String()}
	case errors.As(err, &exitErr):
		return run{exitErr.ExitCode(), out.String()}
	}
	t.Fatalf("%s: %v", cmd.Args, err)
	return run{}
}

func (r idpsyncRunner) run(t *testing.T, args ...string) run {
	t.Helper()
	cmd, out := r.start(t, args...)
	return finish(t, cmd, out)
}

// needsAPerson is the error that only a person could resolve: duplicates
// that no apply would repair.
const needsAPerson = "pin one with id"

// apiCall makes one authenticated request to the emulator and decodes its
// result into into (when not nil). A list must fit one page.
func apiCall(t *testing.T, method, url string, into any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	req.Header.Set("X-Auth-Email", testEmail) // the global key is accepted everywhere, /shares too
	req.Header.Set("X-Auth-Key", testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		Success    bool            `json:"success"`
		Result     json.RawMessage `json:"result"`
		ResultInfo struct {
			TotalPages int `json:"total_pages"`
		} `json:"result_info"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || !env.Success {
		t.Fatalf("%s %s: status %d, %v", method, url, resp.StatusCode, err)
	}
	if env.ResultInfo.TotalPages > 1 {
		t.Fatalf("%s %s: %d pages, the test reads one", method, url, env.ResultInfo.TotalPages)
	}
	if into != nil {
		if err := json.Unmarshal(env.Result, into); err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
	}
}

// apiDuplicates counts, from the emulator's own API listing (not from
// idpsync's reading of it), what overlapping runs can leave behind in the
// given accounts: managed IdPs of one name and type, grants of one IdP,
// active shares of one grant. It is the test's oracle, independent of the
// code under test.
func apiDuplicates(t *testing.T, baseURL string, accounts []string) (int, []string) {
	t.Helper()
	get := func(path string, into any) {
		t.Helper()
		apiCall(t, http.MethodGet, baseURL+path, into)
	}
	n := 0
	var found []string
	tally := func(what string, counts map[string]int) {
		for k, c := range counts {
			if c > 1 {
				n += c - 1
				found = append(found, fmt.Sprintf("%s %s ×%d", what, k, c))
			}
		}
	}
	for _, a := range accounts {
		var idps []struct {
			Name, Type string
			ReadOnly   bool `json:"read_only"`
		}
		get("/accounts/"+a+"/access/identity_providers?per_page=1000", &idps)
		byName := map[string]int{}
		for _, i := range idps {
			if !i.ReadOnly {
				byName[i.Type+"/"+i.Name]++
			}
		}
		tally("IdP "+a, byName)

		var grants []struct {
			IdPID string `json:"idp_id"`
		}
		get("/accounts/"+a+"/access/idp_federation_grants", &grants)
		byIdP := map[string]int{}
		for _, g := range grants {
			byIdP[g.IdPID]++
		}
		tally("grant of IdP", byIdP)

		var shares []struct {
			Status    string `json:"status"`
			Resources []struct {
				ResourceID string `json:"resource_id"`
				Status     string `json:"status"`
			} `json:"resources"`
		}
		get("/accounts/"+a+"/shares?kind=sent&status=active&include_resources=true&per_page=100", &shares)
		byGrant := map[string]int{}
		for _, s := range shares {
			for _, r := range s.Resources {
				if s.Status == "active" && r.Status == "active" {
					byGrant[r.ResourceID]++
				}
			}
		}
		tally("share of grant", byGrant)
	}
	return n, found
}

// overlapSeed is where a round's race starts from: each start makes a
// different kind of object the one that every racer creates.
type overlapSeed struct {
	name    string
	prepare func(t *testing.T, r idpsyncRunner, baseURL, account string)
}

var seeds = []overlapSeed{
	{"nothing", func(*testing.T, idpsyncRunner, string, string) {}},
	// The IdPs exist, unfederated: the racers create grants and shares.
	{"unfederated IdPs", func(t *testing.T, r idpsyncRunner, _, _ string) {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(r.dir, "federation.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(r.dir, "local.yaml"), []byte(withoutFederation(string(b))), 0o644); err != nil {
			t.Fatal(err)
		}
		if ra := r.run(t, "apply", "--auto-approve", "local.yaml"); ra.code != 0 {
			t.Fatalf("seeding apply exited %d:\n%s", ra.code, ra.out)
		}
	}},
	// Everything exists but the shares, deleted behind idpsync's back: the
	// racers all share the same grants.
	{"grants without shares", func(t *testing.T, r idpsyncRunner, baseURL, account string) {
		t.Helper()
		if ra := r.run(t, "apply", "--auto-approve", "federation.yaml"); ra.code != 0 {
			t.Fatalf("seeding apply exited %d:\n%s", ra.code, ra.out)
		}
		var shares []struct{ ID string }
		apiCall(t, http.MethodGet, baseURL+"/accounts/"+account+"/shares?kind=sent&status=active&per_page=100", &shares)
		if len(shares) == 0 {
			t.Fatal("the seeding apply created no share")
		}
		for _, s := range shares {
			apiCall(t, http.MethodDelete, baseURL+"/accounts/"+account+"/shares/"+s.ID, nil)
		}
	}},
	// Copies left by three applies at once: the racers repair concurrently,
	// deleting the same copies (a delete that finds the object gone is done).
	{"copies left by a race", func(t *testing.T, r idpsyncRunner, _, _ string) {
		t.Helper()
		var wg sync.WaitGroup
		for range 3 {
			cmd, out := r.start(t, "apply", "--auto-approve", "federation.yaml")
			wg.Go(func() { finish(t, cmd, out) })
		}
		wg.Wait()
	}},
}

// withoutFederation drops every federation block from a file.
func withoutFederation(yaml string) string {
	var out []string
	skipIndent := -1
	for _, line := range strings.Split(yaml, "\n") {
		indent := len(line) - len(strings.TrimLeft(line, " "))
		if skipIndent >= 0 && (strings.TrimSpace(line) == "" || indent > skipIndent) {
			continue
		}
		skipIndent = -1
		if strings.TrimSpace(line) == "federation:" {
			skipIndent = indent
			continue
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// TestOverlappingAppliesCLI starts three `idpsync apply --auto-approve`
// processes at once on one file against one emulator with latency, for a few
// rounds. Whatever duplicates the race leaves (their number varies), plan
// --detailed-exitcode never exits 0 while one exists, drift exits 2 and names
// the duplicate category, no run ends in an error only a person can resolve,
// and one further apply converges: no duplicate, plan exit 0.
func TestOverlappingAppliesCLI(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs a dozen processes against an emulator with latency; skipped with -short")
	}
	bin, err := exec.LookPath("idpsync")
	if err != nil {
		t.Fatalf("the idpsync test binary is not on PATH: %v", err)
	}
	// Each start is raced twice: all three processes at once (every one reads
	// before any writes), and 20 ms apart (later ones read what earlier ones
	// are still writing, and repair while they create).
	staggers := []time.Duration{0, 20 * time.Millisecond}
	rounds := len(seeds) * len(staggers)
	accounts := []string{"023e105f4ecef8ad9ca31a8372d0c353"} // the one account federation.yaml declares: it owns every IdP, grant and share
	var total atomic.Int64
	t.Cleanup(func() { t.Logf("duplicates left by the races over %d rounds: %d", rounds, total.Load()) })
	// Each seed's start is made once, in an emulator of its own, and loaded
	// into the emulators of the two rounds that race from it: the seeding
	// applies run once, not once a round.
	starting := make([]func(*testing.T) *emulator.Data, len(seeds))
	for i, seed := range seeds {
		var once sync.Once
		var data *emulator.Data
		starting[i] = func(t *testing.T) *emulator.Data {
			t.Helper()
			once.Do(func() {
				srv, r := overlapSetup(t, bin)
				seed.prepare(t, r, srv.URL, accounts[0])
				data = srv.Emulator.Snapshot()
			})
			if data == nil {
				t.Fatalf("the start %q could not be made (see the round that made it)", seed.name)
			}
			return data
		}
	}
	for round := range rounds {
		seed, stagger := seeds[round%len(seeds)], staggers[round/len(seeds)]
		start := starting[round%len(seeds)]
		// The rounds run at once: each owns its emulator, directory and
		// processes, and what they wait for is mostly the emulator's latency.
		t.Run(fmt.Sprintf("%d", round), func(t *testing.T) {
			t.Parallel()
			overlapRound(t, bin, round, seed, start(t), stagger, accounts, &total)
		})
	}
}

// overlapSetup starts an emulator with latency (closed when t ends) and
// returns it with a runner of the CLI against it, in a new directory
// holding the example.
func overlapSetup(t *testing.T, bin string) (*emulator.Server, idpsyncRunner) {
	t.Helper()
	srv, err := emulator.Start(emulator.Options{Tokens: []string{testToken}, Keys: []emulator.APIKey{{Email: testEmail, Key: testKey}}, AutoAccounts: true, Latency: 30 * time.Millisecond}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dir := t.TempDir()
	copyExample(t, dir)
	return srv, idpsyncRunner{bin: bin, dir: dir, env: append(os.Environ(), "CLOUDFLARE_BASE_URL="+srv.URL, "CLOUDFLARE_API_TOKEN="+testToken, "CLOUDFLARE_EMAIL="+testEmail, "CLOUDFLARE_API_KEY="+testKey, "NO_COLOR=1")}
}

// overlapRound is one round of TestOverlappingAppliesCLI: three racing
// applies from seed's start (start, what seed.prepare left in an emulator),
// then the checks and the repair.
func overlapRound(t *testing.T, bin string, round int, seed overlapSeed, start *emulator.Data, stagger time.Duration, accounts []string, total *atomic.Int64) {
	const racers = 3
	// A fresh emulator each round, holding the seed's start: "nothing" is
	// the case where every create can be doubled.
	srv, r := overlapSetup(t, bin)
	if err := srv.Emulator.Load(start); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	runs := make([]run, racers)
	for i := range racers {
		if i > 0 {
			time.Sleep(stagger)
		}
		cmd, out := r.start(t, "apply", "--auto-approve", "federation.yaml")
		wg.Go(func() { runs[i] = finish(t, cmd, out) })
	}
	wg.Wait()
	codes := make([]int, racers)
	for i, ra := range runs {
		codes[i] = ra.code
		// A racing run may fail (the API refuses a second grant of one
		// IdP): what matters is that it leaves nothing a person must fix.
		if strings.Contains(ra.out, needsAPerson) {
			t.Errorf("round %d: racing apply %d left state that needs a person:\n%s", round, i, ra.out)
		}
	}

	dups, found := apiDuplicates(t, srv.URL, accounts)
	total.Add(int64(dups))
	t.Logf("round %d (from %s, started %v apart): racing applies exited %v, leaving %d duplicates %v", round, seed.name, stagger, codes, dups, found)

	plan := r.run(t, "plan", "--detailed-exitcode", "federation.yaml")
	drift := r.run(t, "drift", "--output", "json", "federation.yaml")
	for _, ra := range []run{plan, drift} {
		if strings.Contains(ra.out, needsAPerson) {
			t.Errorf("round %d: state that needs a person:\n%s", round, ra.out)
		}
	}
	if dups > 0 {
		if plan.code != 2 {
			t.Errorf("round %d: %d duplicates, plan --detailed-exitcode exited %d, want 2:\n%s", round, dups, plan.code, plan.out)
		}
		if drift.code != 2 {
			t.Errorf("round %d: %d duplicates, drift exited %d, want 2:\n%s", round, dups, drift.code, drift.out)
		}
		var report struct {
			Items []struct{ Category string }
		}
		if err := json.Unmarshal([]byte(drift.out), &report); err != nil {
			t.Errorf("round %d: drift --output json: %v\n%s", round, err, drift.out)
		}
		named := 0
		for _, it := range report.Items {
			if it.Category == "duplicate" {
				named++
			}
		}
		if named == 0 {
			t.Errorf("round %d: %d duplicates, drift names no duplicate:\n%s", round, dups, drift.out)
		}
	} else if plan.code == 1 || drift.code == 1 {
		t.Errorf("round %d: plan exited %d, drift %d:\n%s\n%s", round, plan.code, drift.code, plan.out, drift.out)
	}

	repair := r.run(t, "apply", "--auto-approve", "federation.yaml")
	if repair.code != 0 {
		t.Fatalf("round %d: the repairing apply exited %d:\n%s", round, repair.code, repair.out)
	}
	if n, found := apiDuplicates(t, srv.URL, accounts); n != 0 {
		t.Fatalf("round %d: %d duplicates after one further apply: %v\n%s", round, n, found, repair.out)
	}
	if d := srv.Emulator.Snapshot().Duplicates(); len(d) != 0 {
		t.Fatalf("round %d: the emulator still holds duplicates after one further apply: %v", round, d)
	}
	if after := r.run(t, "plan", "--detailed-exitcode", "federation.yaml"); after.code != 0 {
		t.Fatalf("round %d: plan after the repair exited %d, want 0:\n%s", round, after.code, after.out)
	}
}
