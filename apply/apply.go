package apply

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/internal/dag"
	"github.com/idpsync/idpsync/plan"
)

// Client is the part of *cloudflare.Client the executor calls.
type Client interface {
	CreateIdentityProvider(ctx context.Context, accountID string, idp cloudflare.IdentityProvider) (*cloudflare.IdentityProvider, error)
	UpdateIdentityProvider(ctx context.Context, accountID, id string, idp cloudflare.IdentityProvider) (*cloudflare.IdentityProvider, error)
	DeleteIdentityProvider(ctx context.Context, accountID, id string) error
	GetIdentityProvider(ctx context.Context, accountID, id string) (*cloudflare.IdentityProvider, error)
	CreateSAMLCertificate(ctx context.Context, accountID, idpID string) (set *cloudflare.CertificateSet, created bool, err error)
	RotateCertificateSet(ctx context.Context, accountID, setID string) (*cloudflare.CertificateSet, error)
	GetCertificateSet(ctx context.Context, accountID, setID string) (*cloudflare.CertificateSet, error)
	CreateGrant(ctx context.Context, accountID, idpID string) (*cloudflare.Grant, error)
	DeleteGrant(ctx context.Context, accountID, grantID string) error
	CreateShare(ctx context.Context, accountID string, req cloudflare.CreateShareRequest) (*cloudflare.Share, error)
	DeleteShare(ctx context.Context, accountID, shareID string) (*cloudflare.Share, error)
	ListRecipients(ctx context.Context, accountID, shareID string) ([]cloudflare.Recipient, error)
	AddRecipient(ctx context.Context, accountID, shareID string, r cloudflare.RecipientRequest) (*cloudflare.Recipient, error)
	RemoveRecipient(ctx context.Context, accountID, shareID, recipientID string) (*cloudflare.Recipient, error)
	RefreshSCIMSecret(ctx context.Context, accountID, idpID string) (*cloudflare.IdentityProvider, error)
}

// SecretResolver turns a secret reference into its value. engine's
// SecretResolver implements it: it resolves ${env:...} and ${file:...} and
// checks the value against the hash the plan was made with.
type SecretResolver interface {
	Resolve(ref plan.SecretRef) (string, error)
}

// EventKind is the stage of an action an Event reports.
type EventKind string

const (
	EventStart   EventKind = "start"
	EventDone    EventKind = "done"
	EventFailed  EventKind = "failed"
	EventSkipped EventKind = "skipped"
)

// Event reports progress of one action.
type Event struct {
	Address  string
	Action   plan.Kind
	Resource plan.Resource
	Kind     EventKind
	// Elapsed is the action's run time, for done and failed.
	Elapsed time.Duration
	// Err is the failure, for failed.
	Err error
	// Cause is the address of the failed action a skip descends from.
	Cause string
}

// Options tune Execute.
type Options struct {
	// Parallelism bounds the actions in flight; 0 means the client's own
	// bound on requests in flight (its Concurrency method), else 8, so that
	// --concurrency is the one limit of a run.
	Parallelism int
	// Secrets resolves the plan's secret references; it may be nil only when
	// no action carries a secret.
	Secrets SecretResolver
	// Redact, when set, receives every value resolved through Secrets before
	// it is sent, so that the client keeps it out of the API errors that echo
	// it (cloudflare.Client.Redact): an error must never print such a value.
	Redact func(values ...string)
	// OnEvent, when set, receives every event. Calls never overlap, and they
	// come in order for each action (start before done or failed; a no-op
	// gets a single done, as it makes no call). A slow
	// OnEvent delays the start of later actions, so keep it quick.
	OnEvent func(Event)
	// Stop, when closed, lets in-flight actions finish and starts nothing new.
	Stop <-chan struct{}
	// Now measures elapsed times; nil means time.Now.
	Now func() time.Time
	// SCIMSecrets keeps the SCIM secrets the API returns (plan.Action.SCIMSecret);
	// Execute refuses a plan that yields one when it is nil.
	SCIMSecrets SCIMSecretSink
}

// DefaultParallelism is the number of actions in flight when Options leave it
// 0 and the client does not say its own bound.
const DefaultParallelism = 8

// concurrencyOf is the client's bound on requests in flight, when it has one.
func concurrencyOf(c any) int {
	if b, ok := c.(interface{ Concurrency() int }); ok && b.Concurrency() > 0 {
		return b.Concurrency()
	}
	return DefaultParallelism
}

