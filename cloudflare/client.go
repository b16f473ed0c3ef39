package cloudflare

import (
	"github.com/idpsync/idpsync/idptype"

	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// DefaultBaseURL is the Cloudflare API v4 endpoint.
const DefaultBaseURL = "https://api.cloudflare.com/client/v4"

// Options configures a Client. Zero values take the documented defaults.
type Options struct {
	BaseURL string // default DefaultBaseURL
	// Token is an API token, sent as Authorization: Bearer.
	Token string
	// Email and Key are the legacy global API key, sent as X-Auth-Email and
	// X-Auth-Key. With a Token too, they are used for the /shares endpoints
	// only: see Client.authorize.
	Email, Key string
	// HTTPClient defaults to a client whose transport keeps enough idle
	// connections for Concurrency requests in flight.
	HTTPClient *http.Client
	// RateLimit is the budget the client keeps to; default 1200 per 5m.
	RateLimit RateLimit
	// Concurrency bounds requests in flight; default 8.
	Concurrency int
	// Timeout bounds each attempt of a request; default 30s.
	Timeout time.Duration
	// MaxRetries is the number of retries after the first attempt; default 6.
	// Negative means none.
	MaxRetries int
	// Logger receives one debug record per attempt; nil logs nothing.
	Logger *slog.Logger
	// UserAgent, e.g. "idpsync/1.2.3"; default "idpsync".
	UserAgent string
	// Sleep waits for backoff and rate limits; nil uses a real timer. It must
	// return ctx.Err() when ctx ends first.
	Sleep func(ctx context.Context, d time.Duration) error
	// MaxWait bounds one wait a server asks for (Retry-After, Retry-After-Ms,
	// the Ratelimit header's reset): a longer one fails the request with a
	// *WaitError instead; default DefaultMaxWait.
	MaxWait time.Duration
	// MaxResponseBytes bounds one answer's body; default
	// DefaultMaxResponseBytes. Past it the request fails with a *LimitError.
	MaxResponseBytes int64
	// MaxListObjects and MaxListBytes bound one listing, every page
	// counted; defaults DefaultMaxListObjects and DefaultMaxListBytes.
	MaxListObjects int
	MaxListBytes   int64
	// OnWait, when set, is told before the client waits a second or more
	// (see WaitEvent), once per stretch of waiting, so that a command can
	// show what it waits for. It is called from the goroutine that waits and
	// must not block.
	OnWait func(WaitEvent)
}

// ClientStats counts what a client did, for benchmarks and diagnostics.
type ClientStats struct {
	// Requests is every attempt sent over the wire, read-backs included.
	Requests int64
	// Retries is attempts after the first of the same call.
	Retries int64
	// TooManyRequests is 429 answers seen.
	TooManyRequests int64
	// ReadBacks is the reads made to learn whether an interrupted write happened.
	ReadBacks int64
	// Throttled is requests that waited for the rate budget.
	Throttled int64
}

// Client calls the Cloudflare API. It is safe for concurrent use; all of its
// requests share one rate budget and one bound on requests in flight.
type Client struct {
	base       *url.URL
	hc         *http.Client
	token      string
	email, key string
	userAgent  string
	timeout    time.Duration
	maxRetries int
	log        *slog.Logger
	sleep      func(context.Context, time.Duration) error
	now        func() time.Time
	jitter     func() float64
	gate       *gate
	redact     redactor

	maxWait                   time.Duration
	maxResponse, maxListBytes int64
	maxListObjects            int
	onWait                    func(WaitEvent)
	announceMu                sync.Mutex
	announced                 time.Time

	requests, retries, tooMany, readBacks, throttled atomic.Int64
	// answered is set by the first HTTP answer: a refused connection before
	// it means a wrong endpoint, after it a passing fault.
	answered atomic.Bool

	// skew is the API's clock minus ours, in nanoseconds, from the Date
	// header of the latest response; hasSkew says whether one was seen.
	skew    atomic.Int64
	hasSkew atomic.Bool
}

// ServerTime is the API's clock, as its latest Date header showed it, moved
// on by our own clock since. Certificate lifetimes are Cloudflare's to
// measure (it rotates 30 days before expiry by its own clock), so a runner
// whose clock is off still plans rotations when Cloudflare would. ok is false
// before any response carried a Date.
func (c *Client) ServerTime() (t time.Time, ok bool) {
	if !c.hasSkew.Load() {
		return time.Time{}, false
	}
	return c.now().Add(time.Duration(c.skew.Load())), true
}

// observeDate records how far the API's clock is from ours. Date has whole
// seconds, so skews under two seconds are noise and ignored.
func (c *Client) observeDate(h http.Header, received time.Time) {
	d, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return
	}
	skew := d.Sub(received)
	if skew > -2*time.Second && skew < 2*time.Second {
		skew = 0
	}
	c.skew.Store(int64(skew))
	c.hasSkew.Store(true)
}

