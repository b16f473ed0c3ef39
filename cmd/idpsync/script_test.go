package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/cmd/idpsync/internal/command/root"
	"github.com/idpsync/idpsync/emulator"
	"github.com/idpsync/idpsync/emulator/contract"
	"github.com/idpsync/idpsync/internal/testcert"
)

func TestMain(m *testing.M) {
	testscript.Main(withParallel{withPlainBuild{m}}, map[string]func(){
		"idpsync": func() { os.Exit(root.Main()) },
	})
}

// withParallel runs four times as many tests at once as -test.parallel's
// default (GOMAXPROCS), unless the command line sets it: the tests here
// mostly wait, on the idpsync processes they start one after another, on the
// emulator's withheld answers and on timeouts, so two at a time on two cores
// leaves the cores idle for much of the run. Only the top-level test
// process gets here: testscript.Main runs the scenarios' idpsync processes
// before it.
type withParallel struct{ m testscript.TestingM }

func (w withParallel) Run() int {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		flag.Set("test.parallel", strconv.Itoa(4*runtime.GOMAXPROCS(0)))
	}
	return w.m.Run()
}

// testToken is the credential the scripts' emulator accepts. It doubles as a
// canary: no script may ever see it in idpsync's output.
const testToken = "tok-CANARY-5b1e0c7d"

// testEmail and testKey are the legacy global API key the emulator also
// accepts; the key is a canary too.
const (
	testEmail = "ops@example.com"
	testKey   = "key-CANARY-93d1f0aa"
)

// writeToken is a second accepted credential, for the scripts where the plan
// and apply jobs hold different tokens.
const writeToken = "tok-write-CANARY-0a9f"

// TestScripts runs the scenarios in testdata/script: the built CLI, as a
// separate process, against an emulator served over loopback HTTP.
func TestScripts(t *testing.T) {
	examples, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	tfimportData, err := filepath.Abs("../../tfimport/testdata")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			writes, holds := &writeLog{}, &holder{}
			checked := &contractLog{spec: scriptSpec()}
			srv, err := emulator.Start(emulator.Options{Tokens: []string{testToken, writeToken}, Keys: []emulator.APIKey{{Email: testEmail, Key: testKey}}, AutoAccounts: true,
				Wrap: func(h http.Handler) http.Handler { return holds.wrap(writes.wrap(checked.wrap(h))) }}, "127.0.0.1:0")
			if err != nil {
				return err
			}
			env.Defer(func() {
				srv.Close()
				if v := checked.violations(); len(v) > 0 {
					env.T().Fatal("idpsync sent requests the API contract does not allow:\n" + strings.Join(v, "\n"))
				}
			})
			env.Values["emulator"] = srv
			env.Values["contract"] = checked
			env.Values["writes"] = writes
			env.Values["holds"] = holds
			env.Setenv("CLOUDFLARE_BASE_URL", srv.URL)
			env.Setenv("CLOUDFLARE_API_TOKEN", testToken)
			// The /shares endpoints refuse tokens, as Cloudflare documents
			// them: the scripts hold the global key too, as users with shares do.
			env.Setenv("CLOUDFLARE_EMAIL", testEmail)
			env.Setenv("CLOUDFLARE_API_KEY", testKey)
			env.Setenv("EMULATOR_URL", srv.URL)
			env.Setenv("EMULATOR_ORIGIN", "http://"+srv.Addr)
			env.Setenv("TEST_EMAIL", testEmail)
			env.Setenv("TEST_KEY", testKey)
			env.Setenv("EXAMPLES", examples)
			env.Setenv("TFIMPORT", tfimportData)
			env.Setenv("NO_COLOR", "1")
			if named, ok := env.T().(interface{ Name() string }); ok {
				if path, ok := raceScriptPATH(named.Name()); ok {
					env.Setenv("PATH", path)
					// A race-instrumented process sleeps a second as it
					// exits, to report late races, unless told otherwise.
					if os.Getenv("GORACE") == "" {
						env.Setenv("GORACE", "atexit_sleep_ms=10")
					}
				}
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"emu":        cmdEmu,
			"gencert":    cmdGenCert,
			"genmeta":    cmdGenMeta,
			"metaserve":  cmdMetaServe,
			"metahits":   cmdMetaHits,
			"status":     cmdStatus,
			"secretfile": cmdSecretFile,
			"hostile":    cmdHostile,
			"audit":      cmdAudit,
			"hookserve":  cmdHookServe,
			"hookbodies": cmdHookBodies,
			"pending":    cmdPending,
		},
	})
}

