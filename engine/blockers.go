package engine

import (
	"errors"
	"fmt"
	"strings"

	"github.com/idpsync/idpsync/apply"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/policy"
	"github.com/idpsync/idpsync/state"
)

// Blockers lists every reason apply, given no opt-in flag, would refuse p
// before its first write: destructive actions (the same rule as
// apply.CheckDestroy, against the same live state), SCIM secrets with
// nowhere to go, and secrets the plan could not read. Plan shows them so that
// a plan check can say whether apply will go through.
func Blockers(p *plan.Plan, live *state.Live) []plan.Blocker {
	var out []plan.Blocker
	var de *apply.DestroyError
	if err := apply.CheckDestroy(p, live, false); errors.As(err, &de) {
		addrs := make([]string, len(de.Blocked))
		lockout := false
		for i, b := range de.Blocked {
			addrs[i] = b.Address
			lockout = lockout || len(b.Lockout) > 0 || len(b.Unread) > 0
		}
		msg := plural(len(addrs), "destructive action is", "destructive actions are") + " blocked"
		resolve := "--allow-destroy"
		if !lockout {
			resolve += " (or prune: true on the owning account)"
		}
		if lockout {
			msg += ", and some lock users out or could not be checked, which only --allow-destroy allows"
		}
		out = append(out, plan.Blocker{Code: plan.BlockAllowDestroy, Addresses: addrs, Message: msg, Resolve: resolve})
	}
	out = append(out, plan.SecretsOutBlockers(p)...)
	out = append(out, plan.DeferredSecretBlockers(p)...)
	if out == nil {
		out = []plan.Blocker{}
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// GateOptions are the inputs of apply that let a blocker through.
type GateOptions struct {
	AllowDestroy bool
	// SecretsOut is set when apply has a directory for SCIM secrets.
	SecretsOut bool
	// MaxFederatedIdPs is plan.PreflightOptions.MaxFederatedIdPs.
	MaxFederatedIdPs int
}

// BlockedError is every problem CheckApply found, so that one run names
// them all instead of one per run.
type BlockedError struct{ Problems []error }

func (e *BlockedError) Error() string {
	var b strings.Builder
	if len(e.Problems) == 1 {
		b.WriteString("apply is blocked; nothing was changed:\n")
	} else {
		fmt.Fprintf(&b, "apply is blocked by %d problems; nothing was changed:\n", len(e.Problems))
	}
	for i, p := range e.Problems {
		fmt.Fprintf(&b, "\n%d. %s\n", i+1, strings.ReplaceAll(strings.TrimRight(p.Error(), "\n"), "\n", "\n   "))
	}
	return strings.TrimRight(b.String(), "\n")
}

func (e *BlockedError) Unwrap() []error { return e.Problems }

// CheckApply runs every check apply makes before its first write and
// reports every failure at once: the policy's denies, the API's rules against live state
// (plan.Preflight), the secrets the writes send (resolved now, through r),
// the destroy gate and the SCIM secrets' destination. Its error is a
// *BlockedError whose problems keep their own types (*apply.DestroyError,
// *plan.PreflightError).
func CheckApply(p *plan.Plan, live *state.Live, r *SecretResolver, opts GateOptions) error {
	var probs []error
	// The policy gate first: a deny no waiver excuses.
	if err := policy.Gate(p); err != nil {
		probs = append(probs, err)
	}
	if err := plan.Preflight(p, live, plan.PreflightOptions{MaxFederatedIdPs: opts.MaxFederatedIdPs}); err != nil {
		probs = append(probs, err)
	}
	if r != nil {
		if err := r.CheckAll(p); err != nil {
			probs = append(probs, fmt.Errorf("the secrets of the changes could not all be read; provide them to this job:\n%w", err))
		}
	}
	if p.HasChanges() {
		if err := apply.CheckDestroy(p, live, opts.AllowDestroy); err != nil {
			probs = append(probs, err)
		}
		if need := p.NeedsSecretsOut(); len(need) > 0 && !opts.SecretsOut {
			probs = append(probs, &SecretsLostError{Addresses: need})
		}
	}
	if len(probs) == 0 {
		return nil
	}
	return &BlockedError{Problems: probs}
}
