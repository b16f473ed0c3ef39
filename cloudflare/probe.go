package cloudflare

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxProbeBody bounds what a probe reads of an answer: one page of the
// largest listing idpsync asks for is far smaller.
const maxProbeBody = 8 << 20

// Probe is the answer to one read sent to learn what idpsync may read
// (idpsync doctor). Body is for checking the answer's shape; nothing of it
// is meant to be shown.
type Probe struct {
	Method, Path string // Path is relative to the base URL, without the query
	Status       int
	ContentType  string
	Body         []byte
	// Scheme is the credential the request carried: "token" or "api_key".
	Scheme string
	// Codes are the error codes of a failure's envelope, when it has one.
	Codes []int
	// ResultInfo is the envelope's result_info, when it has one.
	ResultInfo *ResultInfo
	// RateLimit is what the answer's rate-limit headers said.
	RateLimit RateLimitHeaders
}

// RateLimitHeaders is what Cloudflare's Ratelimit ("default";r=<remaining>;
// t=<seconds to reset>) and Ratelimit-Policy ("default";q=<budget>;
// w=<window seconds>) headers of one answer said (REFERENCE.md §1.5).
type RateLimitHeaders struct {
	Seen      bool          `json:"seen"`
	Remaining int           `json:"remaining,omitempty"`
	Reset     time.Duration `json:"reset_ns,omitempty"`
	Quota     int           `json:"quota,omitempty"`
	Window    time.Duration `json:"window_ns,omitempty"`
}

// Credentials says which credentials the client holds, and which one each
// endpoint family gets: the token for /accounts and /access, the global key
// for /shares when both are held.
func (c *Client) Credentials() (token, key bool) { return c.token != "", c.email != "" && c.key != "" }

// SchemeFor names the credential a request to the /shares endpoints (shares)
// or any other endpoint carries: "token" or "api_key".
func (c *Client) SchemeFor(shares bool) string {
	if c.token == "" || shares && c.email != "" && c.key != "" {
		return schemeAPIKey
	}
	return schemeToken
}

// Probe sends one GET to the owner's path (an account id or idptype.ZoneKey,
// then the path segments) and returns the answer whatever its status. It is
// sent once: a refusal is the answer doctor wants to see, not one to retry.
// It keeps to the client's rate budget like every other request.
func (c *Client) Probe(ctx context.Context, owner string, segs []string, query url.Values) (*Probe, error) {
	if err := checkIDs("probe", "account id", owner); err != nil {
		return nil, err
	}
	f := accessFamily
	if len(segs) > 0 && segs[0] == "shares" {
		f = shareFamily
	}
	return c.probe(ctx, request{method: http.MethodGet, path: accountPath(owner, segs...), query: query, family: f})
}

// ProbeAccounts sends the first page of GET /accounts, as ListAccounts asks
// for it, once, and returns the answer whatever its status: plans read the
// organizations of many accounts through it, and fall back to each
// account's details when it is refused.
func (c *Client) ProbeAccounts(ctx context.Context) (*Probe, error) {
	return c.probe(ctx, request{method: http.MethodGet, path: "/accounts", query: url.Values{"page": {"1"}, "per_page": {strconv.Itoa(accountPerPage)}}, family: accessFamily})
}

// AccountsPerPage is the page size ListAccounts asks GET /accounts for.
const AccountsPerPage = accountPerPage

func (c *Client) probe(ctx context.Context, req request) (*Probe, error) {
	query, f := req.query, req.family
	if _, err := c.gate.acquire(ctx); err != nil {
		return nil, err
	}
	defer c.gate.release()
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	target := c.base.String() + req.path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	hreq, err := http.NewRequestWithContext(actx, req.method, target, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", req.path, err)
	}
	scheme := c.authorize(hreq, f)
	hreq.Header.Set("User-Agent", c.userAgent)
	hreq.Header.Set("Accept", "application/json")
	start := time.Now()
	c.requests.Add(1)
	hresp, err := c.hc.Do(hreq)
	if err != nil {
		aerr := c.classifyTransportError(ctx, actx, req, err)
		c.logAttempt(ctx, req, scheme, 0, 0, time.Since(start), "", aerr.err)
		return nil, aerr.err
	}
	defer hresp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(hresp.Body, maxProbeBody+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: read the answer: %w", req.path, err)
	}
	if len(raw) > maxProbeBody {
		return nil, fmt.Errorf("GET %s: the answer is larger than %d MiB", req.path, maxProbeBody>>20)
	}
	c.answered.Store(true)
	c.gate.observe(hresp.Header)
	c.observeDate(hresp.Header, c.now())
	p := &Probe{
		Method: req.method, Path: req.path, Status: hresp.StatusCode, ContentType: hresp.Header.Get("Content-Type"),
		Body: raw, Scheme: scheme,
		RateLimit: rateLimitHeaders(hresp.Header),
	}
	if hresp.StatusCode == http.StatusTooManyRequests {
		c.tooMany.Add(1)
	}
	if env, err := decodeEnvelope(f, raw); err == nil {
		p.ResultInfo = env.resultInfo
		for _, m := range env.errors {
			p.Codes = append(p.Codes, m.Code)
		}
	}
	c.logAttempt(ctx, req, scheme, 0, hresp.StatusCode, time.Since(start), hresp.Header.Get("Cf-Ray"), nil)
	return p, nil
}

func rateLimitHeaders(h http.Header) RateLimitHeaders {
	var out RateLimitHeaders
	if r, t, ok := parseRatelimitHeader(h.Get("Ratelimit")); ok {
		out.Seen, out.Remaining, out.Reset = true, r, t
	}
	for _, part := range strings.Split(h.Get("Ratelimit-Policy"), ";") {
		k, v, found := strings.Cut(strings.TrimSpace(part), "=")
		if !found {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			continue
		}
		switch strings.TrimSpace(k) {
		case "q":
			out.Quota, out.Seen = n, true
		case "w":
			out.Window, out.Seen = time.Duration(n)*time.Second, true
		}
	}
	return out
}