// cmdEmu lets a script look at and act on the emulator behind idpsync's back:
//
//	emu api METHOD PATH [JSON]   an authenticated API request; prints the body
//	emu apply [--allow-destroy] [--wait] PATH...
//	                             bring live state to PATH's declarations, as
//	                             idpsync apply --auto-approve does, in this process
//	emu clock DURATION           advance the emulator clock (e.g. 340d)
//	emu faults RATE              inject faults into this share of requests
//	emu async DURATION           make share transitions take this long
//	emu stats                    print request counts as JSON
//	emu count KIND N             assert how many objects of a kind exist
//	emu noduplicates             fail if any create was duplicated
//	emu idpid ACCOUNT NAME VAR   set $VAR to the id of the named IdP
//	emu appid ACCOUNT NAME VAR   set $VAR to the id of the named Access application
//	emu policyid ACCOUNT NAME VAR set $VAR to the id of the named Access policy
//	emu connid ACCOUNT NAME VAR  set $VAR (then $VAR2, ...) to the ids of the read-only
//	                             connections named NAME the account received, in id order
//	emu maxperpage N             serve at most N objects a list page (0: as asked)
//	emu perpagemax N             refuse per_page above N on every list (0: each list's own maximum)
//	emu maxfederated N           allow N federation grants per account
//	emu tokenshares              the scenario sends a token to /shares on purpose: the contract check skips security
//	emu sharetokens on|off       accept API tokens on the /shares endpoints (a leniency; off by default)
//	emu tokenlacks SCOPE...      make API tokens lack these scopes (account, access, apps, shares, SCOPE:write); none: every scope
//	emu account ID ORG|none      put an account in an organization (created if need be), or in none
//	emu mark                     remember the number of requests served so far
//	emu requests N               assert N requests were served since the mark
//	emu bodies METHOD            print the bodies of METHOD requests since the mark, one a line
//	emu load FILE                add the objects of an emulator data file (JSON) to the emulator
//	emu nowrites                 assert that no request but GET was served since the mark
//	emu hold METHOD PATH-REGEXP [BODY-TEXT]
//	                             let the emulator carry out the matching requests, then
//	                             withhold their answers until the client goes away (a
//	                             lost answer, or a process killed while it waits)
//	emu hold off                 answer every request again
//	emu held N                   wait until N answers are withheld (at most 30s)
//	emu latency DURATION         delay every request
//	emu refreshanswer SHAPE      answer refresh_scim_secret as idp, secret, string, null or empty
func cmdEmu(ts *testscript.TestScript, neg bool, args []string) {
	srv := ts.Value("emulator").(*emulator.Server)
	if len(args) == 0 {
		ts.Fatalf("usage: emu api|clock|faults|stats|count|noduplicates ...")
	}
	switch args[0] {
	case "api":
		if len(args) < 3 {
			ts.Fatalf("usage: emu api METHOD PATH [JSON]")
		}
		var body io.Reader
		if len(args) > 3 {
			body = strings.NewReader(strings.Join(args[3:], " "))
		}
		req, err := http.NewRequest(args[1], srv.URL+args[2], body)
		ts.Check(err)
		req.Header.Set("X-Auth-Email", testEmail) // the global key is accepted everywhere, /shares too
		req.Header.Set("X-Auth-Key", testKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		ts.Check(err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		ts.Stdout().Write(b)
		fmt.Fprintln(ts.Stdout())
		if ok := resp.StatusCode < 300; ok == neg {
			ts.Fatalf("emu api %s %s: status %d", args[1], args[2], resp.StatusCode)
		}
	case "apply":
		emuApply(ts, neg, args[1:])
	case "clock":
		d, err := parseDays(args[1])
		ts.Check(err)
		srv.Emulator.AdvanceClock(d)
	case "faults":
		rate, err := strconv.ParseFloat(args[1], 64)
		ts.Check(err)
		srv.Emulator.SetFaults(rate)
	case "async":
		d, err := parseDays(args[1])
		ts.Check(err)
		srv.Emulator.SetAsyncDelay(d)
	case "mark":
		ts.Setenv("EMU_MARK", strconv.Itoa(srv.Emulator.Stats().Total))
		ts.Setenv("EMU_WRITES_MARK", strconv.Itoa(ts.Value("writes").(*writeLog).len()))
	case "bodies":
		if len(args) != 2 {
			ts.Fatalf("usage: emu bodies METHOD")
		}
		mark, _ := strconv.Atoi(ts.Getenv("EMU_WRITES_MARK"))
		for _, w := range ts.Value("writes").(*writeLog).since(mark) {
			if w.method == args[1] {
				fmt.Fprintf(ts.Stdout(), "%s %s\n", w.path, w.body)
			}
		}
	case "requests":
		if len(args) != 2 {
			ts.Fatalf("usage: emu requests N")
		}
		mark, _ := strconv.Atoi(ts.Getenv("EMU_MARK"))
		want, err := strconv.Atoi(args[1])
		ts.Check(err)
		if got := srv.Emulator.Stats().Total - mark; (got == want) == neg {
			ts.Fatalf("requests since the mark: have %d, want %d", got, want)
		}
	case "stats":
		b, _ := json.MarshalIndent(srv.Emulator.Stats(), "", "  ")
		ts.Stdout().Write(append(b, '\n'))
	case "count":
		if len(args) != 3 {
			ts.Fatalf("usage: emu count KIND N")
		}
		got := srv.Emulator.Snapshot().Counts()[args[1]]
		want, err := strconv.Atoi(args[2])
		ts.Check(err)
		if (got == want) == neg {
			ts.Fatalf("%s: have %d, want %d", args[1], got, want)
		}
	case "noduplicates":
		dups := srv.Emulator.Snapshot().Duplicates()
		if (len(dups) == 0) == neg {
			ts.Fatalf("duplicates: %v", dups)
		}
	case "maxperpage":
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		srv.Emulator.SetMaxPerPage(n)
	case "perpagemax":
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		srv.Emulator.SetRefusePerPageAbove(n)
	case "maxfederated":
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		srv.Emulator.SetMaxFederatedIdPs(n)
	case "tokenshares":
		l := ts.Value("contract").(*contractLog)
		l.mu.Lock()
		l.noAuth = true
		l.mu.Unlock()
	case "sharetokens":
		srv.Emulator.SetShareTokens(args[1] == "on")
	case "tokenlacks":
		var scopes []emulator.Scope
		for _, a := range args[1:] {
			if a != "none" {
				scopes = append(scopes, emulator.Scope(a))
			}
		}
		ts.Check(srv.Emulator.SetTokenLacks(scopes))
	case "idpid":
		if len(args) != 4 {
			ts.Fatalf("usage: emu idpid ACCOUNT NAME VAR")
		}
		for _, idp := range srv.Emulator.Snapshot().IdentityProviders {
			if idp.AccountID == args[1] && idp.Name == args[2] && !idp.ReadOnly {
				ts.Setenv(args[3], idp.ID)
				return
			}
		}
		ts.Fatalf("no IdP named %q in account %s", args[2], args[1])
	case "appid", "policyid":
		if len(args) != 4 {
			ts.Fatalf("usage: emu %s ACCOUNT NAME VAR", args[0])
		}
		d := srv.Emulator.Snapshot()
		if args[0] == "appid" {
			for _, a := range d.AccessApplications {
				if a.AccountID == args[1] && a.Name == args[2] {
					ts.Setenv(args[3], a.ID)
					return
				}
			}
		} else {
			for _, p := range d.AccessPolicies {
				if p.AccountID == args[1] && p.Name == args[2] {
					ts.Setenv(args[3], p.ID)
					return
				}
			}
		}
		ts.Fatalf("no %s named %q in %s", strings.TrimSuffix(args[0], "id"), args[2], args[1])
	case "connid":
		if len(args) != 4 {
			ts.Fatalf("usage: emu connid ACCOUNT NAME VAR")
		}
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/accounts/"+args[1]+"/access/identity_providers", nil)
		ts.Check(err)
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := http.DefaultClient.Do(req)
		ts.Check(err)
		defer resp.Body.Close()
		var body struct {
			Result []struct {
				ID       string `json:"id"`
				Name     string `json:"name"`
				ReadOnly bool   `json:"read_only"`
			} `json:"result"`
		}
		ts.Check(json.NewDecoder(resp.Body).Decode(&body))
		var ids []string
		for _, c := range body.Result {
			if c.ReadOnly && c.Name == args[2] {
				ids = append(ids, c.ID)
			}
		}
		if len(ids) == 0 {
			ts.Fatalf("account %s received no connection named %q", args[1], args[2])
		}
		slices.Sort(ids)
		for i, id := range ids {
			name := args[3]
			if i > 0 {
				name += strconv.Itoa(i + 1)
			}
			ts.Setenv(name, id)
		}
	case "account":
		if len(args) != 3 {
			ts.Fatalf("usage: emu account ID ORG|none")
		}
		d := srv.Emulator.Snapshot()
		org := args[2]
		if org == "none" {
			org = ""
		} else if !slices.ContainsFunc(d.Organizations, func(o emulator.Organization) bool { return o.ID == org }) {
			d.Organizations = append(d.Organizations, emulator.Organization{ID: org, Name: "Organization " + org[:8]})
		}
		i := slices.IndexFunc(d.Accounts, func(a emulator.Account) bool { return a.ID == args[1] })
		if i < 0 {
			d.Accounts = append(d.Accounts, emulator.Account{ID: args[1], Name: "Account " + args[1][:8]})
			i = len(d.Accounts) - 1
		}
		d.Accounts[i].OrganizationID = org
		ts.Check(srv.Emulator.Load(d))
	case "load":
		if len(args) != 2 {
			ts.Fatalf("usage: emu load FILE")
		}
		var add emulator.Data
		ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[1])), &add))
		d := srv.Emulator.Snapshot()
		d.Organizations = append(d.Organizations, add.Organizations...)
		d.Accounts = append(d.Accounts, add.Accounts...)
		d.Zones = append(d.Zones, add.Zones...)
		d.IdentityProviders = append(d.IdentityProviders, add.IdentityProviders...)
		d.CertificateSets = append(d.CertificateSets, add.CertificateSets...)
		d.Grants = append(d.Grants, add.Grants...)
		d.Shares = append(d.Shares, add.Shares...)
		d.Recipients = append(d.Recipients, add.Recipients...)
		d.ShareResources = append(d.ShareResources, add.ShareResources...)
		ts.Check(srv.Emulator.Load(d))
	case "scimsecret":
		if len(args) != 4 {
			ts.Fatalf("usage: emu scimsecret ACCOUNT NAME VAR")
		}
		for _, idp := range srv.Emulator.Snapshot().IdentityProviders {
			if idp.AccountID == args[1] && idp.Name == args[2] && !idp.ReadOnly {
				s, _ := idp.SCIMConfig["secret"].(string)
				if s == "" {
					ts.Fatalf("IdP %q has no SCIM secret", args[2])
				}
				ts.Setenv(args[3], s)
				return
			}
		}
		ts.Fatalf("no IdP named %q in account %s", args[2], args[1])
	case "nowrites":
		mark, _ := strconv.Atoi(ts.Getenv("EMU_WRITES_MARK"))
		if w := ts.Value("writes").(*writeLog).since(mark); (len(w) == 0) == neg {
			ts.Fatalf("writes since the mark: %d", len(w))
		}
	case "hold":
		holds := ts.Value("holds").(*holder)
		if len(args) == 2 && args[1] == "off" {
			holds.set(nil)
			return
		}
		if len(args) < 3 || len(args) > 4 {
			ts.Fatalf("usage: emu hold METHOD PATH-REGEXP [BODY-TEXT] | emu hold off")
		}
		re, err := regexp.Compile(args[2])
		ts.Check(err)
		h := &hold{method: args[1], path: re}
		if len(args) == 4 {
			h.body = args[3]
		}
		holds.set(h)
	case "held":
		want, err := strconv.Atoi(args[1])
		ts.Check(err)
		holds := ts.Value("holds").(*holder)
		for deadline := time.Now().Add(30 * time.Second); holds.count() < want; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				ts.Fatalf("answers withheld: %d, want %d", holds.count(), want)
			}
		}
	case "refreshanswer":
		if len(args) != 2 {
			ts.Fatalf("usage: emu refreshanswer %v", emulator.RefreshSCIMAnswers)
		}
		ts.Check(srv.Emulator.SetRefreshSCIMAnswer(emulator.RefreshSCIMAnswer(args[1])))
	case "latency":
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		srv.Emulator.SetLatency(d)
	case "resetstats":
		srv.Emulator.ResetStats()
	case "writes":
		if len(args) != 2 {
			ts.Fatalf("usage: emu writes N")
		}
		want, err := strconv.Atoi(args[1])
		ts.Check(err)
		got := 0
		for route, n := range srv.Emulator.Stats().Routes {
			if !strings.HasPrefix(route, "GET ") {
				got += n
			}
		}
		if (got == want) == neg {
			ts.Fatalf("write requests: have %d, want %d (%v)", got, want, srv.Emulator.Stats().Routes)
		}
	default:
		ts.Fatalf("emu: unknown subcommand %q", args[0])
	}
}

