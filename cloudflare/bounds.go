package cloudflare

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/idpsync/idpsync/internal/sanitize"
)

// The bounds on what a server can make the client do. A hostile or broken
// server (or anything between it and the runner) must not hang a CI job nor
// fill its memory: every wait it asks for, every answer and every listing has
// a ceiling, and going past one fails the request with an error that says
// which ceiling and what the server sent.
const (
	// DefaultMaxWait bounds one wait a server asks for. Cloudflare answers 429
	// to every call for five minutes once the global limit is exceeded
	// (REFERENCE.md §1.5, D-LIM), so an honest Retry-After is at most 300 s;
	// the extra minute covers rounding and clock skew.
	DefaultMaxWait = 6 * time.Minute
	// DefaultMaxResponseBytes bounds one answer's body. A page of 1000 IdPs
	// (the largest page the client asks for) is a few MiB.
	DefaultMaxResponseBytes = 16 << 20
	// DefaultMaxListObjects bounds the objects one listing collects: far more
	// IdPs, certificate sets or shares than any account holds.
	DefaultMaxListObjects = 20_000
	// DefaultMaxListBytes bounds the answers of one listing, summed, so that
	// pages that grow without end cannot fill memory below the object cap.
	DefaultMaxListBytes = 64 << 20
)

// announceAfter is the shortest wait reported through Options.OnWait: shorter
// pauses are routine pacing, not something to explain.
const announceAfter = time.Second

// WaitReason says why the client waits.
type WaitReason string

const (
	// WaitRetryAfter: an answer (429, or a 5xx) named how long to wait, in
	// Retry-After or Retry-After-Ms. Every request of the client waits.
	WaitRetryAfter WaitReason = "retry-after"
	// WaitRateLimit: the Ratelimit header said the server's window has no
	// requests left; the client waits for its reset.
	WaitRateLimit WaitReason = "ratelimit"
	// WaitBudget: the client's own request budget (Options.RateLimit) is spent.
	WaitBudget WaitReason = "budget"
	// WaitBackoff: the client backs off before retrying a failed request.
	WaitBackoff WaitReason = "backoff"
)

// WaitEvent tells Options.OnWait that the client is about to wait. Header and
// Value are what the server sent, sanitised for printing; both are empty for
// the client's own waits.
type WaitEvent struct {
	Reason   WaitReason
	Duration time.Duration
	Until    time.Time
	// Header and Value name the response header that asked for the wait,
	// e.g. "Retry-After" and "120".
	Header, Value string
	// Status is the HTTP status of the answer that asked for it, 0 if none.
	Status int
	// Method and Path name the request whose answer asked for the wait, or
	// (for WaitBudget and WaitRateLimit) the request held back.
	Method, Path string
}

// WaitError says a server asked for a wait longer than Options.MaxWait; the
// client does not wait, and the request fails.
type WaitError struct {
	Method, Path string
	// Header and Value are what the server sent, sanitised and shortened.
	Header, Value string
	// Wait is how long that is, saturated at the largest time.Duration; Until
	// is when it ends, which says more when the wait is centuries long.
	Wait  time.Duration
	Until time.Time
	Max   time.Duration
	// Status is the HTTP status of the answer that carried the header; Err
	// is that answer (an *APIError). Neither is set for a Ratelimit header
	// read off an earlier answer.
	Status int
	Err    error
}

func (e *WaitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: the API ", e.Method, e.Path)
	if e.Status != 0 {
		fmt.Fprintf(&b, "answered %d %s and ", e.Status, http.StatusText(e.Status))
	}
	fmt.Fprintf(&b, "asked to wait %s (%s: %s), longer than the %s idpsync waits at most; hint: try again later, or raise --max-retry-wait if so long a wait is expected",
		humanWait(e.Wait, e.Until), e.Header, e.Value, e.Max)
	return b.String()
}

func (e *WaitError) Unwrap() error { return e.Err }

// humanWait says how long d is in the largest unit that reads well. A wait
// past what a Duration holds is given by its end when the server named one
// (an HTTP date), else as what it is.
func humanWait(d time.Duration, until time.Time) string {
	switch {
	case d == math.MaxInt64 && !until.IsZero():
		return "until " + until.UTC().Format(time.RFC3339)
	case d == math.MaxInt64:
		return "for more than 292 years"
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int64(d/(24*time.Hour)))
	}
	return d.Round(time.Second).String()
}

