package rego

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/idpsync/idpsync/policy"
)

// TestResult is the outcome of one Rego unit test (a `test_` rule).
type TestResult struct {
	// Name is package.rule; File and Line where the rule is.
	Name string
	File string
	Line int
	Pass bool
	Skip bool
	// Error is set when the test could not be evaluated.
	Error string
	// Duration is how long it took.
	Duration time.Duration
}

// RunTests runs every `test_` rule of the directory the way `opa test`
// does, each within timeout (policy.DefaultTimeout when zero), with the same
// capabilities as an evaluation: a test can no more reach the network than
// a policy. Results are sorted by file, then line.
func (r *Policies) RunTests(ctx context.Context, timeout time.Duration) ([]TestResult, error) {
	if timeout <= 0 {
		timeout = policy.DefaultTimeout
	}
	// The tester adds stages to the compiler it is given: use a fresh one.
	c := ast.NewCompiler().WithCapabilities(capabilities()).WithDefaultRegoVersion(ast.RegoV1).WithEnablePrintStatements(false)
	runner := tester.NewRunner().SetCompiler(c).SetModules(r.modules).SetTimeout(timeout).SetDefaultRegoVersion(ast.RegoV1).RaiseBuiltinErrors(true)
	ctx, cancel := context.WithTimeout(ctx, timeout*time.Duration(max(1, len(r.modules))))
	defer cancel()
	ch, err := runner.RunTests(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("policy %w", friendly(err))
	}
	var out []TestResult
	for res := range ch {
		tr := TestResult{Name: strings.TrimPrefix(res.Package, "data.") + "." + res.Name, Pass: res.Pass(), Skip: res.Skip, Duration: res.Duration}
		if res.Location != nil {
			tr.File, tr.Line = res.Location.File, res.Location.Row
		}
		if res.Error != nil {
			tr.Error = res.Error.Error()
			if errors.Is(res.Error, context.DeadlineExceeded) || strings.Contains(tr.Error, "timed out") || strings.Contains(tr.Error, "cancel") {
				tr.Error = fmt.Sprintf("stopped after %s", timeout)
			}
		}
		out = append(out, tr)
	}
	if err := ctx.Err(); err != nil {
		return out, fmt.Errorf("policy tests stopped: %w", err)
	}
	slices.SortFunc(out, func(a, b TestResult) int {
		if a.File != b.File {
			return strings.Compare(a.File, b.File)
		}
		return a.Line - b.Line
	})
	return out, nil
}