// New returns a client. It fails when no credentials are set, or when they
// would travel over plain HTTP to anything but a loopback host.
func New(opts Options) (*Client, error) {
	if opts.BaseURL == "" {
		opts.BaseURL = DefaultBaseURL
	}
	// The endpoint comes from a flag or CLOUDFLARE_BASE_URL: no error quotes
	// it raw (url.Parse's does), and it may carry no credentials, which
	// would travel in every request and show wherever the endpoint does
	// (saved plans, errors).
	base, err := url.Parse(strings.TrimRight(opts.BaseURL, "/"))
	if err != nil {
		return nil, errors.New("api endpoint: not a valid URL")
	}
	if base.User != nil {
		return nil, fmt.Errorf("api endpoint %s: credentials in the URL are not allowed; use CLOUDFLARE_API_TOKEN or --api-token-file", base.Redacted())
	}
	if base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("api endpoint %s://%s%s: a query or fragment is not allowed", base.Scheme, base.Host, base.EscapedPath())
	}
	switch {
	case opts.Token == "" && opts.Email == "" && opts.Key == "":
		return nil, errors.New("no API credentials: set an API token (or the legacy email and global API key)")
	case opts.Token == "" && (opts.Email == "" || opts.Key == ""):
		return nil, errors.New("the legacy global API key needs both the email and the key")
	}
	switch base.Scheme {
	case "https":
	case "http":
		if !isLoopback(base.Hostname()) {
			return nil, fmt.Errorf("api endpoint %s: refusing to send credentials over plain http to a non-loopback host; use https", base.Redacted())
		}
	default:
		return nil, fmt.Errorf("api endpoint %s: scheme must be https (or http to a loopback host)", base.Redacted())
	}
	if base.Host == "" {
		return nil, fmt.Errorf("api endpoint %s: no host", base.Redacted())
	}
	if opts.RateLimit == (RateLimit{}) {
		opts.RateLimit = DefaultRateLimit
	}
	if opts.RateLimit.Requests < 1 || opts.RateLimit.Window <= 0 {
		return nil, fmt.Errorf("rate limit %d/%s: must be positive", opts.RateLimit.Requests, opts.RateLimit.Window)
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxRetries == 0 {
		opts.MaxRetries = 6
	} else if opts.MaxRetries < 0 {
		opts.MaxRetries = 0
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "idpsync"
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepTimer
	}
	switch {
	case opts.MaxWait < 0 || opts.MaxResponseBytes < 0 || opts.MaxListObjects < 0 || opts.MaxListBytes < 0:
		return nil, errors.New("the bounds on waits, answers and listings must not be negative")
	}
	opts.MaxWait = cmp.Or(opts.MaxWait, DefaultMaxWait)
	opts.MaxResponseBytes = cmp.Or(opts.MaxResponseBytes, DefaultMaxResponseBytes)
	opts.MaxListObjects = cmp.Or(opts.MaxListObjects, DefaultMaxListObjects)
	opts.MaxListBytes = cmp.Or(opts.MaxListBytes, DefaultMaxListBytes)
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: newTransport(opts.Concurrency)}
	}
	c := &Client{
		base:       base,
		hc:         hc,
		token:      opts.Token,
		email:      opts.Email,
		key:        opts.Key,
		userAgent:  opts.UserAgent,
		timeout:    opts.Timeout,
		maxRetries: opts.MaxRetries,
		log:        opts.Logger,
		sleep:      opts.Sleep,
		now:        time.Now,
		jitter:     rand.Float64,

		maxWait:        opts.MaxWait,
		maxResponse:    opts.MaxResponseBytes,
		maxListObjects: opts.MaxListObjects,
		maxListBytes:   opts.MaxListBytes,
		onWait:         opts.OnWait,
	}
	c.gate = newGate(opts.RateLimit, opts.Concurrency, func() time.Time { return c.now() }, opts.Sleep)
	c.gate.maxWait = opts.MaxWait
	c.gate.announce = c.announce
	if c.log != nil && c.token != "" && c.email != "" {
		c.log.Debug("cloudflare api credentials: the API token for /access endpoints, the global API key (X-Auth-Email, X-Auth-Key) for /shares endpoints")
	}
	return c, nil
}

