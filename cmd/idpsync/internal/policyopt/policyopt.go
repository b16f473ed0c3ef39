package policyopt

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/policy"
	"github.com/idpsync/idpsync/state"
)

// Options are --policy and --policy-timeout, for plan, apply and drift. They
// are the engine.PolicyChecker apply takes.
type Options struct {
	Dir     string
	Timeout time.Duration
	rego    policy.Evaluator
}

// AddFlags registers the flags on cmd.
func (o *Options) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.Dir, "policy", "", "also check the plan against the Rego policies (deny and warn rules) of every .rego file under `DIR`")
	cmd.Flags().DurationVar(&o.Timeout, "policy-timeout", policy.DefaultTimeout, "stop evaluating the Rego policies after this long")
}

// Load compiles the policy directory with load (the Factory's LoadPolicy),
// when one is given, before anything reaches the API: a policy that does
// not compile (or calls a builtin that reaches the network or the
// environment) stops the command first.
func (o *Options) Load(load func(dir string) (policy.Evaluator, error)) error {
	if o.Dir == "" {
		return nil
	}
	if o.Timeout <= 0 {
		return fmt.Errorf("--policy-timeout must be positive")
	}
	if load == nil {
		// Fail closed: a policy the user asked for is never skipped.
		return fmt.Errorf("--policy: this build cannot load Rego policies")
	}
	r, err := load(o.Dir)
	if err != nil {
		return err
	}
	o.rego = r
	return nil
}

// Check evaluates the desired state's built-in rules and the loaded Rego
// policies against p, and records the findings on it. d is nil for a saved
// plan, which is checked against its own rules.
func (o *Options) Check(ctx context.Context, p *plan.Plan, d *state.Desired, now time.Time) error {
	opts := policy.Options{Desired: d, Rego: o.rego, Timeout: o.Timeout, Now: now}
	return policy.Check(ctx, p, opts)
}
