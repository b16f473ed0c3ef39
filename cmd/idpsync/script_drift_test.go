package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/idpsync/idpsync/emulator"
)

// cmdAudit acts on the emulator's audit log and on what Cloudflare does by
// itself:
//
//	audit dashboard EMAIL METHOD PATH [JSON]  a write made in the dashboard by EMAIL
//	audit denied on|off                       tokens lack Account Settings Read: the audit log (and the account) answer 403
//	audit defaultidp ACCOUNT NAME TYPE        an IdP Cloudflare adds by itself (a system change)
//	audit date DURATION VAR FILE...           set VAR to the emulator's date plus DURATION (YYYY-MM-DD)
//	                                          and replace @VAR@ in each FILE with it
func cmdAudit(ts *testscript.TestScript, neg bool, args []string) {
	srv := ts.Value("emulator").(*emulator.Server)
	if len(args) == 0 {
		ts.Fatalf("usage: audit dashboard|denied|defaultidp|date ...")
	}
	switch args[0] {
	case "dashboard":
		if len(args) < 4 {
			ts.Fatalf("usage: audit dashboard EMAIL METHOD PATH [JSON]")
		}
		var body io.Reader
		if len(args) > 4 {
			body = strings.NewReader(strings.Join(args[4:], " "))
		}
		req, err := http.NewRequest(args[2], srv.URL+args[3], body)
		ts.Check(err)
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(emulator.DashboardHeader, args[1])
		resp, err := http.DefaultClient.Do(req)
		ts.Check(err)
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		if ok := resp.StatusCode < 300; ok == neg {
			ts.Fatalf("audit dashboard %s %s: status %d", args[2], args[3], resp.StatusCode)
		}
	case "denied":
		// The audit log needs Account Settings Read, the emulator's scope
		// "account" (GET /accounts/{account_id} needs it too).
		var lacks []emulator.Scope
		if len(args) > 1 && args[1] == "on" {
			lacks = []emulator.Scope{emulator.ScopeAccount}
		}
		ts.Check(srv.Emulator.SetTokenLacks(lacks))
	case "defaultidp":
		if len(args) != 4 {
			ts.Fatalf("usage: audit defaultidp ACCOUNT NAME TYPE")
		}
		_, err := srv.Emulator.AddDefaultIdP(args[1], args[2], args[3])
		ts.Check(err)
	case "date":
		if len(args) < 3 {
			ts.Fatalf("usage: audit date DURATION VAR FILE...")
		}
		d, err := parseDays(args[1])
		ts.Check(err)
		date := srv.Emulator.Now().Add(d).UTC().Format(time.DateOnly)
		ts.Setenv(args[2], date)
		for _, f := range args[3:] {
			text := strings.ReplaceAll(ts.ReadFile(f), "@"+args[2]+"@", date)
			ts.Check(os.WriteFile(ts.MkAbs(f), []byte(text), 0o644))
		}
	default:
		ts.Fatalf("audit: unknown subcommand %q", args[0])
	}
}

// hooks holds each script's webhook capture server's bodies.
var hooks sync.Map // *testscript.TestScript → *hookLog

type hookLog struct {
	mu     sync.Mutex
	bodies []string
}

// cmdHookServe starts a loopback webhook that keeps what is posted to it and
// sets VAR to its URL:
//
//	hookserve VAR
func cmdHookServe(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: hookserve VAR")
	}
	log := &hookLog{}
	hooks.Store(ts, log)
	ts.Defer(func() { hooks.Delete(ts) })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		log.mu.Lock()
		log.bodies = append(log.bodies, fmt.Sprintf("%s %s %s", r.Method, r.Header.Get("Content-Type"), b))
		log.mu.Unlock()
		_, _ = io.WriteString(w, "ok")
	}))
	ts.Defer(srv.Close)
	ts.Setenv(args[0], srv.URL+"/services/T000/B000/XXXXSECRETPATH")
}

// cmdHookBodies prints what the webhook received, one request a line, and
// forgets it:
//
//	hookbodies
func cmdHookBodies(ts *testscript.TestScript, neg bool, args []string) {
	v, ok := hooks.Load(ts)
	if !ok {
		ts.Fatalf("hookbodies: no hookserve in this script")
	}
	log := v.(*hookLog)
	log.mu.Lock()
	defer log.mu.Unlock()
	for _, b := range log.bodies {
		fmt.Fprintln(ts.Stdout(), b)
	}
	log.bodies = nil
}