// CloseIdleConnections closes the connections the client keeps for reuse.
// Call it before stopping a server in the same process: a connection dialed
// for a request that another connection served is idle here but new to the
// server, and net/http's graceful shutdown waits 5 seconds for such a
// connection before it counts it as idle.
func (c *Client) CloseIdleConnections() { c.hc.CloseIdleConnections() }

func newTransport(concurrency int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = max(100, 2*concurrency)
	t.MaxIdleConnsPerHost = max(concurrency, 2)
	t.IdleConnTimeout = 90 * time.Second
	t.ResponseHeaderTimeout = 0 // the per-attempt context bounds it
	return t
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func sleepTimer(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Concurrency is the bound on the client's requests in flight. Every stage
// that fans out sizes its fan-out by it, so --concurrency is one limit for
// the whole client rather than one per stage.
func (c *Client) Concurrency() int { return cap(c.gate.sem) }

// Stats returns the counters of the client's work so far.
func (c *Client) Stats() ClientStats {
	return ClientStats{
		Requests:        c.requests.Load(),
		Retries:         c.retries.Load(),
		TooManyRequests: c.tooMany.Load(),
		ReadBacks:       c.readBacks.Load(),
		Throttled:       c.throttled.Load(),
	}
}

// family is the envelope an endpoint answers with.
type family int

const (
	accessFamily family = iota
	shareFamily
)

// request describes one API call.
type request struct {
	method string
	path   string // relative to the base URL
	query  url.Values
	body   any
	family family
	// retryAmbiguous allows a retry after a failure that may have come after
	// the server applied the request: true for reads and idempotent writes.
	retryAmbiguous bool
	// goneOK treats a 404 on a retry as success: the earlier attempt may
	// have deleted the object.
	goneOK bool
	// pem asks for the PEM download rather than a JSON envelope.
	pem bool
	// emptyOK takes a 2xx with an empty body for a success without a
	// result, for an endpoint whose answer no source documents.
	emptyOK bool
}

// response is a successful answer.
type response struct {
	status     int
	result     json.RawMessage
	resultInfo *ResultInfo
	raw        []byte
	// gone is set when a retried delete found the object already deleted.
	gone bool
	// size is the length of the answer's body, for the bounds on listings.
	size int
}

// attemptError is the outcome of one failed attempt, classified for retry.
type attemptError struct {
	err error
	// retry: worth another attempt.
	retry bool
	// ambiguous: the server may have applied the request.
	ambiguous bool
	// tooMany: a 429; the wait is already shared through the gate.
	tooMany bool
	// wait is the server's hint for the next attempt, when it gave one.
	wait time.Duration
}

// do runs a request with retries. A request that may not be repeated blindly
// (retryAmbiguous false) returns an *AmbiguousError on the first failure that
// may have been applied, so that the caller can read back.
func (c *Client) do(ctx context.Context, req request) (*response, error) {
	var body []byte
	if req.body != nil {
		var err error
		if body, err = json.Marshal(req.body); err != nil {
			return nil, fmt.Errorf("%s %s: encode request: %w", req.method, req.path, err)
		}
	}
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			c.retries.Add(1)
		}
		resp, aerr := c.attempt(ctx, req, body, attempt)
		if aerr == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// Any earlier attempt may have deleted the object, even one answered
		// 429 (some proxies answer after forwarding), and gone is gone.
		if req.goneOK && attempt > 0 && IsNotFound(aerr.err) {
			return &response{status: http.StatusNotFound, gone: true}, nil
		}
		if !req.retryAmbiguous && (aerr.ambiguous || aerr.tooMany) {
			// A 429 is normally answered before the request is processed,
			// but a read-back costs one request while a duplicate IdP or
			// share costs an incident, so creates read back after it too.
			return nil, &AmbiguousError{Method: req.method, Path: req.path, Err: aerr.err}
		}
		if !aerr.retry || attempt >= c.maxRetries {
			if aerr.ambiguous {
				return nil, &AmbiguousError{Method: req.method, Path: req.path, Err: aerr.err}
			}
			return nil, aerr.err
		}
		if aerr.tooMany {
			// The gate already holds every request until the 429's wait is over.
			continue
		}
		if err := c.backoff(ctx, attempt, aerr.wait, req); err != nil {
			return nil, err
		}
	}
}

