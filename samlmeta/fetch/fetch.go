package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"

	"github.com/idpsync/idpsync/samlmeta"
)

// DefaultTimeout bounds one fetch, connection, redirects and body included.
const DefaultTimeout = 15 * time.Second

// maxRedirects is how many redirects a fetch follows; IdPs use one at most.
const maxRedirects = 5

// Fetcher fetches and parses IdP metadata. The zero value is ready to use.
type Fetcher struct {
	// Timeout bounds each fetch; zero means DefaultTimeout.
	Timeout time.Duration
	// MaxSize caps the response body; zero means samlmeta.MaxSize (1 MiB).
	MaxSize int64
	// RootCAs replaces the system roots, for tests against httptest.
	RootCAs *x509.CertPool
	// Logger, when set, logs each fetch at debug level (URL, status, size,
	// duration; never the body).
	Logger *slog.Logger
	// UserAgent is sent with each request.
	UserAgent string
}

// Error is a failed fetch. It says which URL and why, in words chosen here:
// nothing from the response body or the server's error text.
type Error struct {
	URL    string
	Status int // the HTTP status, when there was a response
	Reason string
	// Metadata is the parse error, positioned inside the response, when the
	// response arrived but is not usable metadata.
	Metadata *samlmeta.Error
	err      error
}

func (e *Error) Error() string {
	switch {
	case e.Metadata != nil:
		return fmt.Sprintf("metadata from %s: %s", e.URL, e.Metadata)
	case e.Status != 0:
		return fmt.Sprintf("metadata from %s: HTTP status %d", e.URL, e.Status)
	}
	return fmt.Sprintf("metadata from %s: %s", e.URL, e.Reason)
}

// Unwrap gives context errors to errors.Is, so a cancelled run is recognised.
func (e *Error) Unwrap() error { return e.err }

// CheckURL reports whether raw may be fetched: an absolute https URL, or
// http to a loopback address (samlmeta.CheckURL). Fetch calls it again.
func CheckURL(raw string) error { return samlmeta.CheckURL(raw) }

// Fetch downloads raw and parses it as an IdP's metadata.
func (f *Fetcher) Fetch(ctx context.Context, raw string) (*samlmeta.IdP, error) {
	shown := raw
	if u, err := url.Parse(raw); err == nil {
		shown = u.Redacted()
	}
	fail := func(status int, reason string, err error) error {
		return &Error{URL: shown, Status: status, Reason: reason, err: err}
	}
	if err := CheckURL(raw); err != nil {
		return nil, fail(0, err.Error(), nil)
	}
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	limit := f.MaxSize
	if limit <= 0 {
		limit = samlmeta.MaxSize
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errTimeout)
	defer cancel()

	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, fail(0, "not a valid request URL", nil)
	}
	req.Header.Set("Accept", "application/samlmetadata+xml, application/xml;q=0.9, text/xml;q=0.8")
	if f.UserAgent != "" {
		req.Header.Set("User-Agent", f.UserAgent)
	}
	resp, err := f.client().Do(req)
	if err != nil {
		return nil, fail(0, reason(ctx, err), ctxErr(ctx))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		f.log(ctx, shown, resp.StatusCode, 0, start)
		return nil, fail(resp.StatusCode, "", nil)
	}
	if resp.ContentLength > limit {
		f.log(ctx, shown, resp.StatusCode, resp.ContentLength, start)
		return nil, fail(0, fmt.Sprintf("response larger than %d KiB", limit>>10), nil)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	f.log(ctx, shown, resp.StatusCode, int64(len(body)), start)
	if err != nil {
		return nil, fail(0, reason(ctx, err), ctxErr(ctx))
	}
	if int64(len(body)) > limit {
		return nil, fail(0, fmt.Sprintf("response larger than %d KiB", limit>>10), nil)
	}
	idp, err := samlmeta.Parse(body)
	if err != nil {
		var me *samlmeta.Error
		if errors.As(err, &me) {
			return nil, &Error{URL: shown, Metadata: me}
		}
		return nil, fail(0, "not usable metadata", nil)
	}
	return idp, nil
}

func (f *Fetcher) log(ctx context.Context, u string, status int, size int64, start time.Time) {
	if f.Logger == nil {
		return
	}
	f.Logger.LogAttrs(ctx, slog.LevelDebug, "metadata fetch",
		slog.String("url", u), slog.Int("status", status), slog.Int64("bytes", size),
		slog.Duration("duration", time.Since(start).Round(time.Millisecond)))
}

var errTimeout = errors.New("metadata fetch timed out")

func ctxErr(ctx context.Context) error {
	if ctx.Err() == nil {
		return nil
	}
	return context.Cause(ctx)
}

// reason turns a transport error into a fixed phrase: the error text itself
// may quote what the server sent (a TLS alert, a malformed status line).
func reason(ctx context.Context, err error) string {
	var re *redirectError
	var ce *connectError
	var ue *url.Error
	switch {
	case errors.Is(context.Cause(ctx), errTimeout):
		return "timed out"
	case ctx.Err() != nil:
		return "cancelled"
	case errors.As(err, &re):
		return re.reason
	case errors.As(err, &ce):
		return ce.reason
	case errors.As(err, &ue) && ue.Timeout():
		return "timed out"
	}
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	switch {
	case errors.As(err, &certErr), errors.As(err, &recErr):
		return "TLS handshake failed"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "host not found"
	}
	return "request failed"
}

type redirectError struct{ reason string }

func (e *redirectError) Error() string { return e.reason }

type connectError struct{ reason string }

func (e *connectError) Error() string { return e.reason }

// client builds an HTTP client whose plain-http transport can reach only
// loopback addresses, whatever a name resolves to and wherever a redirect
// points.
func (f *Fetcher) client() *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	secure := &http.Transport{
		Proxy:               nil, // a proxy would see the URL; there is no need for one here
		DialContext:         dialer.DialContext,
		TLSClientConfig:     &tls.Config{RootCAs: f.RootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: 10 * time.Second,
		ForceAttemptHTTP2:   true,
		DisableKeepAlives:   true,
	}
	loopbackOnly := &net.Dialer{Timeout: 10 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			return &connectError{"plain http is allowed only to a loopback address"}
		}
		return nil
	}}
	plain := &http.Transport{DialContext: loopbackOnly.DialContext, DisableKeepAlives: true}
	return &http.Client{
		Transport: schemeMux{"https": secure, "http": plain},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return &redirectError{fmt.Sprintf("more than %d redirects", maxRedirects)}
			}
			if req.URL.Scheme != via[0].URL.Scheme {
				return &redirectError{"redirect to another scheme refused"}
			}
			if err := CheckURL(req.URL.String()); err != nil {
				return &redirectError{"redirect refused: " + err.Error()}
			}
			return nil
		},
	}
}

// schemeMux sends each request to the transport of its scheme.
type schemeMux map[string]http.RoundTripper

func (m schemeMux) RoundTrip(req *http.Request) (*http.Response, error) {
	rt, ok := m[req.URL.Scheme]
	if !ok {
		return nil, &redirectError{"the scheme must be https"}
	}
	return rt.RoundTrip(req)
}
