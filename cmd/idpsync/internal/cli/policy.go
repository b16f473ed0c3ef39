package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/plan/render"
	"github.com/idpsync/idpsync/policy"
	"github.com/idpsync/idpsync/policy/rego"
	"github.com/idpsync/idpsync/state"
)

// Policy is --policy and --policy-timeout, for plan, apply and drift.
type Policy struct {
	Dir     string
	Timeout time.Duration
	rego    *rego.Policies
}

// AddFlags registers the flags on cmd.
func (o *Policy) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.Dir, "policy", "", "also check the plan against the Rego policies (deny and warn rules) of every .rego file under `DIR`")
	cmd.Flags().DurationVar(&o.Timeout, "policy-timeout", rego.DefaultTimeout, "stop evaluating the Rego policies after this long")
}

// Load compiles the policy directory, when one is given, before anything
// reaches the API: a policy that does not compile (or calls a builtin that
// reaches the network or the environment) stops the command first.
func (o *Policy) Load() error {
	if o.Dir == "" {
		return nil
	}
	if o.Timeout <= 0 {
		return fmt.Errorf("--policy-timeout must be positive")
	}
	r, err := rego.LoadDir(o.Dir)
	if err != nil {
		return err
	}
	o.rego = r
	return nil
}

// Rego is the compiled directory, nil without --policy.
func (o *Policy) Rego() policy.Evaluator {
	if o.rego == nil {
		return nil // not a nil *rego.Policies in the interface
	}
	return o.rego
}

// Check evaluates the desired state's built-in rules and the loaded Rego
// policies against p, and records the findings on it. d is nil for a saved
// plan, which is checked against its own rules.
func (o *Policy) Check(ctx context.Context, p *plan.Plan, d *state.Desired, now time.Time) error {
	return policy.Check(ctx, p, policy.Options{Desired: d, Rego: o.Rego(), Timeout: o.Timeout, Now: now})
}

// Refuse is what plan returns after printing a plan that policy denies: a
// line on stderr and exit status 1.
func (f *Factory) Refuse(p *plan.Plan) error {
	if v := render.PolicyVerdict(p.Policy); v != "" {
		fmt.Fprintln(f.IO.ErrOut, "Error: "+v+" See the Policy section above.")
		return Exit(ExitError)
	}
	return nil
}