// backoff waits before retry n+1: the server's hint when it gave one, else
// 0.5s·2ⁿ capped at 8s, less up to 25% jitter so that clients that failed
// together do not retry together.
func (c *Client) backoff(ctx context.Context, n int, hint time.Duration, req request) error {
	d := hint
	if d <= 0 {
		d = backoffDelay(n, c.jitter())
	}
	c.announce(WaitEvent{Reason: WaitBackoff, Duration: d, Until: c.now().Add(d), Method: req.method, Path: req.path})
	return c.sleep(ctx, d)
}

func backoffDelay(n int, jitter float64) time.Duration {
	d := 8 * time.Second
	if n < 5 {
		d = min(d, 500*time.Millisecond<<n)
	}
	return d - time.Duration(jitter*0.25*float64(d))
}

func (c *Client) attempt(ctx context.Context, req request, body []byte, attempt int) (*response, *attemptError) {
	waited, err := c.gate.acquire(ctx)
	if waited > 0 {
		c.throttled.Add(1)
	}
	if err != nil {
		var we *WaitError
		if errors.As(err, &we) {
			we.Method, we.Path = req.method, req.path
		}
		return nil, &attemptError{err: err}
	}
	defer c.gate.release()

	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	target := c.base.String() + req.path
	if len(req.query) > 0 {
		target += "?" + req.query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hreq, err := http.NewRequestWithContext(actx, req.method, target, rd)
	if err != nil {
		return nil, &attemptError{err: fmt.Errorf("%s %s: %w", req.method, req.path, err)}
	}
	scheme := c.authorize(hreq, req.family)
	hreq.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	if req.pem {
		hreq.Header.Set("Accept", "application/x-pem-file")
	} else {
		hreq.Header.Set("Accept", "application/json")
	}

	start := time.Now()
	c.requests.Add(1)
	hresp, err := c.hc.Do(hreq)
	var raw []byte
	if err == nil {
		raw, err = io.ReadAll(io.LimitReader(hresp.Body, c.maxResponse+1))
		hresp.Body.Close()
	}
	elapsed := time.Since(start)
	if err == nil && int64(len(raw)) > c.maxResponse {
		// Retrying would read as much again. A write was received and may
		// have been applied: whoever sent it reads back.
		lerr := &LimitError{Method: req.method, Path: req.path, What: "answer", Limit: c.maxResponse, Unit: "bytes"}
		c.answered.Store(true)
		c.logAttempt(ctx, req, scheme, attempt, hresp.StatusCode, elapsed, "", lerr)
		return nil, &attemptError{err: lerr, ambiguous: req.method != http.MethodGet}
	}
	if err != nil {
		aerr := c.classifyTransportError(ctx, actx, req, err)
		c.logAttempt(ctx, req, scheme, attempt, 0, elapsed, "", aerr.err)
		return nil, aerr
	}
	c.answered.Store(true)
	ray := hresp.Header.Get("Cf-Ray")
	c.gate.observe(hresp.Header)
	c.observeDate(hresp.Header, c.now())

	resp, aerr := c.decode(req, hresp, raw, ray, attempt)
	if aerr != nil {
		if apiErr, ok := aerr.err.(*APIError); ok && apiErr.Hint == "" {
			apiErr.Hint = c.hint(apiErr, scheme, req.family)
		}
		c.logAttempt(ctx, req, scheme, attempt, hresp.StatusCode, elapsed, ray, aerr.err)
		return nil, aerr
	}
	c.logAttempt(ctx, req, scheme, attempt, hresp.StatusCode, elapsed, ray, nil)
	resp.size = len(raw)
	return resp, nil
}

// Credential schemes, as named in --debug output.
const (
	schemeToken  = "token"
	schemeAPIKey = "api_key"
)

// authorize sets the request's credentials and returns the scheme used. The
// share endpoints declare only X-Auth-Email + X-Auth-Key security and
// x-api-token-group: null, while Cloudflare's IdP federation guide calls them
// with a Bearer token (REFERENCE.md §1.1 and §9.2). So with both configured,
// /shares gets the global API key, which the reference documents, and
// everything else the token, which is preferred; with one, it serves all.
func (c *Client) authorize(r *http.Request, f family) string {
	if c.token == "" || (f == shareFamily && c.email != "" && c.key != "") {
		r.Header.Set("X-Auth-Email", c.email)
		r.Header.Set("X-Auth-Key", c.key)
		return schemeAPIKey
	}
	r.Header.Set("Authorization", "Bearer "+c.token)
	return schemeToken
}

// classifyTransportError decides whether a request that got no answer may
// have reached the server. A refused connection never did; a timeout or a
// connection dropped mid-exchange might have.
func (c *Client) classifyTransportError(ctx, actx context.Context, req request, err error) *attemptError {
	wrapped := fmt.Errorf("%s %s: %w", req.method, req.path, err)
	if ctx.Err() != nil {
		return &attemptError{err: ctx.Err()}
	}
	if actx.Err() != nil {
		return &attemptError{err: fmt.Errorf("%s %s: no answer within %s: %w", req.method, req.path, c.timeout, err), retry: true, ambiguous: true}
	}
	// Retrying cannot fix a host name that does not resolve, nor a refused
	// connection before the API ever answered (a wrong --api-url, nothing
	// listening): fail at once, naming what to check, instead of backing off
	// for half a minute. A refusal after earlier answers is a blip: retry.
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return &attemptError{err: &UnreachableError{URL: c.base.Redacted(), Err: wrapped,
			Hint: "the API host name does not resolve: check --api-url (or CLOUDFLARE_BASE_URL) and the network"}}
	}
	if errors.Is(err, syscall.ECONNREFUSED) && !c.answered.Load() {
		return &attemptError{err: &UnreachableError{URL: c.base.Redacted(), Err: wrapped,
			Hint: "nothing accepts connections there: check --api-url (or CLOUDFLARE_BASE_URL)"}}
	}
	if notSent(err) {
		return &attemptError{err: wrapped, retry: true}
	}
	return &attemptError{err: wrapped, retry: true, ambiguous: true}
}

