package emulator

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// APIPrefix is the path under which the emulated API is served.
const APIPrefix = "/client/v4"

// Options configure an Emulator.
type Options struct {
	DataFile         string   // JSON data file, loaded on start and written atomically (temp file, fsync, rename) after every write; "" keeps state in memory
	Tokens           []string // accepted bearer tokens
	Keys             []APIKey // accepted X-Auth-Email + X-Auth-Key pairs
	AutoAccounts     bool     // unknown accounts (in a path, or as a share recipient) are created on first use inside one default organization
	MaxFederatedIdPs int      // 0 means 5
	MaxPerPage       int      // > 0: serve at most this many objects a page, whatever per_page asks (as a real server may, silently)
	// RefusePerPageAbove > 0 refuses a per_page above it on every list, with
	// the emulator's error for an out-of-range per_page, as an endpoint whose
	// real maximum is below its documented one would.
	RefusePerPageAbove int
	// TokenLacks lists the permission scopes (Scope*) API tokens do not
	// carry: a request that needs one answers 403, as Cloudflare answers a
	// token without the permission. The global API key carries every scope.
	TokenLacks []Scope
	// Lenient switches on behaviours kinder than the strictest reading of
	// Cloudflare's sources; each is off by default (see doc.go).
	Lenient    Leniency
	AsyncDelay time.Duration // delay of share/recipient transitions
	Latency    time.Duration // added to every request (respect the request context)
	RateLimit  RateLimit     // zero value: unlimited
	Faults     float64       // share of requests that fail at random
	Seed       int64         // fault RNG seed; 0 = random
	// RefreshSCIMAnswer is the shape of refresh_scim_secret's answer, which
	// no source documents (RefreshSCIMAnswers); "" is RefreshIdP.
	RefreshSCIMAnswer RefreshSCIMAnswer
	// Wrap, when set, wraps the handler Start serves; tests use it to check
	// the traffic against the contract (emulator/contract).
	Wrap func(http.Handler) http.Handler
}

// APIKey is an accepted pair of X-Auth-Email and X-Auth-Key headers.
type APIKey struct{ Email, Key string }

// Stats counts the API requests served since start or the last ResetStats.
type Stats struct {
	Total    int            `json:"total"`
	Routes   map[string]int `json:"routes"`   // "GET /accounts/{account_id}/access/identity_providers": n (route template, without /client/v4)
	Statuses map[string]int `json:"statuses"` // "200": n, "429": n, ...
}

// Emulator is an in-process emulation of the Cloudflare API subset idpsync uses.
type Emulator struct {
	opts Options
	mux  *http.ServeMux
	// served lists the API routes ("GET /accounts/{account_id}/shares"),
	// which the contract test holds to the OpenAPI document.
	served []string

	// mu guards the API state; one lock keeps every request atomic.
	mu     sync.Mutex
	data   *Data
	offset time.Duration
	// index finds records by what requests look them up by.
	index index
	// nextDue is when the earliest pending transition completes; settle
	// does nothing before it unless settleAll says the data changed in a
	// way it must look at whole (replaced, an account joined, an
	// organization-wide share appeared).
	nextDue   time.Time
	settleAll bool

	// ctl guards the operational controls and counters, which the control
	// endpoints change while API requests run.
	ctl     sync.Mutex
	latency time.Duration
	faults  float64
	rng     *mrand.Rand
	limiter limiter
	stats   Stats
	// shareTokens is Options.Lenient.ShareTokens, and tokenLacks
	// Options.TokenLacks, both changeable while serving.
	shareTokens bool
	tokenLacks  map[Scope]bool
	// refreshAnswer is Options.RefreshSCIMAnswer, changeable while serving;
	// read under mu by the handler, so it is atomic rather than under ctl.
	refreshAnswer atomic.Value // RefreshSCIMAnswer
}

// RefreshSCIMAnswer is a shape refresh_scim_secret may answer in. No source
// gives the endpoint's answer (the OpenAPI documents, cloudflare-go v7.9.0,
// cloudflare-typescript and the Terraform provider name the path only), so
// the emulator can give each plausible one, and the client must read them all.
type RefreshSCIMAnswer string

