package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/idpsync/idpsync/emulator"
)

// hostileMessage is what a hostile server puts in its error text: escape
// sequences that would recolour, retitle or clear a terminal, and lines a CI
// runner would read as commands.
const hostileMessage = "denied\x1b[31m red\x1b]0;TITLE-CANARY\x07\x1b[2J\n::error file=x::WORKFLOW-CANARY\r\n##vso[task.complete result=Succeeded]\n##[group]AZURE-CANARY\u009b31m"

// cmdHostile starts a loopback server that stands in front of the scripts'
// emulator and misbehaves as MODE says, and sets $HOSTILE_URL to its API
// base URL:
//
//	hostile retry-after-seconds   every answer: 429 with Retry-After: 99999999
//	hostile retry-after-date      every answer: 429 with Retry-After in year 9999
//	hostile retry-after-once N    the first answer: 429 with Retry-After: N; then the emulator
//	hostile growing-pages         IdP listings: pages that grow and never end; the rest the emulator
//	hostile huge-answer           IdP listings: one answer of 40 MiB; the rest the emulator
//	hostile error-text            every answer: 400 whose message holds escape sequences and CI commands
func cmdHostile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: hostile MODE [ARG]")
	}
	srv := ts.Value("emulator").(*emulator.Server)
	target, err := url.Parse("http://" + srv.Addr)
	ts.Check(err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	idpList := func(r *http.Request) bool {
		return r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/access/identity_providers")
	}
	var h http.HandlerFunc
	switch args[0] {
	case "retry-after-seconds", "retry-after-date":
		value := "99999999"
		if args[0] == "retry-after-date" {
			value = "Fri, 31 Dec 9999 23:59:59 GMT"
		}
		h = func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", value)
			hostileJSON(w, http.StatusTooManyRequests, `{"success":false,"errors":[{"code":10000,"message":"Rate limited"}],"messages":[],"result":null}`)
		}
	case "retry-after-once":
		if len(args) != 2 {
			ts.Fatalf("usage: hostile retry-after-once SECONDS")
		}
		var once = make(chan struct{}, 1)
		once <- struct{}{}
		h = func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-once:
				w.Header().Set("Retry-After", args[1])
				hostileJSON(w, http.StatusTooManyRequests, `{"success":false,"errors":[{"code":10000,"message":"Rate limited"}],"messages":[],"result":null}`)
			default:
				proxy.ServeHTTP(w, r)
			}
		}
	case "growing-pages":
		h = func(w http.ResponseWriter, r *http.Request) {
			if !idpList(r) {
				proxy.ServeHTTP(w, r)
				return
			}
			page, _ := strconv.Atoi(r.URL.Query().Get("page"))
			page = max(page, 1)
			var b strings.Builder
			fmt.Fprintf(&b, `{"success":true,"errors":[],"messages":[],"result_info":{"page":%d,"per_page":1000,"count":%d,"total_count":2000000000,"total_pages":2000000},"result":[`, page, page*500)
			for i := range page * 500 {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `{"id":"p%d-%d","name":"IdP %d-%d %s","type":"github","config":{}}`, page, i, page, i, strings.Repeat("x", 200))
			}
			b.WriteString("]}")
			hostileJSON(w, http.StatusOK, b.String())
		}
	case "huge-answer":
		h = func(w http.ResponseWriter, r *http.Request) {
			if !idpList(r) {
				proxy.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"success":true,"errors":[],"messages":[],"result":[{"id":"a","name":"`))
			chunk := []byte(strings.Repeat("x", 1<<20))
			for range 40 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
			w.Write([]byte(`","type":"github","config":{}}]}`))
		}
	case "error-text":
		h = func(w http.ResponseWriter, r *http.Request) {
			// Cf-Ray is a header: Go refuses control characters there, but
			// not a workflow command after a space.
			w.Header().Set("Cf-Ray", "8a1b ::error::RAY-CANARY")
			msg, _ := json.Marshal(hostileMessage)
			body := fmt.Sprintf(`{"success":false,"errors":[{"code":1000,"message":%s}],"messages":[],"result":null}`, msg)
			hostileJSON(w, http.StatusBadRequest, body)
		}
	default:
		ts.Fatalf("hostile: unknown mode %q", args[0])
	}
	hs := httptest.NewServer(h)
	ts.Defer(hs.Close)
	ts.Setenv("HOSTILE_URL", hs.URL+emulator.APIPrefix)
}

func hostileJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write([]byte(body))
}