func notSent(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

func (c *Client) decode(req request, hresp *http.Response, raw []byte, ray string, attempt int) (*response, *attemptError) {
	status := hresp.StatusCode
	ok := status >= 200 && status < 300
	if ok && req.pem {
		return &response{status: status, raw: raw}, nil
	}
	env, decErr := decodeEnvelope(req.family, raw)
	if ok && (status == http.StatusNoContent || req.emptyOK && len(bytes.TrimSpace(raw)) == 0) {
		return &response{status: status}, nil
	}
	if ok && decErr == nil && env.success {
		return &response{status: status, result: env.result, resultInfo: env.resultInfo}, nil
	}
	apiErr := &APIError{Status: status, Method: req.method, Path: req.path, RayID: ray}
	if decErr == nil {
		apiErr.Errors = c.redact.messages(env.errors)
	}
	switch {
	case ok && decErr != nil:
		// A 2xx that is not an envelope: treat as a server fault, the write
		// may have been applied.
		return nil, &attemptError{err: fmt.Errorf("%s %s: %d: undecodable answer: %w", req.method, req.path, status, decErr), retry: true, ambiguous: true}
	case ok:
		// success: false with a 2xx status.
		return nil, &attemptError{err: apiErr}
	case status == http.StatusTooManyRequests:
		c.tooMany.Add(1)
		now := c.now()
		hint, hinted := serverWait(hresp.Header, now)
		if hinted && hint.d > c.maxWait {
			// Not retried: the wait is the server's to ask, but no CI job
			// should hang on it.
			return nil, &attemptError{err: c.waitError(req, hint, apiErr), tooMany: true}
		}
		wait := hint.d
		if !hinted {
			wait = backoffDelay(attempt, c.jitter())
		}
		// Every request of the client waits, not just this one: the others
		// would only earn 429s too, and prolong the lockout.
		c.gate.blockUntil(now.Add(wait), WaitEvent{Header: hint.header, Value: hint.value, Status: status, Method: req.method, Path: req.path})
		return nil, &attemptError{err: apiErr, retry: true, tooMany: true}
	case status >= 500:
		hint, hinted := serverWait(hresp.Header, c.now())
		if hinted && hint.d > c.maxWait {
			return nil, &attemptError{err: c.waitError(req, hint, apiErr), ambiguous: true}
		}
		return nil, &attemptError{err: apiErr, retry: true, ambiguous: true, wait: hint.d}
	default:
		return nil, &attemptError{err: apiErr}
	}
}

// waitError is the error of an answer that asked for too long a wait.
func (c *Client) waitError(req request, h waitHint, answer error) *WaitError {
	e := &WaitError{Method: req.method, Path: req.path, Header: h.header, Value: shownValue(h.value), Wait: h.d, Until: h.until, Max: c.maxWait, Err: answer}
	var ae *APIError
	if errors.As(answer, &ae) {
		e.Status = ae.Status
	}
	return e
}

type envelope struct {
	success    bool
	errors     []Message
	result     json.RawMessage
	resultInfo *ResultInfo
}

func decodeEnvelope(f family, raw []byte) (envelope, error) {
	switch f {
	case shareFamily:
		var e ShareEnvelope
		if err := json.Unmarshal(raw, &e); err != nil {
			return envelope{}, err
		}
		return envelope{e.Success, e.Errors, e.Result, e.ResultInfo}, nil
	default:
		var e AccessEnvelope
		if err := json.Unmarshal(raw, &e); err != nil {
			return envelope{}, err
		}
		return envelope{e.Success, e.Errors, e.Result, e.ResultInfo}, nil
	}
}

// logAttempt records one attempt. Headers and bodies are never logged: they
// carry the credentials and the IdPs' client secrets.
func (c *Client) logAttempt(ctx context.Context, req request, scheme string, attempt, status int, d time.Duration, ray string, err error) {
	if c.log == nil || !c.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", req.method),
		slog.String("path", req.path),
		slog.Int("status", status),
		slog.Duration("duration", d),
		slog.Int("attempt", attempt+1),
		slog.String("auth", scheme),
	}
	if q := req.query.Encode(); q != "" {
		attrs = append(attrs, slog.String("query", q))
	}
	if ray != "" {
		attrs = append(attrs, slog.String("ray", ray))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "cloudflare api request", attrs...)
}