// emuApply runs idpsync apply --auto-approve in the test process, against
// the scenario's emulator and with its environment: the same command, flags
// and engine as the built CLI, without the start-up of a process (most of the
// CPU time of a short apply). It is for the applies that only bring a
// scenario to its starting state; what a scenario is about, it runs with
// exec idpsync. Paths are taken from the scenario's directory, as the CLI
// would from its working directory; a variable the scenario set to the empty
// string reads as unset (testscript tells the two apart to no command).
func emuApply(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: emu apply [--allow-destroy] [--wait] PATH...")
	}
	argv := []string{"apply", "--auto-approve"}
	for _, a := range args {
		switch {
		case a == "--allow-destroy" || a == "--wait":
			argv = append(argv, a)
		case strings.HasPrefix(a, "-"):
			ts.Fatalf("emu apply: %s: run it with exec idpsync apply", a)
		default:
			argv = append(argv, ts.MkAbs(a))
		}
	}
	f := cli.NewFactory(cli.BuildInfo())
	ios, _, out, errOut := cli.Test()
	f.IO = ios
	f.Getenv = func(name string) (string, bool) {
		v := ts.Getenv(name)
		return v, v != ""
	}
	cmd := root.NewCmd(f)
	cmd.SetArgs(argv)
	err := cmd.ExecuteContext(context.Background())
	if err != nil && !cli.Reported(err) {
		fmt.Fprintf(errOut, "Error: %v\n", err)
	}
	ts.Stdout().Write(out.Bytes())
	ts.Stderr().Write(errOut.Bytes())
	if code := cli.ExitCode(err); code != 0 {
		ts.Fatalf("emu apply: exit status %d", code)
	}
}

