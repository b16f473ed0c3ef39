package cloudflare

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RateLimit is a request budget: at most Requests in any Window.
type RateLimit struct {
	Requests int
	Window   time.Duration
}

// DefaultRateLimit is Cloudflare's global limit per user.
var DefaultRateLimit = RateLimit{Requests: 1200, Window: 5 * time.Minute}

func (r RateLimit) String() string {
	return fmt.Sprintf("%d/%s", r.Requests, shortDuration(r.Window))
}

func shortDuration(d time.Duration) string {
	s := d.String()
	s = strings.TrimSuffix(s, "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	if s == "" {
		return d.String()
	}
	return s
}

// ParseRateLimit parses "N/duration", e.g. "1200/5m" or "100/30s". A bare
// unit counts as one of it: "60/m" is 60 per minute.
func ParseRateLimit(s string) (RateLimit, error) {
	n, w, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return RateLimit{}, fmt.Errorf("rate limit %q: want requests/window, e.g. 1200/5m", s)
	}
	req, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || req < 1 {
		return RateLimit{}, fmt.Errorf("rate limit %q: requests must be a positive integer", s)
	}
	w = strings.TrimSpace(w)
	if w != "" && (w[0] < '0' || w[0] > '9') {
		w = "1" + w
	}
	win, err := time.ParseDuration(w)
	if err != nil || win <= 0 {
		return RateLimit{}, fmt.Errorf("rate limit %q: window must be a positive duration, e.g. 5m", s)
	}
	return RateLimit{Requests: req, Window: win}, nil
}

// gate is what every request passes before it is sent. Four things hold a
// request back, all shared by every request of the client:
//   - the bound on requests in flight (--concurrency: one limit for the whole
//     client, whatever stage sends);
//   - the sliding window: the send times of the last N requests (N = the
//     budget), so that no window of length W ever holds more than N sends,
//     however the server aligns its windows, while the whole budget stays
//     usable at once;
//   - the server's own word, from the Ratelimit header of each response: the
//     budget is shared with the dashboard and every other token of the user
//     [REFERENCE §1.5: "The count is cumulative across the dashboard, the API
//     key and API tokens"], so the client never sends more in the server's
//     current window than the server last said remains;
//   - a 429's Retry-After, which stops every request until then.
type gate struct {
	rl    RateLimit
	sem   chan struct{}
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	// maxWait bounds a wait the server's Ratelimit header asks for: past
	// it, wait fails with a *WaitError (Retry-After is checked before
	// blockUntil). announce, when set, is told of each wait.
	maxWait  time.Duration
	announce func(WaitEvent)

	mu           sync.Mutex
	blockedUntil time.Time
	// blockedBy is the answer whose Retry-After set blockedUntil.
	blockedBy WaitEvent
	// sent is a ring of the send times of the last rl.Requests requests,
	// oldest at head once full; it grows only as requests are sent.
	sent []time.Time
	head int
	// inflight counts requests sent and not yet answered.
	inflight int
	// server is what the latest Ratelimit headers said about the server's
	// current window; known is false before any, and once its reset passed.
	server struct {
		known bool
		// credit is what may still be sent before reset: the server's
		// remaining, less what was in flight when it said so, less one kept
		// for the budget's other users, less what was
		// sent since.
		credit int
		// reset is the earliest moment the server's window can have been
		// said to end: the minimum of arrival + t over the window's responses.
		reset time.Time
		// raw is the Ratelimit header that set reset, for messages.
		raw string
	}
}

func newGate(rl RateLimit, concurrency int, now func() time.Time, sleep func(context.Context, time.Duration) error) *gate {
	return &gate{
		rl:    rl,
		sem:   make(chan struct{}, concurrency),
		now:   now,
		sleep: sleep,
	}
}