// Result is what Execute did. Every address of the plan is in exactly one of
// Done, Failed, Skipped and NotStarted, each in plan order.
type Result struct {
	Done       []string
	Failed     []string
	Skipped    []string
	NotStarted []string
	// Errors holds the error of each failed address.
	Errors map[string]error
	// SkipCause maps each skipped address to the failed address it descends from.
	SkipCause map[string]string
	// Summary counts what succeeded, Terraform-style: a replace adds and
	// destroys; a replace that deleted but could not create counts a destroy.
	Summary plan.Summary
	// CertificateSets are the sets created, rotated or enabled in this run,
	// sorted by IdP address: their certificates belong in the external IdPs.
	CertificateSets []AppliedCertificateSet
	// Shares maps the address of every share this run created or changed
	// (account[a].idp[n].share) to its id, for WaitForShares.
	Shares map[string]string
	// Warnings are things that went wrong without failing an action, such as
	// a certificate that could not be read after encryption was enabled.
	Warnings []string
	// SCIM are the SCIM secrets written in this run, sorted by IdP address:
	// where each went and the base URL, never the secret.
	SCIM []AppliedSCIMSecret
	// Interrupted says Stop was closed or ctx ended before the plan was done.
	Interrupted bool
}

// OK reports whether every action of the plan is done.
func (r *Result) OK() bool {
	return len(r.Failed) == 0 && len(r.Skipped) == 0 && len(r.NotStarted) == 0
}

// AppliedCertificateSet is a SAML encryption certificate set this run touched.
type AppliedCertificateSet struct {
	AccountID string
	// Account is the account's label.
	Account string
	// IdP is the IdP's address; IdPName its name.
	IdP     string
	IdPName string
	SetUID  string
	// Created, Rotated and Enabled say what the run did with the set.
	Created bool
	Rotated bool
	Enabled bool
	// CertificateUID, CertificatePEM and NotAfter describe the set's current
	// certificate; CertificatePEM is empty when it could not be read.
	CertificateUID string
	CertificatePEM string
	NotAfter       time.Time
	// Fingerprint is the SHA-256 of the certificate's DER, as colon-separated
	// upper-case hex pairs.
	Fingerprint string
}