// scriptSpec is the API contract the scripts' traffic is held to, parsed
// on first use: not at package init, which every idpsync process the tests
// start from this binary would pay for.
var scriptSpec = sync.OnceValue(func() *contract.Spec {
	s, err := contract.Parse("access-subset.openapi.yaml", emulator.ContractSpec)
	if err != nil {
		panic(err)
	}
	return s
})

// contractLog checks every request idpsync itself sends (its User-Agent;
// not the scripts' own emu api calls, which may break the contract on
// purpose) against the contract: query, body and the operation's security,
// so that a flow sending a token to the share endpoints, which document the
// global key only, fails its scenario.
type contractLog struct {
	spec *contract.Spec
	mu   sync.Mutex
	errs []string
	// noAuth: the scenario sends a token to /shares on purpose (emu tokenshares).
	noAuth bool
}

func (l *contractLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, under := strings.CutPrefix(r.URL.Path, emulator.APIPrefix)
		if under && strings.HasPrefix(r.Header.Get("User-Agent"), "idpsync/") {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			l.mu.Lock()
			noAuth := l.noAuth
			l.mu.Unlock()
			auth := l.spec.CheckAuth(r.Method, path, r.Header)
			if noAuth {
				auth = nil
			}
			for _, err := range []error{l.spec.CheckRequest(r.Method, path, r.URL.RawQuery, body), auth} {
				if err != nil {
					l.mu.Lock()
					l.errs = append(l.errs, err.Error())
					l.mu.Unlock()
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (l *contractLog) violations() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.errs...)
}

// writeLog keeps the body of every request other than GET that the scripts'
// emulator receives, so that a script can check what idpsync sent.
type writeLog struct {
	mu      sync.Mutex
	entries []loggedWrite
}

type loggedWrite struct{ method, path, body string }

func (l *writeLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			l.mu.Lock()
			l.entries = append(l.entries, loggedWrite{r.Method, r.URL.Path, string(body)})
			l.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

func (l *writeLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

func (l *writeLog) since(n int) []loggedWrite {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.entries[min(n, len(l.entries)):])
}

// holder withholds the answers of the requests a hold matches: the emulator
// carries each out (the IdP is created, its secret made), and the client
// waits for an answer that never comes, until it goes away.
type holder struct {
	mu   sync.Mutex
	h    *hold
	held int
}

type hold struct {
	method string
	path   *regexp.Regexp
	body   string
}

func (hs *holder) set(h *hold) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	hs.h = h
}

func (hs *holder) count() int {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return hs.held
}

func (hs *holder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hs.mu.Lock()
		h := hs.h
		hs.mu.Unlock()
		if h == nil || r.Method != h.method || !h.path.MatchString(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if !strings.Contains(string(body), h.body) {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(httptest.NewRecorder(), r)
		hs.mu.Lock()
		hs.held++
		hs.mu.Unlock()
		<-r.Context().Done()
	})
}

// cmdPending asserts how many pending SCIM secret records (requests whose
// secret was never written) DIR holds:
//
//	pending out 1
func cmdPending(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: pending DIR N")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	matches, err := filepath.Glob(filepath.Join(ts.MkAbs(args[0]), "*.scim-pending"))
	ts.Check(err)
	if len(matches) != want {
		ts.Fatalf("%s holds %d pending records, want %d: %v", args[0], len(matches), want, matches)
	}
}

// cmdStatus runs a program and asserts its exit status, for the commands
// whose status carries meaning (plan --detailed-exitcode, drift):
//
//	status 2 idpsync plan --detailed-exitcode idp.yaml
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status N PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var exitErr interface{ ExitCode() int }
		if !errors.As(err, &exitErr) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = exitErr.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// cmdSecretFile asserts that the one file matching GLOB holds exactly the
// secret in $VAR, with mode 0600 in a directory of mode 0700:
//
//	secretfile out/*.scim-secret OKTA_SCIM
func cmdSecretFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: secretfile GLOB VAR")
	}
	matches, err := filepath.Glob(ts.MkAbs(args[0]))
	ts.Check(err)
	if len(matches) != 1 {
		ts.Fatalf("%s matches %d files, want 1", args[0], len(matches))
	}
	st, err := os.Stat(matches[0])
	ts.Check(err)
	if st.Mode().Perm() != 0o600 {
		ts.Fatalf("%s has mode %v, want 0600", matches[0], st.Mode().Perm())
	}
	dst, err := os.Stat(filepath.Dir(matches[0]))
	ts.Check(err)
	if dst.Mode().Perm() != 0o700 {
		ts.Fatalf("%s has mode %v, want 0700", filepath.Dir(matches[0]), dst.Mode().Perm())
	}
	b, err := os.ReadFile(matches[0])
	ts.Check(err)
	if want := ts.Getenv(args[1]) + "\n"; string(b) != want || want == "\n" {
		ts.Fatalf("%s does not hold the secret of $%s", matches[0], args[1])
	}
}

