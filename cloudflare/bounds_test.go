package cloudflare

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestServerWaitsAreBounded: a wait the server asks for past MaxWait fails the
// request at once, naming the header and what it said, instead of hanging.
func TestServerWaitsAreBounded(t *testing.T) {
	for _, tc := range []struct {
		name    string
		status  int
		header  string
		value   string
		maxWait time.Duration
		want    []string
	}{
		{"seconds", 429, "Retry-After", "99999999", 0, []string{"answered 429 Too Many Requests", "1157 days", "(Retry-After: 99999999)", "longer than the 6m0s", "--max-retry-wait"}},
		{"http date in year 9999", 429, "Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT", 0, []string{"until 9999-12-31T23:59:59Z", "(Retry-After: Fri, 31 Dec 9999 23:59:59 GMT)"}},
		{"overflowing seconds", 429, "Retry-After", "1e300", 0, []string{"for more than 292 years (Retry-After: 1e300)"}},
		{"milliseconds", 429, "Retry-After-Ms", "3600000", 0, []string{"1h0m0s", "(Retry-After-Ms: 3600000)"}},
		{"past a lowered bound", 429, "Retry-After", "120", time.Minute, []string{"2m0s", "longer than the 1m0s"}},
		{"on a 503", 503, "Retry-After", "86400", 0, []string{"answered 503 Service Unavailable", "24h0m0s"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.Header().Set(tc.header, tc.value)
				writeJSON(w, tc.status, accessFail(10000, "slow down"))
			}))
			defer srv.Close()
			var events []WaitEvent
			c, clock := newTestClient(t, srv, func(o *Options) {
				o.MaxWait = tc.maxWait
				o.OnWait = func(ev WaitEvent) { events = append(events, ev) }
			})
			_, err := c.ListIdentityProviders(context.Background(), "acc")
			var we *WaitError
			if !errors.As(err, &we) {
				t.Fatalf("err = %v, want a *WaitError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if we.Header != tc.header {
				t.Errorf("Header = %q, want %q", we.Header, tc.header)
			}
			if n := calls.Load(); n != 1 {
				t.Errorf("%d requests, want 1: a wait past the bound is not retried", n)
			}
			if s := clock.Sleeps(); len(s) != 0 {
				t.Errorf("slept %v", s)
			}
			if len(events) != 0 {
				t.Errorf("announced %v for a wait it does not make", events)
			}
		})
	}
}

// TestServerWaitValueSanitised: the header value quoted in the error can
// carry nothing that steers a terminal, and is cut short.
func TestServerWaitValueSanitised(t *testing.T) {
	w := &WaitError{Method: "GET", Path: "/x", Header: "Ratelimit", Value: shownValue("\x1b]0;owned\x07\n::error::x" + strings.Repeat("9", 500)), Wait: time.Hour, Max: time.Minute}
	got := w.Error()
	if strings.ContainsAny(got, "\x1b\x07\n") || strings.Contains(got, " ::error") {
		t.Errorf("unsanitised: %q", got)
	}
	if len(got) > 400 {
		t.Errorf("value not cut short: %d bytes", len(got))
	}
}

// TestRatelimitResetIsBounded: a Ratelimit header that says the window is
// spent until far away fails the next request instead of parking it.
func TestRatelimitResetIsBounded(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Ratelimit", `"default";r=0;t=99999999`)
		writeJSON(w, 200, accessOK([]Grant{}))
	}))
	defer srv.Close()
	c, clock := newTestClient(t, srv, nil)
	if _, err := c.ListGrants(context.Background(), "acc"); err != nil {
		t.Fatal(err)
	}
	_, err := c.ListGrants(context.Background(), "acc")
	var we *WaitError
	if !errors.As(err, &we) || we.Header != "Ratelimit" || !strings.Contains(err.Error(), `(Ratelimit: "default";r=0;t=99999999)`) || !strings.Contains(err.Error(), "GET /accounts/acc/") {
		t.Fatalf("err = %v, want a *WaitError naming the Ratelimit header and the request", err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	if s := clock.Sleeps(); len(s) != 0 {
		t.Errorf("slept %v", s)
	}
}

// TestWaitsAreAnnounced: a wait within the bound happens, and OnWait hears of
// it once, with the reason, the header and the value.
func TestWaitsAreAnnounced(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "120")
			writeJSON(w, 429, accessFail(10000, "slow down"))
			return
		}
		writeJSON(w, 200, accessOK([]Grant{}))
	}))
	defer srv.Close()
	var mu sync.Mutex
	var events []WaitEvent
	c, clock := newTestClient(t, srv, func(o *Options) {
		o.OnWait = func(ev WaitEvent) { mu.Lock(); events = append(events, ev); mu.Unlock() }
	})
	start := clock.Now()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := c.ListGrants(context.Background(), "acc"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if len(events) != 1 {
		t.Fatalf("events %+v, want one for the whole stretch", events)
	}
	ev := events[0]
	if ev.Reason != WaitRetryAfter || ev.Header != "Retry-After" || ev.Value != "120" || ev.Status != 429 || ev.Duration != 2*time.Minute || !ev.Until.Equal(start.Add(2*time.Minute)) || !strings.HasPrefix(ev.Path, "/accounts/acc/") {
		t.Errorf("event %+v", ev)
	}
}