const (
	// RefreshIdP answers 200 with the IdP, the new secret in scim_config.secret.
	RefreshIdP RefreshSCIMAnswer = "idp"
	// RefreshSecret answers 200 with {"secret": "..."} alone.
	RefreshSecret RefreshSCIMAnswer = "secret"
	// RefreshString answers 200 with the secret as a bare string result.
	RefreshString RefreshSCIMAnswer = "string"
	// RefreshNull answers 200 with a null result: the secret is replaced and
	// not returned.
	RefreshNull RefreshSCIMAnswer = "null"
	// RefreshEmpty answers 204 without a body: replaced, not returned.
	RefreshEmpty RefreshSCIMAnswer = "empty"
)

// RefreshSCIMAnswers lists the shapes, for flags and scripts.
var RefreshSCIMAnswers = []RefreshSCIMAnswer{RefreshIdP, RefreshSecret, RefreshString, RefreshNull, RefreshEmpty}

// SetRefreshSCIMAnswer changes the shape of refresh_scim_secret's answers.
func (e *Emulator) SetRefreshSCIMAnswer(a RefreshSCIMAnswer) error {
	if a == "" {
		a = RefreshIdP
	}
	if !slices.Contains(RefreshSCIMAnswers, a) {
		return fmt.Errorf("refresh_scim_secret answer %q: want one of %v", a, RefreshSCIMAnswers)
	}
	e.refreshAnswer.Store(a)
	return nil
}

func (e *Emulator) refreshSCIMAnswer() RefreshSCIMAnswer {
	a, _ := e.refreshAnswer.Load().(RefreshSCIMAnswer)
	return a
}

// New returns an emulator, loading Options.DataFile when it exists.
func New(opts Options) (*Emulator, error) {
	if opts.MaxFederatedIdPs == 0 {
		opts.MaxFederatedIdPs = 5
	}
	if opts.MaxFederatedIdPs < 0 {
		return nil, fmt.Errorf("max federated IdPs must be positive, got %d", opts.MaxFederatedIdPs)
	}
	if opts.MaxPerPage < 0 {
		return nil, fmt.Errorf("max per page must not be negative, got %d", opts.MaxPerPage)
	}
	if opts.Faults < 0 || opts.Faults > 1 {
		return nil, fmt.Errorf("fault rate must be between 0 and 1, got %v", opts.Faults)
	}
	seed := opts.Seed
	if seed == 0 {
		seed = mrand.Int64()
	}
	e := &Emulator{
		opts:    opts,
		data:    &Data{},
		latency: opts.Latency,
		faults:  opts.Faults,
		rng:     mrand.New(mrand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15)),
		limiter: limiter{rl: opts.RateLimit},

		shareTokens: opts.Lenient.ShareTokens,
		tokenLacks:  map[Scope]bool{},
	}
	if err := e.SetRefreshSCIMAnswer(opts.RefreshSCIMAnswer); err != nil {
		return nil, err
	}
	for _, sc := range opts.TokenLacks {
		if err := sc.valid(); err != nil {
			return nil, err
		}
		e.tokenLacks[sc] = true
	}
	e.stats = newStats()
	if opts.DataFile != "" {
		d, err := readDataFile(opts.DataFile)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return nil, fmt.Errorf("load data file: %w", err)
		default:
			if err := e.Load(d); err != nil {
				return nil, fmt.Errorf("load data file %s: %w", opts.DataFile, err)
			}
		}
	}
	e.routes()
	return e, nil
}

func newStats() Stats {
	return Stats{Routes: map[string]int{}, Statuses: map[string]int{}}
}

// Now is the emulator clock: the wall clock plus every AdvanceClock.
func (e *Emulator) Now() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now()
}

func (e *Emulator) now() time.Time { return time.Now().Add(e.offset).UTC() }

// AdvanceClock moves the emulator clock forward, which completes asynchronous
// transitions and triggers automatic certificate rotation on the next request.
func (e *Emulator) AdvanceClock(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.offset += d
	e.data.ClockOffset = e.offset.String()
	_ = e.saveLocked() // the clock is a convenience; a failed save loses nothing else
}

// SetAsyncDelay changes how long share and recipient transitions take from
// the next write on.
func (e *Emulator) SetAsyncDelay(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.opts.AsyncDelay = d
}

// SetMaxPerPage changes the most objects a list page serves; 0 serves what
// per_page asks.
func (e *Emulator) SetMaxPerPage(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.opts.MaxPerPage = max(n, 0)
}