// parseDays accepts Go durations and a day suffix ("340d").
func parseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		return time.Duration(days) * 24 * time.Hour, err
	}
	return time.ParseDuration(s)
}

// cmdGenCert writes a fresh self-signed certificate (PEM, no key kept) that
// expires the given number of days from now:
//
//	gencert FILE DAYS COMMON-NAME
func cmdGenCert(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: gencert FILE DAYS COMMON-NAME")
	}
	days, err := strconv.Atoi(args[1])
	ts.Check(err)
	now := time.Now()
	c := testcert.New(ts, testcert.Options{
		CommonName: args[2],
		NotBefore:  now.Add(-time.Hour),
		NotAfter:   now.Add(time.Duration(days)*24*time.Hour + time.Hour),
	})
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(c.PEM), 0o644))
}

// cmdGenMeta writes an identity provider's SAML metadata with the given
// PEM certificates:
//
//	genmeta FILE ENTITY-ID SSO-URL CERT.pem...
func cmdGenMeta(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 4 {
		ts.Fatalf("usage: genmeta FILE ENTITY-ID SSO-URL CERT.pem...")
	}
	var keys strings.Builder
	for _, f := range args[3:] {
		block, _ := pem.Decode([]byte(ts.ReadFile(f)))
		if block == nil {
			ts.Fatalf("%s: not PEM", f)
		}
		fmt.Fprintf(&keys, "    <md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\n", base64.StdEncoding.EncodeToString(block.Bytes))
	}
	doc := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="%s">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
%s    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="%s/redirect"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="%s"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`, args[1], keys.String(), args[2], args[2])
	path := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(filepath.Dir(path), 0o755))
	ts.Check(os.WriteFile(path, []byte(doc), 0o644))
}

// cmdMetaServe serves the files of DIR over loopback HTTP (read at each
// request, so a script can change them), as an IdP serves its metadata, and
// replaces @VAR@ in each FILE with the server's URL:
//
//	metaserve DIR VAR FILE...
//
// It counts the requests it serves: metahits checks them.
func cmdMetaServe(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: metaserve DIR VAR FILE...")
	}
	hits := new(atomic.Int64)
	metaHits.Store(ts, hits)
	ts.Defer(func() { metaHits.Delete(ts) })
	files := http.FileServer(http.Dir(ts.MkAbs(args[0])))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		files.ServeHTTP(w, r)
	}))
	ts.Defer(srv.Close)
	ts.Setenv(args[1], srv.URL)
	for _, f := range args[2:] {
		text := strings.ReplaceAll(ts.ReadFile(f), "@"+args[1]+"@", srv.URL)
		ts.Check(os.WriteFile(ts.MkAbs(f), []byte(text), 0o644))
	}
}

// metaHits holds each script's metaserve request counter.
var metaHits sync.Map // *testscript.TestScript → *atomic.Int64

// cmdMetaHits checks how many requests metaserve has served since it started
// or since the last metahits, and starts counting again:
//
//	metahits N
func cmdMetaHits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: metahits N")
	}
	v, ok := metaHits.Load(ts)
	if !ok {
		ts.Fatalf("metahits: no metaserve in this script")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	if got := v.(*atomic.Int64).Swap(0); got != int64(want) {
		ts.Fatalf("metaserve served %d requests, want %d", got, want)
	}
}