// TestBackoffAnnounced: the client's own backoff before a retry is reported
// once it is a second or more.
func TestBackoffAnnounced(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 3 {
			writeJSON(w, 503, accessFail(10000, "busy"))
			return
		}
		writeJSON(w, 200, accessOK([]Grant{}))
	}))
	defer srv.Close()
	var events []WaitEvent
	c, _ := newTestClient(t, srv, func(o *Options) { o.OnWait = func(ev WaitEvent) { events = append(events, ev) } })
	if _, err := c.ListGrants(context.Background(), "acc"); err != nil {
		t.Fatal(err)
	}
	// Backoffs of 0.5s, 1s and 2s: the last two are announced.
	if len(events) != 2 || events[0].Reason != WaitBackoff || events[0].Duration != time.Second || events[1].Duration != 2*time.Second {
		t.Fatalf("events %+v", events)
	}
}

// TestAnswerSizeIsBounded: an answer past MaxResponseBytes fails with a
// *LimitError, and a read is not retried for it.
func TestAnswerSizeIsBounded(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"success":true,"errors":[],"messages":[],"result":[{"id":"1","name":"%s","type":"github"}]}`, strings.Repeat("x", 4096))
	}))
	defer srv.Close()
	c, _ := newTestClient(t, srv, func(o *Options) { o.MaxResponseBytes = 1024 })
	_, err := c.ListIdentityProviders(context.Background(), "acc")
	var le *LimitError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "the answer is larger than 1024 bytes") {
		t.Fatalf("err = %v, want a *LimitError on the answer", err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// TestListingsAreBounded: pages that never end, or that grow, stop at the
// bound on objects or bytes, with an error that says which.
func TestListingsAreBounded(t *testing.T) {
	growing := func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		var b strings.Builder
		b.WriteString(`{"success":true,"errors":[],"messages":[],"result_info":{"page":` + strconv.Itoa(page) + `,"per_page":1000,"count":1,"total_count":999999999,"total_pages":999999999},"result":[`)
		for i := range page * 10 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":"p%d-%d","name":"n","type":"github"}`, page, i)
		}
		b.WriteString("]}")
		w.Write([]byte(b.String()))
	}
	for _, tc := range []struct {
		name string
		mod  func(*Options)
		want string
	}{
		{"objects", func(o *Options) { o.MaxListObjects = 500 }, "more than 500 objects by page 10"},
		{"bytes", func(o *Options) { o.MaxListBytes = 64 << 10 }, "more than 65536 bytes by page"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(growing))
			defer srv.Close()
			c, _ := newTestClient(t, srv, tc.mod)
			_, err := c.ListIdentityProviders(context.Background(), "acc")
			var le *LimitError
			if !errors.As(err, &le) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want a *LimitError saying %q", err, tc.want)
			}
		})
	}
}

// TestAPIErrorSanitised: the API's messages and ray id reach the error text
// without escape sequences and unable to start a workflow command.
func TestAPIErrorSanitised(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cf-Ray", "8a1b ::error::ray")
		writeJSON(w, 400, accessFail(1000, "bad\x1b[31m request\n::error::owned\r\n##vso[task.complete]"))
	}))
	defer srv.Close()
	c, _ := newTestClient(t, srv, nil)
	_, err := c.ListIdentityProviders(context.Background(), "acc")
	if err == nil {
		t.Fatal("no error")
	}
	got := err.Error()
	if strings.ContainsAny(got, "\x1b\n\r") || strings.Contains(got, " ::error") || strings.Contains(got, "##vso[") || strings.Contains(got, "##VSO[") {
		t.Errorf("unsanitised: %q", got)
	}
	if !strings.Contains(got, "[1000] bad request") || !strings.Contains(got, "(ray 8a1b :\\:error::ray)") {
		t.Errorf("text lost: %q", got)
	}
}

func TestBoundsOptions(t *testing.T) {
	if _, err := New(Options{Token: "t", MaxWait: -1}); err == nil {
		t.Error("a negative MaxWait is accepted")
	}
	c, err := New(Options{Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if c.maxWait != DefaultMaxWait || c.maxResponse != DefaultMaxResponseBytes || c.maxListObjects != DefaultMaxListObjects || c.maxListBytes != DefaultMaxListBytes {
		t.Errorf("defaults not applied: %v %v %v %v", c.maxWait, c.maxResponse, c.maxListObjects, c.maxListBytes)
	}
}
