package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/idpsync/idpsync/apply"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/policy"
	"github.com/idpsync/idpsync/samlmeta/fetch"
	"github.com/idpsync/idpsync/state"
)

// ApplyClient is what Apply needs of the API client: the reads of planning,
// of the lockout analysis and of verification, every write, and the
// redaction of the secrets it sends (cloudflare.Client.Redact).
type ApplyClient interface {
	WriteClient
	AccessClient
	Redact(values ...string)
}

// Confirmer asks whether to apply a plan made in this run. It returns nil to
// go on; any error stops the apply before its first write.
type Confirmer interface {
	Confirm(ctx context.Context, p *plan.Plan) error
}

// ApplySink receives what an apply has to show, in the order it happens.
// A method that returns an error stops the apply with that error.
type ApplySink interface {
	// Planned receives a plan made in this run, before its checks; a saved
	// plan was shown when it was made.
	Planned(p *plan.Plan) error
	// MetadataFetched ends the stage that fetched again the SAML metadata
	// the plan's values came from.
	MetadataFetched(ctx context.Context)
	// Executing comes before the first write with the plan executed, then
	// Event for each event of the executor (apply.Options.OnEvent), then
	// ExecuteDone once it returns.
	Executing(p *plan.Plan)
	Event(e apply.Event)
	ExecuteDone()
	// Executed receives the result of an execution that ran, before the
	// apply decides whether it failed; its error stops the apply.
	Executed(res *apply.Result) error
	// Waiting receives the share transitions still pending while Wait waits.
	Waiting(pending []apply.Pending)
}

// NopApplySink shows nothing; embed it to implement part of ApplySink.
type NopApplySink struct{}

func (NopApplySink) Planned(*plan.Plan) error        { return nil }
func (NopApplySink) MetadataFetched(context.Context) {}
func (NopApplySink) Executing(*plan.Plan)            {}
func (NopApplySink) Event(apply.Event)               {}
func (NopApplySink) ExecuteDone()                    {}
func (NopApplySink) Executed(*apply.Result) error    { return nil }
func (NopApplySink) Waiting(pending []apply.Pending) {}

// SecretsOut keeps the SCIM secrets the API returns once. Prepare is called
// before the first write, and only when the plan yields a secret, so that a
// place that cannot be written is found while nothing has changed.
type SecretsOut interface {
	apply.SCIMSecretSink
	Prepare() error
}

// ApplyOptions shape one apply.
type ApplyOptions struct {
	// Now is the clock of planning and verification (PlanOptions.Now).
	Now func() time.Time
	// Metadata fetches SAML metadata URLs; nil means a fetch.Fetcher with its
	// defaults. It serves planning and the fetch again before the writes,
	// which finds a URL fetched in this run when the fetcher remembers it
	// (MetadataOnce).
	Metadata MetadataFetcher
	// SecretKey keys the plan's secret hashes (PlanOptions.SecretKey); a
	// saved plan's must be the key it was made with.
	SecretKey []byte
	// Getenv resolves ${env:...} secret references.
	Getenv func(string) (string, bool)
	// Targets, ResendSecrets and RotateSCIMSecrets shape a plan made in this
	// run (PlanOptions); a saved plan is applied whole.
	Targets           []string
	ResendSecrets     []string
	RotateSCIMSecrets []string
	// MaxFederatedIdPs caps the federated IdPs per account; 0 means five.
	MaxFederatedIdPs int
	// AllowDestroy lets the plan delete IdPs and grants and remove
	// recipients on accounts without prune (apply.CheckDestroy).
	AllowDestroy bool
	// AutoApprove applies a plan made in this run without asking Confirmer.
	AutoApprove bool
	// Parallelism bounds the actions in flight (apply.Options.Parallelism).
	Parallelism int
	// Stop, when closed, cancels planning and waiting, and lets the
	// executor finish what is in flight and start nothing new. Cancelling
	// ctx aborts at once.
	Stop <-chan struct{}
	// SecretsOut keeps the SCIM secrets the API returns; an apply whose plan
	// yields one is refused before its first write when it is nil.
	SecretsOut SecretsOut
	// SCIMDeliveries is what SecretsOut's directory records of the SCIM
	// secrets asked for (PlanOptions.SCIMDeliveries); nil without one.
	SCIMDeliveries *plan.SCIMDeliveries
	// Wait waits, after the writes, until the share recipients finish
	// associating or disassociating, for at most WaitTimeout.
	Wait        bool
	WaitTimeout time.Duration
	// Verify plans the desired state again against the state the apply
	// left (Verify); it is skipped for a saved plan and with Targets.
	Verify bool
	// Policy checks the plan before the gates: the built-in rules and
	// whatever the caller loaded (the Rego of --policy). Nil checks the
	// built-in rules alone.
	Policy PolicyChecker
	// Progress, when set, follows the reads of the live state before the
	// writes (PlanOptions.Progress); the writes go to the sink's Event.
	Progress ReadProgress
}

// ApplyInput is what to apply: a desired state to plan now, or a plan saved
// earlier and already authenticated (planfile.Read).
type ApplyInput struct {
	Desired *state.Desired
	Saved   *plan.Plan
}

