package rego

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/policy"
	"github.com/idpsync/idpsync/state"
)

const canary = "canary-5e1f-never-in-input"

// Policies are the evaluator policy.Check takes.
var _ policy.Evaluator = (*Policies)(nil)

func TestRegoFindings(t *testing.T) {
	d, diags := state.Load(context.Background(), []string{"../testdata/rules/desired.yaml"}, state.LoadOptions{
		Root: "../testdata/rules", Now: func() time.Time { return now },
		Getenv: func(k string) (string, bool) { return canary, k == "OIDC_SECRET" },
	})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	r, err := LoadDir("testdata/good")
	if err != nil {
		t.Fatal(err)
	}
	p := fixturePlan()
	if err := policy.Check(context.Background(), p, policy.Options{Desired: d, Rego: r, Now: now}); err != nil {
		t.Fatal(err)
	}
	got := format(p.Policy)
	for _, line := range []string{
		"deny rego:main account[prod].idp[Okta]: Okta must sign its requests",
		"deny rego:main plan: account[prod].idp[Legacy] locks Wiki out",
		"warn rego:main plan: the plan deletes something",
	} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("missing %q in:\n%s", line, got)
		}
	}
	if strings.Contains(got, "Signed must") {
		t.Errorf("a signed IdP was denied:\n%s", got)
	}
	if policy.Gate(p) == nil {
		t.Error("a Rego deny passed the gate")
	}
}

func TestRegoRefusesNetworkAndEnvironment(t *testing.T) {
	for dir, want := range map[string]string{
		"httpsend": "http.send is not available to idpsync policies",
		"env":      "opa.runtime is not available to idpsync policies",
		"lookup":   "net.lookup_ip_addr is not available to idpsync policies",
	} {
		t.Run(dir, func(t *testing.T) {
			_, err := LoadDir("testdata/" + dir)
			if err == nil {
				t.Fatal("the policy was accepted")
			}
			if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "testdata/"+dir+"/") {
				t.Errorf("error = %v", err)
			}
		})
	}
}

func TestRegoV0SyntaxRefused(t *testing.T) {
	_, err := LoadDir("testdata/badsyntax")
	if err == nil || !strings.Contains(err.Error(), "old.rego:3") {
		t.Errorf("error = %v", err)
	}
}

func TestRegoTimeout(t *testing.T) {
	r, err := LoadDir("testdata/slow")
	if err != nil {
		t.Fatal(err)
	}
	p := fixturePlan()
	err = policy.Check(context.Background(), p, policy.Options{Rego: r, Timeout: 50 * time.Millisecond, Now: now})
	if err == nil || !strings.Contains(err.Error(), "longer than 50ms") {
		t.Fatalf("error = %v", err)
	}
}

func TestRegoNoFiles(t *testing.T) {
	if _, err := LoadDir("../testdata/rules"); err == nil || !strings.Contains(err.Error(), "no .rego files") {
		t.Errorf("error = %v", err)
	}
	if _, err := LoadDir("testdata/missing"); err == nil {
		t.Error("a missing directory was accepted")
	}
}

func TestRunTests(t *testing.T) {
	for _, tt := range []struct {
		dir        string
		pass, fail int
	}{
		{"testdata/good", 2, 0},
		{"testdata/failing", 1, 1},
	} {
		r, err := LoadDir(tt.dir)
		if err != nil {
			t.Fatal(err)
		}
		res, err := r.RunTests(context.Background(), 0)
		if err != nil {
			t.Fatal(err)
		}
		pass, fail := 0, 0
		for _, x := range res {
			if x.Pass {
				pass++
			} else {
				fail++
			}
		}
		if pass != tt.pass || fail != tt.fail {
			t.Errorf("%s: %d passed, %d failed; want %d, %d: %+v", tt.dir, pass, fail, tt.pass, tt.fail, res)
		}
	}
}

func TestFindingsShapes(t *testing.T) {
	rr := regoRule{pkg: "main", name: "deny", level: "deny"}
	got := findings(rr, []any{"plain", map[string]any{"msg": "obj", "address": "account[x]"}, map[string]any{"nomsg": 1}, 3.0, strings.Repeat("é", 900)})
	if len(got) != 5 || got[0].Message != "plain" || got[1].Address != "account[x]" || !strings.Contains(got[2].Message, "without a `msg`") || !strings.Contains(got[3].Message, "instead of a message") {
		t.Errorf("%+v", got)
	}
	if len(got[4].Message) > maxMessage+len("…") || !strings.HasSuffix(got[4].Message, "…") {
		t.Errorf("long message not clipped: %d bytes", len(got[4].Message))
	}
	if f := findings(rr, false); len(f) != 0 {
		t.Errorf("false gave findings: %+v", f)
	}
	_ = plan.PolicyResult{}
}

// TestSavedPlanKeepsRegoFindings: a saved plan applied without --policy
// still carries its Rego denies; with --policy they are evaluated afresh.
func TestSavedPlanKeepsRegoFindings(t *testing.T) {
	r, err := LoadDir("testdata/good")
	if err != nil {
		t.Fatal(err)
	}
	p := fixturePlan()
	if err := policy.Check(context.Background(), p, policy.Options{Desired: loadDesired(t), Rego: r, Now: now}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(format(p.Policy), "Okta must sign its requests") {
		t.Fatalf("the fixture has no Rego deny about the desired state:\n%s", format(p.Policy))
	}
	saved := *p
	saved.Policy = append([]plan.PolicyResult(nil), p.Policy...)
	if err := policy.Check(context.Background(), p, policy.Options{Now: now}); err != nil {
		t.Fatal(err)
	}
	if policy.Gate(p) == nil {
		t.Error("checked again without --policy, the saved plan's Rego deny was dropped")
	}
	// With --policy, input.desired is null for a saved plan: the deny that
	// judged the desired state cannot be found again, and must not be lost.
	if err := policy.Check(context.Background(), &saved, policy.Options{Rego: r, Now: now}); err != nil {
		t.Fatal(err)
	}
	if len(saved.PolicyDenied()) != len(p.PolicyDenied()) {
		t.Errorf("checked again with --policy: %d denies, want the %d saved:\n%s", len(saved.PolicyDenied()), len(p.PolicyDenied()), format(saved.Policy))
	}
}