// result decodes a response's result into v.
func (r *response) decodeResult(req request, v any) error {
	if len(r.result) == 0 || string(r.result) == "null" {
		return nil
	}
	if err := json.Unmarshal(r.result, v); err != nil {
		return fmt.Errorf("%s %s: decode result: %w", req.method, req.path, err)
	}
	return nil
}

// call runs req and decodes its result into v (which may be nil).
func (c *Client) call(ctx context.Context, req request, v any) (*response, error) {
	resp, err := c.do(ctx, req)
	if err != nil {
		return nil, err
	}
	if v != nil && !resp.gone {
		if err := resp.decodeResult(req, v); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// createWithReadBack runs a create that the API does not make idempotent.
// After a failure that may have been applied it asks readBack whether the
// object exists now, and sends the create again only if it does not, so a
// flaky connection never leaves a duplicate.
func (c *Client) createWithReadBack(ctx context.Context, req request, v any, readBack func(ctx context.Context) (bool, error)) (*response, error) {
	req.retryAmbiguous = false
	for n := 0; ; n++ {
		resp, err := c.call(ctx, req, v)
		var amb *AmbiguousError
		if err == nil || !errors.As(err, &amb) {
			return resp, err
		}
		c.readBacks.Add(1)
		found, rerr := readBack(ctx)
		if rerr != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("%w; reading back to learn whether it was applied: %v", err, rerr)
		}
		if c.log != nil {
			c.log.LogAttrs(ctx, slog.LevelDebug, "cloudflare api read-back", slog.String("method", req.method), slog.String("path", req.path), slog.Bool("applied", found))
		}
		if found {
			return &response{status: http.StatusCreated}, nil
		}
		if n >= c.maxRetries {
			return nil, err
		}
		c.retries.Add(1)
		if err := c.backoff(ctx, n, 0, req); err != nil {
			return nil, err
		}
	}
}

// accountPath joins path segments under /accounts/{accountID}; the caller
// escapes segments that are ids with url.PathEscape.
//
// A zone's owner key (idptype.ZoneKey) makes the path /zones/{zone_id}/...,
// as the SDK builds the IdP paths for a zone (cloudflare-go v7.9.0
// zero_trust/identityprovider.go, accountOrZone).
func accountPath(accountID string, segs ...string) string {
	var b strings.Builder
	if idptype.IsZone(accountID) {
		b.WriteString("/zones/")
		b.WriteString(url.PathEscape(idptype.OwnerID(accountID)))
	} else {
		b.WriteString("/accounts/")
		b.WriteString(url.PathEscape(accountID))
	}
	for _, s := range segs {
		b.WriteByte('/')
		b.WriteString(s)
	}
	return b.String()
}

// checkIDs refuses empty ids, which would address another endpoint.
func checkIDs(op string, kv ...string) error {
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			return fmt.Errorf("%s: empty %s", op, kv[i])
		}
	}
	return nil
}

