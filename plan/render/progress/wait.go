package progress

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/internal/sanitize"
)

// WaitLine says in one line what the API client waits for and how long, so
// that a run that pauses for minutes does not look hung:
//
//	Waiting 2m0s (until 16:45:12 UTC): the API answered 429 Too Many Requests with Retry-After: 120 (GET /accounts/…/access/identity_providers)
func WaitLine(ev cloudflare.WaitEvent) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Waiting %s", ev.Duration.Round(time.Second))
	if !ev.Until.IsZero() {
		fmt.Fprintf(&b, " (until %s)", ev.Until.UTC().Format("15:04:05 UTC"))
	}
	b.WriteString(": ")
	switch ev.Reason {
	case cloudflare.WaitRetryAfter:
		b.WriteString("the API answered")
		if ev.Status != 0 {
			fmt.Fprintf(&b, " %d %s", ev.Status, http.StatusText(ev.Status))
		}
		if ev.Header != "" {
			fmt.Fprintf(&b, " with %s: %s", ev.Header, ev.Value)
		}
	case cloudflare.WaitRateLimit:
		// The header is the one that said when the window ends, not the
		// latest: its remaining count was spent by the requests sent since,
		// and quoting it alone would read as a wait with requests to spare.
		fmt.Fprintf(&b, "the API's rate limit window is spent by the requests sent in it; it resets as %s: %s said", ev.Header, ev.Value)
	case cloudflare.WaitBudget:
		b.WriteString("the request budget of --rate-limit is spent")
	case cloudflare.WaitBackoff:
		b.WriteString("backing off before a retry")
	default:
		b.WriteString(string(ev.Reason))
	}
	if ev.Method != "" {
		fmt.Fprintf(&b, " (%s %s)", ev.Method, ev.Path)
	}
	// The header value is the server's text; the client sanitised it, and
	// this line does again, since it is printed as it is.
	return sanitize.Text(b.String())
}

// waitingFor names what a wait waits for, in a few words for a status line.
func waitingFor(r cloudflare.WaitReason) string {
	switch r {
	case cloudflare.WaitRetryAfter:
		return "the API's Retry-After"
	case cloudflare.WaitRateLimit:
		return "the API's rate limit window"
	case cloudflare.WaitBudget:
		return "the request budget (--rate-limit)"
	case cloudflare.WaitBackoff:
		return "a retry's backoff"
	}
	return sanitize.Text(string(r))
}
