package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/idpsync/idpsync/schemas"
)

// TestPlanSchemaValidatesRealPlans: plans the built CLI writes for the
// examples, on the sandbox, as JSON and inside a saved plan, match
// schemas/plan.schema.json; one of them carries policy findings.
func TestPlanSchemaValidatesRealPlans(t *testing.T) {
	t.Parallel()
	sch, err := schemas.CompilePlan()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "examples"), os.DirFS("../../examples")); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "NO_COLOR=1"}
	run := func(args ...string) []byte {
		cmd := exec.Command("idpsync", args...)
		cmd.Dir, cmd.Env = dir, env
		var out bytes.Buffer
		cmd.Stdout = &out
		if err := cmd.Run(); err != nil {
			if _, ok := err.(*exec.ExitError); !ok {
				t.Fatal(err)
			}
		}
		return out.Bytes()
	}
	validate := func(name string, raw []byte) {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, raw)
		}
		if err := sch.Validate(v); err != nil {
			t.Errorf("%s does not match plan.schema.json:\n%v", name, err)
		}
	}
	var guardrails []byte
	for i, args := range [][]string{
		{"examples/federation.yaml"},
		{"--policy", "examples/policy", "examples/guardrails.yaml"},
		{"--policy", "examples/policy", "examples/guardrails.yaml", "examples/policy/waivers/expired.yaml"},
	} {
		out := run(append([]string{"plan", "--sandbox=sb", "--output", "json"}, args...)...)
		validate(args[len(args)-1], out)
		if i == 1 {
			guardrails = out
		}
	}
	if !bytes.Contains(guardrails, []byte(`"policy":[{`)) {
		t.Error("the guardrails plan carries no policy findings")
	}
	run("plan", "--sandbox=sb", "--out", "saved.json", "examples/federation.yaml")
	raw, err := os.ReadFile(filepath.Join(dir, "saved.json"))
	if err != nil {
		t.Fatal(err)
	}
	var env1 struct {
		Plan json.RawMessage `json:"plan"`
	}
	if err := json.Unmarshal(raw, &env1); err != nil || len(env1.Plan) == 0 {
		t.Fatalf("saved plan: %v", err)
	}
	validate("saved.json", env1.Plan)
}