// hint says what a user can change about an API error the client cannot
// retry away: refused credentials, or a base URL that lacks /client/v4 (every
// path then answers "No route for the URI").
func (c *Client) hint(e *APIError, scheme string, f family) string {
	switch {
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
		if scheme == schemeAPIKey {
			return "the API refused the credentials: check CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY"
		}
		const token = "the API refused the credentials: check CLOUDFLARE_API_TOKEN (or the file given with --api-token-file) and that the token has the permissions the README lists for this account"
		if f == shareFamily {
			// The share endpoints declare only X-Auth-Email + X-Auth-Key
			// (REFERENCE.md §1.1, §9.2): a token good for /access may still
			// be refused here, and only the global API key will do.
			return token + "; if the token works for the /access endpoints, set CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY as well: Cloudflare documents the /shares endpoints as accepting only the global API key, which idpsync then uses for them"
		}
		return token
	case e.Status == http.StatusNotFound && !strings.HasSuffix(c.base.Path, "/client/v4") && slices.ContainsFunc(e.Errors, func(m Message) bool { return m.Code == 7003 || m.Code == 7000 }):
		return fmt.Sprintf("the API base URL %s does not end in /client/v4: check --api-url (or CLOUDFLARE_BASE_URL), e.g. %s", c.base.Redacted(), DefaultBaseURL)
	}
	return ""
}