// SetRefusePerPageAbove changes the largest per_page a list accepts below
// its own maximum; 0 leaves each list's own.
func (e *Emulator) SetRefusePerPageAbove(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.opts.RefusePerPageAbove = max(n, 0)
}

// SetMaxFederatedIdPs changes how many grants an account may hold; below 1 means 5.
func (e *Emulator) SetMaxFederatedIdPs(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if n < 1 {
		n = 5
	}
	e.opts.MaxFederatedIdPs = n
}

// SetShareTokens makes the /shares endpoints accept API tokens (on, the
// ShareTokens leniency) or refuse them (off, the default).
func (e *Emulator) SetShareTokens(on bool) {
	e.ctl.Lock()
	defer e.ctl.Unlock()
	e.shareTokens = on
}

// SetTokenLacks replaces the scopes API tokens lack.
func (e *Emulator) SetTokenLacks(scopes []Scope) error {
	m := map[Scope]bool{}
	for _, sc := range scopes {
		if err := sc.valid(); err != nil {
			return err
		}
		m[sc] = true
	}
	e.ctl.Lock()
	defer e.ctl.Unlock()
	e.tokenLacks = m
	return nil
}

// SetFaults changes the share of requests that fail at random.
func (e *Emulator) SetFaults(rate float64) {
	e.ctl.Lock()
	defer e.ctl.Unlock()
	e.faults = min(max(rate, 0), 1)
}

// SetLatency changes the delay added to every API request.
func (e *Emulator) SetLatency(d time.Duration) {
	e.ctl.Lock()
	defer e.ctl.Unlock()
	e.latency = d
}

// SetRateLimit replaces the rate limit and starts a fresh window.
func (e *Emulator) SetRateLimit(rl RateLimit) {
	e.ctl.Lock()
	defer e.ctl.Unlock()
	e.limiter = limiter{rl: rl}
}

// Stats returns a copy of the request counters.
func (e *Emulator) Stats() Stats {
	e.ctl.Lock()
	defer e.ctl.Unlock()
	s := newStats()
	s.Total = e.stats.Total
	for k, v := range e.stats.Routes {
		s.Routes[k] = v
	}
	for k, v := range e.stats.Statuses {
		s.Statuses[k] = v
	}
	return s
}

// ResetStats zeroes the request counters.
func (e *Emulator) ResetStats() {
	e.ctl.Lock()
	defer e.ctl.Unlock()
	e.stats = newStats()
}

// Snapshot returns a deep copy of all state.
func (e *Emulator) Snapshot() *Data {
	e.mu.Lock()
	defer e.mu.Unlock()
	d, err := e.data.clone()
	if err != nil {
		panic(fmt.Sprintf("emulator: snapshot: %v", err)) // the state is built from JSON; it always encodes
	}
	return d
}

// Load replaces all state with a copy of d and saves it to the data file.
func (e *Emulator) Load(d *Data) error {
	if d == nil {
		d = &Data{}
	}
	c, err := d.clone()
	if err != nil {
		return err
	}
	if err := c.validate(); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.offset = 0
	if c.ClockOffset != "" {
		e.offset, _ = time.ParseDuration(c.ClockOffset) // validated above
	}
	c.normalize(e.now(), e.opts.Lenient.AccessOrganization)
	e.data = c
	e.reindex()
	return e.saveLocked()
}

func (e *Emulator) saveLocked() error {
	if e.opts.DataFile == "" {
		return nil
	}
	return writeDataFile(e.opts.DataFile, e.data)
}

// Handler serves the API under /client/v4 and the controls under /__emulator.
func (e *Emulator) Handler() http.Handler { return http.HandlerFunc(e.serveHTTP) }

func (e *Emulator) serveHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/__emulator/"):
		e.serveControl(w, r)
	case strings.HasPrefix(r.URL.Path, APIPrefix+"/"):
		e.serveAPI(w, r)
	default:
		writeError(w, familyOf(r.URL.Path), errf(http.StatusNotFound, CodeNoRoute, "No route for the URI"))
	}
}

// family is the envelope family of a route.
type family int

const (
	familyAccess family = iota // /access/*: errors, messages, result
	familyShare                // /shares*: no messages, bare errors
)

func familyOf(path string) family {
	if strings.Contains(path, "/shares") {
		return familyShare
	}
	return familyAccess
}