// LimitError says an answer or a listing went past one of the client's
// ceilings on size (Options.MaxResponseBytes, MaxListObjects, MaxListBytes).
type LimitError struct {
	Method, Path string
	// What is measured: "answer", "listing".
	What string
	// Limit is the ceiling, in Unit ("bytes" or "objects").
	Limit int64
	Unit  string
	// Page is the page at which a listing went past it, 0 for an answer.
	Page int
}

func (e *LimitError) Error() string {
	limit := fmt.Sprintf("%d %s", e.Limit, e.Unit)
	if e.Unit == "bytes" && e.Limit >= 1<<20 {
		limit = fmt.Sprintf("%d MiB", e.Limit>>20)
	}
	if e.What == "answer" {
		return fmt.Sprintf("%s %s: the answer is larger than %s, the most idpsync reads of one answer; the server or something between it and idpsync is misbehaving", e.Method, e.Path, limit)
	}
	return fmt.Sprintf("%s %s: the listing holds more than %s by page %d, the most idpsync reads of one listing; the server may be paging without end", e.Method, e.Path, limit, e.Page)
}

// waitHint is a wait a response asked for.
type waitHint struct {
	d      time.Duration // saturated at math.MaxInt64
	until  time.Time
	header string
	value  string // as sent; sanitise before showing
}

// serverWait reads the server's wait hint: Retry-After-Ms, then Retry-After
// in seconds or as an HTTP date (REFERENCE.md §1.5: the order the SDK reads
// them in). A value past what a Duration holds saturates rather than wrapping
// around into a short or negative wait.
func serverWait(h http.Header, now time.Time) (waitHint, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 && !math.IsInf(ms, 0) && !math.IsNaN(ms) {
			d := seconds(ms / 1000)
			return waitHint{d: d, until: until(now, d, time.Time{}), header: "Retry-After-Ms", value: v}, true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return waitHint{}, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s < 0 || math.IsInf(s, 0) || math.IsNaN(s) {
			return waitHint{}, false
		}
		d := seconds(s)
		return waitHint{d: d, until: until(now, d, time.Time{}), header: "Retry-After", value: v}, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := max(0, t.Sub(now))
		return waitHint{d: d, until: until(now, d, t), header: "Retry-After", value: v}, true
	}
	return waitHint{}, false
}

// seconds converts s to a Duration, saturating.
func seconds(s float64) time.Duration {
	if s*float64(time.Second) >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(s * float64(time.Second))
}

// until is when a wait of d from now ends: exact, when the server gave a date.
func until(now time.Time, d time.Duration, exact time.Time) time.Time {
	if !exact.IsZero() {
		return exact
	}
	if d == math.MaxInt64 {
		return time.Time{}
	}
	return now.Add(d)
}

// shownValue is a header value fit for an error message: sanitised, and cut
// short, since a server can send kilobytes of it.
func shownValue(v string) string {
	const max = 64
	v = sanitize.Text(v)
	if len(v) > max {
		cut := max
		for cut > 0 && !utf8RuneStart(v[cut]) {
			cut--
		}
		v = v[:cut] + "…"
	}
	return v
}

func utf8RuneStart(b byte) bool { return b&0xc0 != 0x80 }

// announce reports a wait through Options.OnWait, once per stretch of waiting:
// the requests held back together wait for the same moment, and a burst of
// events for one pause would only be noise. A wait is reported when the last
// reported one is over, or when it ends notably later.
func (c *Client) announce(ev WaitEvent) {
	if c.onWait == nil || ev.Duration < announceAfter {
		return
	}
	ev.Value = shownValue(ev.Value)
	c.announceMu.Lock()
	now := c.now()
	fresh := !now.Before(c.announced) || ev.Until.Sub(c.announced) >= 10*time.Second
	if fresh {
		c.announced = ev.Until
	}
	c.announceMu.Unlock()
	if fresh {
		c.onWait(ev)
	}
}
