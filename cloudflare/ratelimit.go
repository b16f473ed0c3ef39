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

	"golang.org/x/time/rate"
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

// bucket returns the token bucket that keeps any window of length W within N
// requests: a burst of half the budget lets a plan of a few hundred requests
// run unthrottled, and the other half refills over the window, so a long
// apply settles at half the budget rate and whichever way the server aligns
// its windows, burst plus refill never exceed N.
func (r RateLimit) bucket() (limit rate.Limit, burst int) {
	burst = max(1, r.Requests/2)
	refill := r.Requests - burst
	if refill < 1 {
		// A budget of one request per window: refill after a whole window.
		return rate.Limit(1 / r.Window.Seconds()), burst
	}
	return rate.Limit(float64(refill) / r.Window.Seconds()), burst
}

// gate is what every request passes before it is sent: the token bucket, the
// shared "blocked until" time set by a 429 or an exhausted Ratelimit header,
// and the bound on requests in flight.
type gate struct {
	limiter *rate.Limiter
	sem     chan struct{}
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error

	mu           sync.Mutex
	blockedUntil time.Time
}

func newGate(rl RateLimit, concurrency int, now func() time.Time, sleep func(context.Context, time.Duration) error) *gate {
	limit, burst := rl.bucket()
	return &gate{
		limiter: rate.NewLimiter(limit, burst),
		sem:     make(chan struct{}, concurrency),
		now:     now,
		sleep:   sleep,
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

func (g *gate) release() { <-g.sem }

func (g *gate) wait(ctx context.Context) (time.Duration, error) {
	var waited time.Duration
	if err := g.waitBlocked(ctx, &waited); err != nil {
		return waited, err
	}
	now := g.now()
	r := g.limiter.ReserveN(now, 1)
	if !r.OK() {
		return waited, fmt.Errorf("rate limiter: burst too small")
	}
	if d := r.DelayFrom(now); d > 0 {
		if err := g.sleep(ctx, d); err != nil {
			r.CancelAt(g.now())
			return waited, err
		}
		waited += d
	}
	// A 429 may have arrived while this request waited for its token.
	return waited, g.waitBlocked(ctx, &waited)
}

func (g *gate) waitBlocked(ctx context.Context, waited *time.Duration) error {
	for {
		g.mu.Lock()
		until := g.blockedUntil
		g.mu.Unlock()
		d := until.Sub(g.now())
		if d <= 0 {
			return ctx.Err()
		}
		if err := g.sleep(ctx, d); err != nil {
			return err
		}
		*waited += d
	}
}

// blockUntil holds back every request of the client until t.
func (g *gate) blockUntil(t time.Time) {
	g.mu.Lock()
	if t.After(g.blockedUntil) {
		g.blockedUntil = t
	}
	g.mu.Unlock()
}

// observe reads the Ratelimit header ("default";r=50;t=30). When the shared
// budget is spent (r=0) the client stops until the reset rather than trip the
// server's lockout, which would block every tool using the same credentials.
func (g *gate) observe(h http.Header) {
	remaining, reset, ok := parseRatelimitHeader(h.Get("Ratelimit"))
	if !ok || remaining > 0 {
		return
	}
	g.blockUntil(g.now().Add(reset))
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
			reset, gotT = time.Duration(n*float64(time.Second)), true
		}
	}
	return remaining, reset, gotR && gotT
}

// retryAfter reads the server's wait hint: Retry-After-Ms, then Retry-After
// in seconds or as an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 && !math.IsInf(ms, 0) {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s < 0 || math.IsInf(s, 0) || math.IsNaN(s) {
			return 0, false
		}
		return time.Duration(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now)), true
	}
	return 0, false
}