// Execute runs the plan's actions. Its error is for misuse only (no plan,
// duplicate addresses, unknown or cyclic dependencies, secrets without a
// resolver); the fate of each action is in the Result.
func Execute(ctx context.Context, c Client, p *plan.Plan, opts Options) (*Result, error) {
	if c == nil {
		return nil, errors.New("apply: nil client")
	}
	if p == nil {
		return nil, errors.New("apply: nil plan")
	}
	g, err := newGraph(p.Actions)
	if err != nil {
		return nil, fmt.Errorf("apply: %w", err)
	}
	if opts.Secrets == nil {
		for _, a := range p.Actions {
			if a.Action != plan.NoOp && a.Request != nil && len(a.Request.Secrets) > 0 {
				return nil, fmt.Errorf("apply: %s: the request carries secrets but no secret resolver was given", a.Address)
			}
		}
	}
	if opts.SCIMSecrets == nil {
		if need := p.NeedsSecretsOut(); len(need) > 0 {
			return nil, fmt.Errorf("apply: %s: the API returns the SCIM secret only in this response and there is nowhere to write it; use --secrets-out DIR", need[0])
		}
	}
	if opts.Parallelism <= 0 {
		opts.Parallelism = concurrencyOf(c)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	x := &executor{
		client: c,
		plan:   p,
		opts:   opts,
		graph:  g,
		ids:    newRecords(p.Actions),
		certs:  map[string]*AppliedCertificateSet{},
		shares: map[string]string{},
	}
	return x.run(ctx), nil
}

// actionState is where one action of the plan is in the schedule.
type actionState int

const (
	pending actionState = iota
	running
	done
	failed
	skipped
)

// sched is the executor's shared schedule. Workers take ready actions from it
// themselves, so a finished call starts the next one without a hand-off.
type sched struct {
	mu       sync.Mutex
	cond     *sync.Cond
	st       []actionState
	waiting  []int // unmet dependencies
	ready    *dag.Queue
	inflight int
	stopping bool
	// interrupted says Stop was closed or ctx ended.
	interrupted bool
	errs        map[string]error
	causes      map[string]string
	sum         plan.Summary
}

func (x *executor) run(ctx context.Context) *Result {
	acts := x.plan.Actions
	n := len(acts)
	s := &sched{
		st:      make([]actionState, n),
		waiting: make([]int, n),
		ready:   newReadyQueue(x.graph.prio),
		errs:    map[string]error{},
		causes:  map[string]string{},
	}
	s.cond = sync.NewCond(&s.mu)
	for i := range acts {
		s.waiting[i] = len(x.graph.deps[i])
		if s.waiting[i] == 0 {
			s.ready.Push(i)
		}
	}

	// A closed Stop or an ended ctx stops new starts; the watcher wakes idle
	// workers so that they can leave.
	finished := make(chan struct{})
	watcher := make(chan struct{})
	go func() {
		defer close(watcher)
		select {
		case <-x.opts.Stop:
		case <-ctx.Done():
		case <-finished:
			return
		}
		s.mu.Lock()
		s.stopping, s.interrupted = true, true
		s.cond.Broadcast()
		s.mu.Unlock()
	}()

	var wg sync.WaitGroup
	for range min(x.opts.Parallelism, max(n, 1)) {
		wg.Go(func() { x.work(ctx, s) })
	}
	wg.Wait()
	close(finished)
	<-watcher

	res := &Result{
		Errors:      s.errs,
		SkipCause:   s.causes,
		Summary:     s.sum,
		Shares:      x.shares,
		Warnings:    x.warnings,
		Interrupted: s.interrupted,
	}
	for i, a := range acts {
		switch s.st[i] {
		case done:
			res.Done = append(res.Done, a.Address)
		case failed:
			res.Failed = append(res.Failed, a.Address)
		case skipped:
			res.Skipped = append(res.Skipped, a.Address)
		default:
			res.NotStarted = append(res.NotStarted, a.Address)
		}
	}
	for _, cs := range x.certs {
		res.CertificateSets = append(res.CertificateSets, *cs)
	}
	sort.Slice(res.CertificateSets, func(i, j int) bool {
		return res.CertificateSets[i].IdP < res.CertificateSets[j].IdP
	})
	res.SCIM = append(res.SCIM, x.scim...)
	sortSCIM(res.SCIM)
	return res
}

// work runs ready actions until none is left or the run stops. Events are
// emitted under the schedule's lock, which keeps them serialized and in order.
func (x *executor) work(ctx context.Context, s *sched) {
	acts := x.plan.Actions
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if !s.stopping {
			// Stop wins over ready work even when the watcher has not yet run.
			select {
			case <-x.opts.Stop:
				s.stopping, s.interrupted = true, true
			case <-ctx.Done():
				s.stopping, s.interrupted = true, true
			default:
			}
		}
		if s.stopping || (s.ready.Len() == 0 && s.inflight == 0) {
			s.cond.Broadcast()
			return
		}
		if s.ready.Len() == 0 {
			s.cond.Wait()
			continue
		}
		i := s.ready.Pop()
		if acts[i].Action == plan.NoOp {
			// Nothing to call: settle it at once so its dependents may start.
			x.emit(acts, i, EventDone, nil, 0, "")
			x.succeed(s, i)
			continue
		}
		s.st[i] = running
		s.inflight++
		x.emit(acts, i, EventStart, nil, 0, "")
		s.mu.Unlock()

		start := x.opts.Now()
		sum, err := x.do(ctx, &acts[i])
		elapsed := x.opts.Now().Sub(start)

		s.mu.Lock()
		s.inflight--
		addSummary(&s.sum, sum)
		if err != nil {
			s.st[i] = failed
			s.errs[acts[i].Address] = err
			x.emit(acts, i, EventFailed, err, elapsed, "")
			x.skipFrom(s, i)
		} else {
			x.emit(acts, i, EventDone, nil, elapsed, "")
			x.succeed(s, i)
		}
		// Others may wait for new ready work, or for the last action to end.
		s.cond.Broadcast()
	}
}

func (x *executor) emit(acts []plan.Action, i int, k EventKind, err error, elapsed time.Duration, cause string) {
	if x.opts.OnEvent == nil {
		return
	}
	a := &acts[i]
	x.opts.OnEvent(Event{Address: a.Address, Action: a.Action, Resource: a.Resource, Kind: k, Err: err, Elapsed: elapsed, Cause: cause})
}

// succeed settles action i as done and readies the dependents it was the
// last dependency of.
func (x *executor) succeed(s *sched, i int) {
	s.st[i] = done
	for _, d := range x.graph.dependents[i] {
		s.waiting[d]--
		if s.waiting[d] == 0 && s.st[d] == pending {
			s.ready.Push(d)
		}
	}
}

// skipFrom settles every transitive dependent of the failed action i that is
// not yet settled as skipped, each once, with i as its cause.
func (x *executor) skipFrom(s *sched, i int) {
	acts := x.plan.Actions
	cause := acts[i].Address
	queue := append([]int(nil), x.graph.dependents[i]...)
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		if s.st[d] != pending {
			continue
		}
		s.st[d] = skipped
		s.causes[acts[d].Address] = cause
		x.emit(acts, d, EventSkipped, nil, 0, cause)
		queue = append(queue, x.graph.dependents[d]...)
	}
}

func addSummary(dst *plan.Summary, s plan.Summary) {
	dst.Add += s.Add
	dst.Change += s.Change
	dst.Destroy += s.Destroy
}
