package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/idpsync/idpsync/apply"
	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/emulator"
	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/state"
)

// unlimited is a client budget high enough never to pace a run: the figures
// of scenarios 1, 2 and 5 are about requests and latency, not the budget.
var unlimited = cloudflare.RateLimit{Requests: 1_000_000, Window: 5 * time.Minute}

// site is one emulator and the desired state the harness drives against it.
type site struct {
	srv     *emulator.Server
	token   string
	secret  string
	dir     string
	file    string
	desired *state.Desired
	w       workload

	mu      sync.Mutex
	clients []*cloudflare.Client // closed before the emulator stops
}

// siteOptions shape the emulator of a site.
type siteOptions struct {
	Latency   time.Duration
	RateLimit emulator.RateLimit
	Faults    float64
	Seed      int64
}

// newSite writes the workload into a fresh directory under root, loads it
// through state.Load as the CLI does, and starts an emulator for it.
func newSite(root string, w workload, certPEM []byte, opts siteOptions) (*site, error) {
	dir, err := os.MkdirTemp(root, "site-")
	if err != nil {
		return nil, err
	}
	file, err := w.Write(dir, certPEM)
	if err != nil {
		return nil, err
	}
	s := &site{token: "bench-" + rand.Text(), secret: rand.Text(), dir: dir, file: file, w: w}
	d, diags := state.Load(context.Background(), []string{file}, state.LoadOptions{Getenv: s.getenv})
	if diags.HasErrors() || d == nil {
		return nil, fmt.Errorf("load %s: %v", file, diags.Errors())
	}
	s.desired = d
	seed := opts.Seed
	if seed == 0 {
		seed = 1
	}
	s.srv, err = emulator.Start(emulator.Options{
		Tokens:       []string{s.token},
		Keys:         []emulator.APIKey{{Email: benchEmail, Key: s.token + "-key"}},
		AutoAccounts: true,
		Latency:      opts.Latency,
		RateLimit:    opts.RateLimit,
		Faults:       opts.Faults,
		Seed:         seed,
	}, "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	// The accounts exist before idpsync is pointed at them, as real ones
	// do, in one organization: the account listing (GET /accounts) shows
	// them from the first plan on. AutoAccounts would create them only at
	// their first request.
	data := &emulator.Data{Organizations: []emulator.Organization{{ID: emulator.SandboxOrganizationID, Name: "Bench organization"}}}
	for i := range w.Accounts {
		data.Accounts = append(data.Accounts, emulator.Account{ID: accountID(i), Name: fmt.Sprintf("acct-%05d", i), OrganizationID: emulator.SandboxOrganizationID})
	}
	if err := s.srv.Emulator.Load(data); err != nil {
		s.srv.Close()
		return nil, err
	}
	return s, nil
}

// Close stops the emulator, its clients' idle connections first: one dialed
// and never used would hold the emulator's graceful shutdown for 5 seconds.
func (s *site) Close() {
	s.mu.Lock()
	for _, c := range s.clients {
		c.CloseIdleConnections()
	}
	s.clients = nil
	s.mu.Unlock()
	s.srv.Close()
}

func (s *site) getenv(k string) (string, bool) {
	if k == secretEnv {
		return s.secret, true
	}
	return "", false
}

// benchEmail is the global API key's address: the client sends the key to
// /shares, which refuse tokens as Cloudflare documents.
const benchEmail = "bench@idpsync.invalid"

// client returns a fresh API client with the given budget and requests in flight.
func (s *site) client(rl cloudflare.RateLimit, concurrency int) (*cloudflare.Client, error) {
	return s.clientWith(cloudflare.Options{RateLimit: rl, Concurrency: concurrency})
}

// clientWith returns a fresh API client of the site with opts, its address
// and credentials filled in.
func (s *site) clientWith(opts cloudflare.Options) (*cloudflare.Client, error) {
	opts.BaseURL, opts.Token, opts.Email, opts.Key, opts.UserAgent = s.srv.URL, s.token, benchEmail, s.token+"-key", "idpsync-bench"
	c, err := cloudflare.New(opts)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.clients = append(s.clients, c)
	s.mu.Unlock()
	return c, nil
}

// plan reads the live state and diffs it through the engine, as `idpsync
// plan` does.
func (s *site) plan(ctx context.Context, c *cloudflare.Client) (*plan.Plan, error) {
	p, _, err := engine.Plan(ctx, c, s.desired, engine.PlanOptions{Now: time.Now, SecretKey: secretKey})
	return p, err
}

// apply runs engine.Apply, the operation of `idpsync apply
// --auto-approve`, with its gates: the pre-flight and secret checks, the
// lockout analysis, the destroy gate, then the writes and the verification
// (engine.Verify: the state read before, changed by what each write
// returned, reading only what no answer showed). A verification that still
// finds changes fails the result.
func (s *site) apply(ctx context.Context, c *cloudflare.Client, parallelism int) (*plan.Plan, *apply.Result, error) {
	out, err := engine.Apply(ctx, c, engine.ApplyInput{Desired: s.desired}, engine.ApplyOptions{
		Now:         time.Now,
		SecretKey:   secretKey,
		Getenv:      s.getenv,
		AutoApprove: true,
		Parallelism: parallelism,
		Verify:      true,
	}, nil, nil)
	if errors.Is(err, engine.ErrIncomplete) {
		return out.Plan, out.Result, nil
	}
	if err != nil {
		if out != nil {
			return out.Plan, nil, err
		}
		return nil, nil, err
	}
	res := out.Result
	if res == nil {
		return out.Plan, &apply.Result{}, nil
	}
	if vp := out.Verification; vp != nil && vp.HasChanges() {
		res.Failed = append(res.Failed, "verify")
		if res.Errors == nil {
			res.Errors = map[string]error{}
		}
		res.Errors["verify"] = fmt.Errorf("live state still differs after apply: %+v", vp.Summary())
	}
	return out.Plan, res, nil
}

// reload loads the site's desired state again from its file, once the
// harness has rewritten it.
func (s *site) reload(ctx context.Context) error {
	d, diags := state.Load(ctx, []string{s.file}, state.LoadOptions{Getenv: s.getenv})
	if diags.HasErrors() || d == nil {
		return fmt.Errorf("load %s: %v", s.file, diags.Errors())
	}
	s.desired = d
	return nil
}

// applyNoLatency applies the desired state with the emulator's latency off,
// then sets it to latency: set-up that no figure includes.
func (s *site) applyNoLatency(ctx context.Context, parallelism int, latency time.Duration) error {
	s.srv.Emulator.SetLatency(0)
	defer s.srv.Emulator.SetLatency(latency)
	c, err := s.client(unlimited, parallelism)
	if err != nil {
		return err
	}
	_, res, err := s.apply(ctx, c, parallelism)
	if err != nil {
		return err
	}
	return resultError(res)
}

// converged plans with faults and latency off and reports whether nothing is
// left to do. The check is not part of any figure.
func (s *site) converged(ctx context.Context) (bool, error) {
	e := s.srv.Emulator
	e.SetFaults(0)
	e.SetLatency(0)
	c, err := s.client(unlimited, 8)
	if err != nil {
		return false, err
	}
	p, err := s.plan(ctx, c)
	if err != nil {
		return false, err
	}
	return !p.HasChanges(), nil
}

// secretKey keys the secret fingerprints of the harness's plans, which are
// never saved; the CLI derives its key from the credentials (plan/planfile).
var secretKey = []byte(rand.Text())

// appliedSite is a new site of w with its desired state applied from
// scratch by an unmetered client: the live state a scenario then measures.
// The caller closes it.
func (h *harness) appliedSite(ctx context.Context, w workload) (*site, error) {
	s, err := newSite(h.root, w, h.cert, siteOptions{})
	if err != nil {
		return nil, err
	}
	c, err := s.client(unlimited, h.concurrency)
	if err == nil {
		var res *apply.Result
		if _, res, err = s.apply(ctx, c, h.concurrency); err == nil {
			err = resultError(res)
		}
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("%d accounts: set-up apply: %w", w.Accounts, err)
	}
	return s, nil
}

// resultError summarizes a result that is not OK.
func resultError(res *apply.Result) error {
	if res == nil || res.OK() {
		return nil
	}
	for _, addr := range res.Failed {
		return fmt.Errorf("%d failed, %d skipped, %d not started; first: %s: %w",
			len(res.Failed), len(res.Skipped), len(res.NotStarted), addr, res.Errors[addr])
	}
	return fmt.Errorf("%d skipped, %d not started", len(res.Skipped), len(res.NotStarted))
}