// serveAPI applies the operational behaviour (latency, rate limit,
// authentication, faults, counting) around the routes.
func (e *Emulator) serveAPI(w http.ResponseWriter, r *http.Request) {
	fam := familyOf(r.URL.Path)
	e.ctl.Lock()
	latency, shareTokens, lacks := e.latency, e.shareTokens, e.tokenLacks
	e.ctl.Unlock()
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}

	_, pattern := e.mux.Handler(r)
	route := r.Method + " (no route)"
	if i := strings.Index(pattern, APIPrefix); i >= 0 && strings.TrimPrefix(pattern[i:], APIPrefix) != "/" {
		route = r.Method + " " + strings.TrimPrefix(pattern[i:], APIPrefix)
	}
	// The request is counted before it is answered, so a client that has
	// its answer always finds it in the stats; its status once it is known.
	e.count(route)
	status := "dropped"
	defer func() {
		if status != "" { // "": a dropped connection, counted as it was dropped
			e.countStatus(status)
		}
	}()

	e.ctl.Lock()
	allowed, hdr := e.limiter.take(time.Now())
	fault, faultAfter, faultKind := e.rollFault(r.Method)
	e.ctl.Unlock()
	for k, v := range hdr {
		w.Header().Set(k, v)
	}
	// Cloudflare tags every response with a ray id, which support asks for.
	w.Header().Set("Cf-Ray", newHex32()[:16]+"-EMU")
	// The Date header tells the emulator's clock, moved by AdvanceClock, the
	// way the real API's Date tells Cloudflare's.
	w.Header().Set("Date", e.Now().UTC().Format(http.TimeFormat))
	if !allowed {
		status = strconv.Itoa(writeError(w, fam, errf(http.StatusTooManyRequests, CodeRateLimited, "Rate limit exceeded: too many requests, retry after %s seconds", hdr["Retry-After"])))
		return
	}
	if err := e.authenticate(r, shareTokens, lacks); err != nil {
		status = strconv.Itoa(writeError(w, fam, err))
		return
	}
	if fault && !faultAfter {
		status = e.injectFault(w, fam, faultKind)
		return
	}
	if fault {
		// The write is committed but the client never learns: it sees a failure.
		rec := &bufferedResponse{header: http.Header{}}
		e.mux.ServeHTTP(rec, r)
		status = e.injectFault(w, fam, faultKind)
		return
	}
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	e.mux.ServeHTTP(sw, r)
	status = strconv.Itoa(sw.status)
}

func (e *Emulator) count(route string) {
	e.ctl.Lock()
	defer e.ctl.Unlock()
	e.stats.Total++
	e.stats.Routes[route]++
}

func (e *Emulator) countStatus(status string) {
	e.ctl.Lock()
	defer e.ctl.Unlock()
	e.stats.Statuses[status]++
}

// authenticate accepts the global API key on every route and an API token on
// every route but /shares (unless the ShareTokens leniency is on), and only
// for the scopes the token carries. With neither Tokens nor Keys configured,
// any well-formed credential passes.
func (e *Emulator) authenticate(r *http.Request, shareTokens bool, lacks map[Scope]bool) *apiError {
	fail := errf(http.StatusForbidden, CodeAuthentication, "Authentication error")
	open := len(e.opts.Tokens) == 0 && len(e.opts.Keys) == 0
	if auth := r.Header.Get("Authorization"); auth != "" {
		tok, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || tok == "" {
			return fail
		}
		if !shareTokens && familyOf(r.URL.Path) == familyShare {
			// The share operations declare only api_email + api_key
			// security and x-api-token-group: null (REFERENCE.md §1.1, §9.2).
			return errf(http.StatusForbidden, CodeAuthentication, "Authentication error: this endpoint does not accept API tokens; use X-Auth-Email and X-Auth-Key")
		}
		known := open
		for _, t := range e.opts.Tokens {
			if constantTimeEqual(t, tok) {
				known = true
			}
		}
		if !known {
			return fail
		}
		if sc := scopeOf(r.Method, strings.TrimPrefix(r.URL.Path, APIPrefix)); lacks[sc.Scope] || sc.write && lacks[sc.Scope+":write"] {
			// Cloudflare answers a token without the permission the way it
			// answers a bad credential: 403, code 10000.
			return fail
		}
		return nil
	}
	email, key := r.Header.Get("X-Auth-Email"), r.Header.Get("X-Auth-Key")
	if email == "" || key == "" {
		return fail
	}
	if open {
		return nil
	}
	for _, k := range e.opts.Keys {
		if strings.EqualFold(k.Email, email) && constantTimeEqual(k.Key, key) {
			return nil
		}
	}
	return fail
}

