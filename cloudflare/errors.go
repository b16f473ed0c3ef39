package cloudflare

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/idpsync/idpsync/internal/sanitize"
)

// APIError is a non-2xx answer of the API, or a 2xx answer whose envelope says
// success: false. Its text names the request and the API's own messages; it
// never carries request headers or bodies, so it cannot leak a credential.
type APIError struct {
	Status int
	Method string
	// Path is relative to the base URL, without the query string.
	Path   string
	Errors []Message
	// RayID is the Cf-Ray header, which Cloudflare support asks for.
	RayID string
	// Hint says what the user can do about it, when the client knows.
	Hint string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d", e.Method, e.Path, e.Status)
	if t := http.StatusText(e.Status); t != "" {
		b.WriteString(" " + t)
	}
	for i, m := range e.Errors {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		// The server's words: nothing in them may steer a terminal or a
		// CI log (an escape sequence, a line read as a workflow command).
		fmt.Fprintf(&b, "[%d] %s", m.Code, sanitize.Text(m.Message))
	}
	if e.RayID != "" {
		fmt.Fprintf(&b, " (ray %s)", sanitize.Text(e.RayID))
	}
	if e.Hint != "" {
		b.WriteString("; hint: " + e.Hint)
	}
	return b.String()
}

// IsNotFound reports whether err is, or wraps, an API answer of 404.
func IsNotFound(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

// AmbiguousError says a write may or may not have been applied: the request
// was sent but the answer was lost (timeout, dropped connection) or was a 5xx.
// The client reads back before retrying a create; this error surfaces only when
// the read-back cannot decide or the retries ran out.
type AmbiguousError struct {
	Method, Path string
	Err          error
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%s %s: outcome unknown (the request may have been applied): %v", e.Method, e.Path, e.Err)
}

func (e *AmbiguousError) Unwrap() error { return e.Err }

// UnreachableError says the API could not be reached in a way retrying does
// not fix: the host does not resolve, or refused the first connection.
type UnreachableError struct {
	URL  string // the base URL, credentials redacted
	Err  error
	Hint string
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach the API at %s: %v; hint: %s", e.URL, e.Err, e.Hint)
}

func (e *UnreachableError) Unwrap() error { return e.Err }