// Applied is what an apply did.
type Applied struct {
	// Plan is the plan applied (or found without changes); Live the state
	// it was checked against.
	Plan *plan.Plan
	Live *state.Live
	// Saved says Plan came from ApplyInput.Saved.
	Saved bool
	// Result is the executor's result; nil when nothing was executed.
	Result *apply.Result
	// Verification is the plan of what still differs after the apply, when
	// it was verified; Waited says the apply waited for share transitions.
	Verification *plan.Plan
	Waited       bool
}

// ErrIncomplete is returned, with the Applied, when an action failed or was
// skipped, or the apply was interrupted: running apply again finishes it.
var ErrIncomplete = errors.New("apply did not finish every action")

// StalePlanError refuses a saved plan whose live objects changed since it
// was made: applying it would act on a state nobody reviewed.
type StalePlanError struct {
	Moved []plan.Read
}

func (e *StalePlanError) Error() string {
	addrs := make([]string, len(e.Moved))
	for i, r := range e.Moved {
		addrs[i] = r.Address
	}
	return "the saved plan is stale; these objects changed since it was made: " + strings.Join(addrs, ", ")
}

// SecretsLostError refuses a plan that yields SCIM secrets when there is no
// SecretsOut: the API returns each only once, and it would be lost.
type SecretsLostError struct {
	Addresses []string
}

func (e *SecretsLostError) Error() string {
	return strings.Join(e.Addresses, ", ") + ": the API returns the SCIM secret only once, and this apply has nowhere to write it, so it would be lost; pass --secrets-out DIR"
}

// WaitError is a failure of the wait for share transitions, after every
// write was done.
type WaitError struct{ Err error }

func (e *WaitError) Error() string { return "wait: " + e.Err.Error() }
func (e *WaitError) Unwrap() error { return e.Err }

