package main

import (
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestPlanRecipesUseChangedSince: the pull-request plan of both recipes
// plans only what the change touches, against the base the CI names, with
// the history that base needs; the apply jobs plan everything.
func TestPlanRecipesUseChangedSince(t *testing.T) {
	t.Run("github", func(t *testing.T) {
		b, err := os.ReadFile("../../examples/github-actions/plan.yml")
		if err != nil {
			t.Fatal(err)
		}
		var wf struct {
			Jobs map[string]struct {
				Steps []struct {
					Name string            `yaml:"name"`
					Uses string            `yaml:"uses"`
					With map[string]string `yaml:"with"`
				} `yaml:"steps"`
			} `yaml:"jobs"`
		}
		if err := yaml.Unmarshal(b, &wf); err != nil {
			t.Fatal(err)
		}
		var checkout, plan bool
		for _, s := range wf.Jobs["plan"].Steps {
			if strings.HasPrefix(s.Uses, "actions/checkout@") {
				checkout = true
				if s.With["fetch-depth"] != "0" {
					t.Errorf("checkout: fetch-depth %q, want 0 so that origin/<base> exists", s.With["fetch-depth"])
				}
			}
			if s.With["command"] != "plan" {
				continue
			}
			plan = true
			// The action takes args one per line, literally.
			args := strings.Split(strings.TrimSpace(s.With["args"]), "\n")
			for i := range args {
				args[i] = strings.TrimSpace(args[i])
			}
			i := indexOf(args, "--changed-since")
			if i < 0 || i+1 >= len(args) || args[i+1] != "origin/${{ github.base_ref }}" {
				t.Errorf("plan step args %q: want --changed-since origin/${{ github.base_ref }}", args)
			}
		}
		if !checkout || !plan {
			t.Fatalf("plan.yml: checkout step %v, plan step %v", checkout, plan)
		}
	})
	t.Run("gitlab", func(t *testing.T) {
		b, err := os.ReadFile("../../examples/gitlab-ci/gitlab-ci.yml")
		if err != nil {
			t.Fatal(err)
		}
		type job struct {
			Variables    map[string]string `yaml:"variables"`
			Script       []string          `yaml:"script"`
			BeforeScript []string          `yaml:"before_script"`
		}
		var all map[string]yaml.Node
		if err := yaml.Unmarshal(b, &all); err != nil {
			t.Fatal(err)
		}
		p := map[string]job{}
		for _, name := range []string{".idpsync", "idpsync-plan", "idpsync-apply"} {
			n := all[name]
			var j job
			if err := n.Decode(&j); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			p[name] = j
		}
		plan := p["idpsync-plan"]
		if plan.Variables["GIT_DEPTH"] != "0" {
			t.Errorf("idpsync-plan: GIT_DEPTH %q, want 0 so that the base commit is in the clone", plan.Variables["GIT_DEPTH"])
		}
		if !strings.Contains(strings.Join(plan.Script, "\n"), `idpsync plan --changed-since "$CI_MERGE_REQUEST_DIFF_BASE_SHA" `) {
			t.Error(`idpsync-plan: the plan does not run with --changed-since "$CI_MERGE_REQUEST_DIFF_BASE_SHA"`)
		}
		if !strings.Contains(strings.Join(p[".idpsync"].BeforeScript, "\n"), "apk add --no-cache curl jq git") {
			t.Error(".idpsync: git is not installed, and --changed-since needs it")
		}
		for _, s := range p["idpsync-apply"].Script {
			if strings.Contains(s, "--changed-since") {
				t.Error("idpsync-apply: apply must plan everything")
			}
		}
	})
	apply, err := os.ReadFile("../../examples/github-actions/apply.yml")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(apply), "--changed-since") {
		t.Error("apply.yml: apply must plan everything")
	}
}

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}