// Fault kinds.
const (
	fault500 = iota
	fault502
	fault503
	fault429
	faultDrop
	faultKinds
)

// rollFault decides whether this request fails; about half of the failures of
// writes happen after the write was committed. Caller holds e.ctl.
func (e *Emulator) rollFault(method string) (fault, after bool, kind int) {
	if e.faults <= 0 || e.rng.Float64() >= e.faults {
		return false, false, 0
	}
	kind = e.rng.IntN(faultKinds)
	if method != http.MethodGet && method != http.MethodHead {
		after = e.rng.IntN(2) == 0
	}
	return true, after, kind
}

// injectFault answers with the fault of that kind and returns the status to
// count, or "" for a dropped connection, which it has counted itself.
func (e *Emulator) injectFault(w http.ResponseWriter, fam family, kind int) string {
	switch kind {
	case fault500:
		return strconv.Itoa(writeError(w, fam, errf(http.StatusInternalServerError, CodeInternal, "Internal server error")))
	case fault502:
		return strconv.Itoa(writeError(w, fam, errf(http.StatusBadGateway, CodeBadGateway, "Bad gateway")))
	case fault503:
		return strconv.Itoa(writeError(w, fam, errf(http.StatusServiceUnavailable, CodeUnavailable, "Service temporarily unavailable")))
	case fault429:
		w.Header().Set("Retry-After", "1")
		return strconv.Itoa(writeError(w, fam, errf(http.StatusTooManyRequests, CodeRateLimited, "Rate limit exceeded: too many requests, retry after 1 seconds")))
	}
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			// Counted before the close: the client learns of the drop the
			// moment the connection closes, before this handler returns, and
			// must find it in the stats then, as it finds every answer there.
			e.countStatus("dropped")
			conn.Close()
			return ""
		}
	}
	// Without a connection to drop (a recorder in a unit test), fail loudly instead.
	return strconv.Itoa(writeError(w, fam, errf(http.StatusBadGateway, CodeBadGateway, "Connection dropped")))
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

// bufferedResponse swallows the response of a write whose failure is injected
// after the commit.
type bufferedResponse struct {
	header http.Header
	body   bytes.Buffer
	status int
}

func (b *bufferedResponse) Header() http.Header         { return b.header }
func (b *bufferedResponse) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *bufferedResponse) WriteHeader(code int)        { b.status = code }

// writeError answers err with the envelope of fam and returns the status.
func writeError(w http.ResponseWriter, fam family, err *apiError) int {
	msg := wireMessage{Code: err.code, Message: err.message}
	var body any
	if fam == familyShare {
		body = shareEnvelope{Errors: []wireMessage{msg}, Result: nil}
	} else {
		if err.pointer != "" {
			msg.Source = &wireSource{Pointer: err.pointer}
		}
		body = accessEnvelope{Errors: []wireMessage{msg}, Messages: []wireMessage{}, Result: nil}
	}
	writeJSON(w, err.status, body)
	return err.status
}

// writeSuccess answers result with the success envelope of fam.
func writeSuccess(w http.ResponseWriter, fam family, status int, result any, info *wireResultInfo) {
	// The result is encoded inside the envelope, in one pass: encoded first
	// and embedded as raw JSON, every answer was scanned and copied again.
	var body any
	if fam == familyShare {
		body = shareEnvelope{Success: true, Errors: []wireMessage{}, Result: result, ResultInfo: info}
	} else {
		body = accessEnvelope{Success: true, Errors: []wireMessage{}, Messages: []wireMessage{}, Result: result, ResultInfo: info}
	}
	b, err := json.Marshal(body)
	if err != nil {
		writeError(w, fam, errf(http.StatusInternalServerError, CodeInternal, "Internal server error: %v", err))
		return
	}
	writeBody(w, status, b)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"success":false,"errors":[{"code":10500,"message":"Internal server error"}],"messages":[],"result":null}`)
	}
	writeBody(w, status, b)
}

func writeBody(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func constantTimeEqual(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := 0; i < len(a); i++ {
		v |= a[i] ^ b[i]
	}
	return v == 0
}

// newHex32 returns a 32-hex identifier, the form of account, organization,
// grant, share, recipient and share-resource IDs.
func newHex32() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func isHex32(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