// Apply is the apply operation of the CLI and of the bench: every gate, in
// one place and order, then the writes, the wait and the verification.
//
//  1. a saved plan is refused when the objects it read have changed;
//     a desired state is planned (with the lockout analysis) and shown;
//  2. the metadata the plan's values came from is fetched again;
//  3. who loses a login is read again for a saved plan (its own list is not
//     trusted), and its policy checked again (by today's date);
//  4. every gate, all reported at once (CheckApply): the policy gate (a
//     deny no waiver excuses), the pre-flight checks, every secret the
//     writes send, the destroy gate, and somewhere to keep the SCIM secrets
//     the API returns once;
//  5. the SCIM secrets' destination is prepared;
//  6. confirmation, for a plan made in this run without AutoApprove;
//  7. execution, then the wait and the verification.
//
// A plan made in this run is checked against policy (step 1) before it is
// shown, so its findings are part of what the reviewer sees.
//
// Nothing is written before step 7. ctx ending aborts; opts.Stop closing
// stops planning at once and lets the executor finish what is in flight.
func Apply(ctx context.Context, c ApplyClient, in ApplyInput, opts ApplyOptions, confirm Confirmer, sink ApplySink) (*Applied, error) {
	if (in.Desired == nil) == (in.Saved == nil) {
		return nil, errors.New("apply: exactly one of a desired state and a saved plan is needed")
	}
	if sink == nil {
		sink = NopApplySink{}
	}
	if opts.Metadata == nil {
		opts.Metadata = NewMetadataOnce(&fetch.Fetcher{})
	}
	// Reads and planning stop at the first interrupt; execution gets the
	// gentler two-step one.
	planCtx, cancelPlan := cancelOnStop(ctx, opts.Stop)
	defer cancelPlan()

	out := &Applied{Saved: in.Saved != nil}
	var err error
	if in.Saved != nil {
		out.Plan = in.Saved
		if out.Live, err = readSaved(planCtx, c, in.Saved, opts.Progress); err != nil {
			return nil, err
		}
		if moved := plan.Moved(in.Saved, out.Live); len(moved) > 0 {
			return nil, &StalePlanError{Moved: moved}
		}
	} else {
		out.Plan, out.Live, err = Plan(planCtx, c, in.Desired, PlanOptions{
			Now: opts.Now, Metadata: opts.Metadata, SecretKey: opts.SecretKey,
			Targets: opts.Targets, ResendSecrets: opts.ResendSecrets, RotateSCIMSecrets: opts.RotateSCIMSecrets,
			SCIMDeliveries: opts.SCIMDeliveries,
			NoPreflight:    true, Lockout: c, MaxFederatedIdPs: opts.MaxFederatedIdPs,
			Progress: opts.Progress,
		})
		if err != nil {
			return nil, err
		}
		if err := checkPolicy(planCtx, out.Plan, in.Desired, opts); err != nil {
			return nil, err
		}
		// What this apply's inputs let through is no blocker here; the
		// gates below stop anything else before the first write.
		out.Plan.Blockers = plan.Waive(out.Plan.Blockers, opts.AllowDestroy, opts.SecretsOut != nil, true)
		if err := sink.Planned(out.Plan); err != nil {
			return nil, err
		}
	}
	p := out.Plan

	resolver := NewSecretResolver(opts.SecretKey, opts.Getenv)
	// Values a saved plan took from metadata at a URL are fetched again and
	// must match what the plan showed; a plan made just now finds its own
	// fetch when the fetcher remembers it.
	err = resolver.FetchMetadata(planCtx, p, opts.Metadata)
	sink.MetadataFetched(planCtx)
	if err != nil {
		return nil, err
	}
	if in.Saved != nil && p.HasChanges() {
		// A saved plan's own list of who loses a login could be stale or
		// edited, and must not switch the destroy gate off.
		if err := AnalyzeLockout(planCtx, c, p, nil); err != nil {
			return nil, err
		}
		// Nor are its policy findings: its own rules are checked again with
		// this clock (a waiver may have expired) and this lockout reading.
		if err := checkPolicy(planCtx, p, nil, opts); err != nil {
			return nil, err
		}
	}
	// Every gate at once: a missing secret, the destroy gate and a SCIM
	// secret with nowhere to go are reported in one run, not one per run.
	if err := CheckApply(p, out.Live, resolver, GateOptions{
		AllowDestroy: opts.AllowDestroy, SecretsOut: opts.SecretsOut != nil, MaxFederatedIdPs: opts.MaxFederatedIdPs,
	}); err != nil {
		return nil, err
	}
	if !p.HasChanges() {
		return out, nil
	}
	var scimSink apply.SCIMSecretSink
	if opts.SecretsOut != nil {
		// Also without a secret to come: the file of an IdP this apply
		// deletes (a duplicate, a pruned IdP) goes with it.
		scimSink = opts.SecretsOut
	}
	if need := p.NeedsSecretsOut(); len(need) > 0 {
		if opts.SecretsOut == nil {
			return nil, &SecretsLostError{Addresses: need}
		}
		if err := opts.SecretsOut.Prepare(); err != nil {
			return nil, err
		}
	}
	if in.Saved == nil && !opts.AutoApprove {
		if confirm == nil {
			return nil, errors.New("apply: a plan made in this run needs confirmation or AutoApprove")
		}
		if err := confirm.Confirm(ctx, p); err != nil {
			return nil, err
		}
	}

	// The recorder keeps what each write returned: verification compares
	// those answers with the declared state instead of reading everything again.
	rec := NewRecorder(c)
	sink.Executing(p)
	res, err := apply.Execute(ctx, rec, p, apply.Options{
		Parallelism: opts.Parallelism,
		Secrets:     resolver,
		Redact:      c.Redact,
		OnEvent:     sink.Event,
		Stop:        opts.Stop,
		SCIMSecrets: scimSink,
	})
	sink.ExecuteDone()
	if err != nil {
		return nil, err
	}
	out.Result = res
	if err := sink.Executed(res); err != nil {
		return out, err
	}
	if len(res.Failed) > 0 || len(res.Skipped) > 0 || res.Interrupted {
		return out, ErrIncomplete
	}
	if opts.Wait {
		if err := waitForShares(ctx, c, p, res, opts, sink); err != nil {
			return out, err
		}
		out.Waited = true
	}
	if opts.Verify && in.Desired != nil && len(opts.Targets) == 0 {
		vp, err := Verify(planCtx, c, in.Desired, out.Live, rec, VerifyOptions{Now: opts.Now, Reread: opts.Wait})
		if err != nil {
			return out, fmt.Errorf("verify: %w", err)
		}
		out.Verification = vp
	}
	return out, nil
}

// PolicyChecker checks p against the policies and records the findings on
// it (p.Policy, p.PolicyRules): the built-in rules of d, or of the plan
// itself when d is nil (a saved plan), and any others the caller loaded.
// It is an interface so that the engine, and everything that links it,
// does not link the Rego evaluator (package policy/rego).
type PolicyChecker interface {
	Check(ctx context.Context, p *plan.Plan, d *state.Desired, now time.Time) error
}

// checkPolicy records the policy findings on p through opts.Policy, or the
// built-in rules alone without one.
func checkPolicy(ctx context.Context, p *plan.Plan, d *state.Desired, opts ApplyOptions) error {
	now := time.Now()
	if opts.Now != nil {
		now = opts.Now()
	}
	if opts.Policy != nil {
		return opts.Policy.Check(ctx, p, d, now)
	}
	return policy.Check(ctx, p, policy.Options{Desired: d, Now: now})
}

// waitForShares waits once every write is done, so the first interrupt
// ends the wait (the executor's two-step interrupt would poll on until the
// timeout).
func waitForShares(ctx context.Context, c apply.Client, p *plan.Plan, res *apply.Result, opts ApplyOptions, sink ApplySink) error {
	ctx, cancel := cancelOnStop(ctx, opts.Stop)
	defer cancel()
	if err := apply.WaitForShares(ctx, c, p, res.Shares, opts.WaitTimeout, sink.Waiting); err != nil {
		return &WaitError{Err: err}
	}
	return nil
}

// cancelOnStop returns a context cancelled when stop closes.
func cancelOnStop(ctx context.Context, stop <-chan struct{}) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	if stop != nil {
		go func() {
			select {
			case <-stop:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	return ctx, cancel
}
