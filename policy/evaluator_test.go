package policy

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/idpsync/idpsync/plan"
)

// evaluator is a stand-in for the Rego of a --policy directory (package
// policy/rego, whose tests check Check with real policies): it returns its
// findings and records what it was asked.
type evaluator struct {
	found   []plan.PolicyResult
	err     error
	input   map[string]any
	timeout time.Duration
}

func (e *evaluator) Eval(_ context.Context, input map[string]any, timeout time.Duration) ([]plan.PolicyResult, error) {
	e.input, e.timeout = input, timeout
	return e.found, e.err
}

// TestCheckEvaluator: an evaluator's findings join the built-in ones, are
// waived like them, and are not doubled when a saved plan already carries
// them; its error stops the check.
func TestCheckEvaluator(t *testing.T) {
	deny := plan.PolicyResult{Rule: "rego:main", Level: "deny", Address: "account[prod].idp[Okta]", Message: "Okta must sign its requests"}
	warn := plan.PolicyResult{Rule: "rego:main", Level: "warn", Address: "plan", Message: "the plan deletes something"}
	ev := &evaluator{found: []plan.PolicyResult{warn, deny}}
	p := fixturePlan()
	if err := Check(context.Background(), p, Options{Desired: loadDesired(t), Rego: ev, Timeout: time.Second, Now: now}); err != nil {
		t.Fatal(err)
	}
	if ev.timeout != time.Second || ev.input["version"] != InputVersion || ev.input["desired"] == nil {
		t.Errorf("evaluator asked with timeout %s and input %v", ev.timeout, ev.input)
	}
	if got, want := format(p.Policy), "deny rego:main account[prod].idp[Okta]: Okta must sign its requests\nwarn rego:main plan: the plan deletes something\n"; got != want {
		t.Errorf("findings:\n%s\nwant\n%s", got, want)
	}
	if Gate(p) == nil {
		t.Error("the evaluator's deny passed the gate")
	}

	// Saved, the plan keeps its findings; evaluated again, the same
	// findings are not added twice, and a waiver excuses them.
	p.PolicyRules = &plan.PolicyRules{Waivers: []plan.PolicyWaiver{{Rule: "rego:main", Address: "account[prod].*", Reason: "SEC-42", Until: "2099-12-31"}}}
	if err := Check(context.Background(), p, Options{Rego: ev, Now: now}); err != nil {
		t.Fatal(err)
	}
	if ev.input["desired"] != nil {
		t.Errorf("a saved plan's input has a desired state: %v", ev.input["desired"])
	}
	if got, want := format(p.Policy), "deny rego:main account[prod].idp[Okta] waived(SEC-42 until 2099-12-31): Okta must sign its requests\nwarn rego:main plan: the plan deletes something\n"; got != want {
		t.Errorf("findings checked again:\n%s\nwant\n%s", got, want)
	}
	if err := Gate(p); err != nil {
		t.Errorf("a waived deny stopped the gate: %v", err)
	}

	boom := errors.New("policy main.deny: eval_conflict_error")
	err := Check(context.Background(), fixturePlan(), Options{Rego: &evaluator{err: boom}, Now: now})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "eval_conflict_error") {
		t.Errorf("error = %v", err)
	}
}
