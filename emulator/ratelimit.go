package emulator

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// RateLimit is a request budget per fixed window. The zero value is unlimited.
type RateLimit struct {
	Requests int
	Window   time.Duration
}

func (rl RateLimit) enabled() bool { return rl.Requests > 0 && rl.Window > 0 }

// String renders rl in the form ParseRateLimit reads.
func (rl RateLimit) String() string {
	if !rl.enabled() {
		return "unlimited"
	}
	return fmt.Sprintf("%d/%s", rl.Requests, rl.Window)
}

// ParseRateLimit reads "<requests>/<window>", e.g. "1200/5m" (Cloudflare's
// global limit) or "120/30s". "" and "0" mean unlimited.
func ParseRateLimit(s string) (RateLimit, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" || s == "unlimited" {
		return RateLimit{}, nil
	}
	n, w, ok := strings.Cut(s, "/")
	if !ok {
		return RateLimit{}, fmt.Errorf("rate limit %q: want <requests>/<window>, e.g. 1200/5m", s)
	}
	req, err := strconv.Atoi(n)
	if err != nil || req <= 0 {
		return RateLimit{}, fmt.Errorf("rate limit %q: requests must be a positive integer", s)
	}
	win, err := time.ParseDuration(w)
	if err != nil {
		// Allow a bare unit meaning one of it: "100/s", "1200/m".
		win, err = time.ParseDuration("1" + w)
	}
	if err != nil || win <= 0 {
		return RateLimit{}, fmt.Errorf("rate limit %q: window must be a positive duration such as 5m or 30s", s)
	}
	return RateLimit{Requests: req, Window: win}, nil
}

// limiter is a fixed window that opens at the first request after the
// previous window ended; beyond the budget every request is refused until the
// window ends, as Cloudflare refuses all calls for the rest of its window.
type limiter struct {
	rl    RateLimit
	start time.Time
	used  int
}

// take spends one request and returns whether it is allowed and the headers
// to send with the response.
func (l *limiter) take(now time.Time) (bool, map[string]string) {
	if !l.rl.enabled() {
		return true, nil
	}
	if l.start.IsZero() || !now.Before(l.start.Add(l.rl.Window)) {
		l.start, l.used = now, 0
	}
	l.used++
	reset := int(math.Ceil(l.start.Add(l.rl.Window).Sub(now).Seconds()))
	if reset < 1 {
		reset = 1
	}
	hdr := map[string]string{
		"Ratelimit-Policy": fmt.Sprintf(`"default";q=%d;w=%d`, l.rl.Requests, int(math.Ceil(l.rl.Window.Seconds()))),
	}
	allowed := l.used <= l.rl.Requests
	remaining := max(l.rl.Requests-l.used, 0)
	hdr["Ratelimit"] = fmt.Sprintf(`"default";r=%d;t=%d`, remaining, reset)
	if !allowed {
		hdr["Retry-After"] = strconv.Itoa(reset)
	}
	return allowed, hdr
}