// acquire waits for a slot in flight, then for the budget. The caller must
// call release once the response is read. It reports how long it waited on
// the budget.
func (g *gate) acquire(ctx context.Context) (time.Duration, error) {
	select {
	case g.sem <- struct{}{}:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	waited, err := g.wait(ctx)
	if err != nil {
		<-g.sem
		return waited, err
	}
	return waited, nil
}

func (g *gate) release() {
	g.mu.Lock()
	if g.inflight > 0 {
		g.inflight--
	}
	g.mu.Unlock()
	<-g.sem
}

// wait returns once the request may be sent, and counts it as sent. Waiters
// re-check everything on waking: another request may have taken the slot, or
// a response may have moved the server's reset.
func (g *gate) wait(ctx context.Context) (time.Duration, error) {
	var waited time.Duration
	for {
		if err := ctx.Err(); err != nil {
			return waited, err
		}
		g.mu.Lock()
		now := g.now()
		d, why := g.delay(now)
		if d <= 0 {
			g.take(now)
			g.mu.Unlock()
			return waited, nil
		}
		ev := WaitEvent{Reason: why, Duration: d, Until: now.Add(d)}
		switch why {
		case WaitRetryAfter:
			ev.Header, ev.Value, ev.Status, ev.Method, ev.Path = g.blockedBy.Header, g.blockedBy.Value, g.blockedBy.Status, g.blockedBy.Method, g.blockedBy.Path
		case WaitRateLimit:
			ev.Header, ev.Value = "Ratelimit", g.server.raw
		}
		g.mu.Unlock()
		if why == WaitRateLimit && g.maxWait > 0 && d > g.maxWait {
			// The server says its window resets later than anyone should
			// wait: a broken or hostile answer, not pacing.
			return waited, &WaitError{Header: ev.Header, Value: shownValue(ev.Value), Wait: d, Until: ev.Until, Max: g.maxWait}
		}
		if g.announce != nil {
			g.announce(ev)
		}
		if err := g.sleep(ctx, d); err != nil {
			return waited, err
		}
		waited += d
	}
}

// delay is how long a request must wait from now, and why; g.mu is held.
func (g *gate) delay(now time.Time) (time.Duration, WaitReason) {
	if d := g.blockedUntil.Sub(now); d > 0 {
		return d, WaitRetryAfter
	}
	if g.server.known && !now.Before(g.server.reset) {
		// The server's window is over; its next response will tell.
		g.server.known = false
	}
	if g.server.known && g.server.credit <= 0 {
		return g.server.reset.Sub(now), WaitRateLimit
	}
	if len(g.sent) == g.rl.Requests {
		// The oldest of the last N sends leaves the window at oldest+W.
		if d := g.sent[g.head].Add(g.rl.Window).Sub(now); d > 0 {
			return d, WaitBudget
		}
	}
	return 0, ""
}

// take records a send at now; g.mu is held.
func (g *gate) take(now time.Time) {
	if len(g.sent) < g.rl.Requests {
		g.sent = append(g.sent, now)
	} else {
		g.sent[g.head] = now
		g.head = (g.head + 1) % len(g.sent)
	}
	if g.server.known {
		g.server.credit--
	}
	g.inflight++
}

// blockUntil holds back every request of the client until t; by says which
// answer asked for it, for the wait's announcement.
func (g *gate) blockUntil(t time.Time, by WaitEvent) {
	g.mu.Lock()
	if t.After(g.blockedUntil) {
		g.blockedUntil = t
		g.blockedBy = by
	}
	g.mu.Unlock()
}

// observe reads the Ratelimit header ("default";r=50;t=30) of a response that
// arrived now, while its own request still counts as in flight. The requests
// in flight besides it may or may not have been counted in r; assuming they
// were not keeps the client within the budget either way. Within one server
// window the smallest estimate wins, since responses may arrive out of
// order; a response after the window's reset starts a new window.
func (g *gate) observe(h http.Header) {
	raw := h.Get("Ratelimit")
	remaining, reset, ok := parseRatelimitHeader(raw)
	if !ok {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	// One request is left for the other users of the budget: another client
	// that read the same remaining may send one before it learns of ours.
	credit := remaining - max(g.inflight-1, 0) - 1
	// t is in whole seconds rounded by the server [REFERENCE §1.5], so the
	// window ends at or before arrival + t: the earliest such bound is the
	// tightest safe one.
	end := now.Add(reset)
	if !g.server.known || !now.Before(g.server.reset) {
		g.server.known, g.server.credit, g.server.reset, g.server.raw = true, credit, end, raw
		return
	}
	g.server.credit = min(g.server.credit, credit)
	if end.Before(g.server.reset) {
		g.server.reset, g.server.raw = end, raw
	}
}

func parseRatelimitHeader(v string) (remaining int, reset time.Duration, ok bool) {
	if v == "" {
		return 0, 0, false
	}
	gotR, gotT := false, false
	for _, part := range strings.Split(v, ";") {
		k, val, found := strings.Cut(strings.TrimSpace(part), "=")
		if !found {
			continue
		}
		switch strings.TrimSpace(k) {
		case "r":
			n, err := strconv.Atoi(strings.TrimSpace(val))
			if err != nil {
				return 0, 0, false
			}
			remaining, gotR = n, true
		case "t":
			n, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
			if err != nil || n < 0 || math.IsInf(n, 0) || math.IsNaN(n) {
				return 0, 0, false
			}
			// A century is past any bound on waits, and keeps now+t
			// from overflowing time.Time.
			reset, gotT = min(seconds(n), 100*365*24*time.Hour), true
		}
	}
	return remaining, reset, gotR && gotT
}
