package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"
)

// fakeGH is a stand-in for the gh CLI that keeps issues as files: the subset
// of gh the drift recipe calls (label create, issue list/create/edit/close).
const fakeGH = `#!/usr/bin/env bash
set -euo pipefail
d=$GH_FAKE_DIR
echo "gh $*" >> "$d/log"
flag() { local want=$1; shift; while [ $# -gt 0 ]; do if [ "$1" = "$want" ]; then echo "$2"; return; fi; shift; done; }
case "$1 $2" in
"label create") ;;
"issue list")
  [ "$(flag --state "$@")" = open ] || { echo "fake gh: list wants --state open" >&2; exit 1; }
  [ "$(flag --label "$@")" = idpsync-drift ] || { echo "fake gh: list wants --label idpsync-drift" >&2; exit 1; }
  for f in "$d"/*.state; do
    [ -e "$f" ] || continue
    n=$(basename "$f" .state)
    [ "$(cat "$f")" = open ] && printf '%s\t%s\n' "$n" "$(cat "$d/$n.title")"
  done ;;
"issue create")
  n=$(( $(ls "$d" | grep -c '\.state$' || true) + 1 ))
  flag --title "$@" > "$d/$n.title"
  cp "$(flag --body-file "$@")" "$d/$n.body"
  echo open > "$d/$n.state" ;;
"issue edit")
  cp "$(flag --body-file "$@")" "$d/$3.body" ;;
"issue close")
  echo closed > "$d/$3.state"
  flag --comment "$@" > "$d/$3.comment" ;;
*) echo "fake gh: unknown command $*" >&2; exit 1 ;;
esac
`

type workflowFile struct {
	Env  map[string]string `yaml:"env"`
	Jobs map[string]struct {
		Steps []struct {
			Name string            `yaml:"name"`
			If   string            `yaml:"if"`
			Env  map[string]string `yaml:"env"`
			Run  string            `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// TestDriftRecipeGitHub runs the drift workflow's issue steps against a
// stand-in gh: drift opens one issue per configuration, a later run updates it
// in place, another configuration gets its own, and a run in sync closes only
// its configuration's issue.
func TestDriftRecipeGitHub(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../examples/github-actions/drift.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf workflowFile
	if err := yaml.Unmarshal(b, &wf); err != nil {
		t.Fatal(err)
	}
	steps := map[string]string{}
	for _, s := range wf.Jobs["drift"].Steps {
		steps[s.Name] = s.Run
	}
	open, closeRun := steps["Open or update the drift issue"], steps["Close the drift issue"]
	if open == "" || closeRun == "" || wf.Env["CONFIG"] == "" {
		t.Fatalf("drift.yml lacks the issue steps or CONFIG: %v", wf.Env)
	}
	bin, state := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "gh"), []byte(fakeGH), 0o755); err != nil {
		t.Fatal(err)
	}
	run := func(script, config, body string) {
		t.Helper()
		report := filepath.Join(t.TempDir(), "drift.md")
		if err := os.WriteFile(report, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		// GitHub runs a bash step as bash --noprofile --norc -eo pipefail.
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", expr().ReplaceAllString(script, ""))
		cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "GH_FAKE_DIR="+state, "CONFIG="+config, "BODY="+report,
			"GITHUB_SERVER_URL=https://github.example", "GITHUB_REPOSITORY=o/r", "GITHUB_RUN_ID=7")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("step failed: %v\n%s", err, out)
		}
	}
	issue := func(n int) (title, body, st string) {
		read := func(ext string) string {
			b, _ := os.ReadFile(filepath.Join(state, strconv.Itoa(n)+ext))
			return string(b)
		}
		return strings.TrimSpace(read(".title")), read(".body"), strings.TrimSpace(read(".state"))
	}

	run(open, "idp/", "first report")
	run(open, "idp/", "second report")
	run(open, "other/", "other report")
	if title, body, st := issue(1); title != "idpsync drift: idp/" || body != "second report" || st != "open" {
		t.Errorf("issue 1: %q %q %q; want idp/'s issue, updated in place", title, body, st)
	}
	if title, _, st := issue(2); title != "idpsync drift: other/" || st != "open" {
		t.Errorf("issue 2: %q %q; want other/'s own issue", title, st)
	}
	if _, _, st := issue(3); st != "" {
		t.Error("a third issue was opened")
	}
	run(closeRun, "idp/", "")
	if _, _, st := issue(1); st != "closed" {
		t.Errorf("idp/'s issue is %q after a run in sync", st)
	}
	if _, _, st := issue(2); st != "open" {
		t.Errorf("other/'s issue is %q; closing idp/ must leave it open", st)
	}
	if c, _ := os.ReadFile(filepath.Join(state, "1.comment")); !strings.Contains(string(c), "matches the declared state again") {
		t.Errorf("close comment %q", c)
	}
	// Drift again after the close opens a new issue, not the closed one.
	run(open, "idp/", "third report")
	if title, body, st := issue(3); title != "idpsync drift: idp/" || body != "third report" || st != "open" {
		t.Errorf("issue 3: %q %q %q", title, body, st)
	}
}

// gitlabIssues is a stand-in for the GitLab issues API subset the drift job
// calls: list (state, labels, search), create, update (description,
// state_event) and notes.
type gitlabIssues struct {
	mu     sync.Mutex
	issues []map[string]any
	notes  map[int][]string
	token  string
}

func (g *gitlabIssues) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if r.Header.Get("PRIVATE-TOKEN") != g.token {
		http.Error(w, `{"message":"401 Unauthorized"}`, http.StatusUnauthorized)
		return
	}
	const prefix = "/api/v4/projects/42/issues"
	rest, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var in map[string]any
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(body, &in)
	} else if len(body) > 0 {
		in = map[string]any{}
		for _, kv := range strings.Split(string(body), "&") {
			k, v, _ := strings.Cut(kv, "=")
			in[k] = v
		}
	}
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	switch {
	case r.Method == http.MethodGet && rest == "":
		q := r.URL.Query()
		out := []map[string]any{}
		for _, is := range g.issues {
			if is["state"] == q.Get("state") && strings.Contains(is["labels"].(string), q.Get("labels")) && strings.Contains(is["title"].(string), q.Get("search")) {
				out = append(out, is)
			}
		}
		_ = json.NewEncoder(w).Encode(out)
	case r.Method == http.MethodPost && rest == "":
		is := map[string]any{"iid": len(g.issues) + 1, "title": in["title"], "description": in["description"], "labels": in["labels"], "state": "opened"}
		g.issues = append(g.issues, is)
		_ = json.NewEncoder(w).Encode(is)
	case len(parts) >= 1:
		iid, err := strconv.Atoi(parts[0])
		if err != nil || iid < 1 || iid > len(g.issues) {
			http.NotFound(w, r)
			return
		}
		is := g.issues[iid-1]
		switch {
		case r.Method == http.MethodPut && len(parts) == 1:
			if d, ok := in["description"]; ok {
				is["description"] = d
			}
			if in["state_event"] == "close" {
				is["state"] = "closed"
			}
		case r.Method == http.MethodPost && len(parts) == 2 && parts[1] == "notes":
			g.notes[iid] = append(g.notes[iid], fmt.Sprint(in["body"]))
		default:
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(is)
	default:
		http.NotFound(w, r)
	}
}

// TestDriftRecipeGitLab runs the GitLab drift job's script with a stand-in
// idpsync and a stand-in GitLab API: one issue per configuration, updated in
// place, closed with a note when in sync; an error (exit 1) touches nothing.
func TestDriftRecipeGitLab(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the GitLab recipe needs %s (.ci/run installs it): %v", tool, err)
		}
	}
	b, err := os.ReadFile("../../examples/gitlab-ci/gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	node := doc["idpsync-drift"]
	var job struct {
		Script []string `yaml:"script"`
	}
	if err := node.Decode(&job); err != nil {
		t.Fatal(err)
	}
	script := strings.Join(job.Script, "\n")
	if !strings.Contains(script, "idpsync drift") {
		t.Fatalf("the idpsync-drift job runs no drift: %q", script)
	}
	api := &gitlabIssues{token: "glpat-CANARY", notes: map[int][]string{}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	bin := t.TempDir()
	fake := "#!/bin/sh\nprintf '%s\\n' \"$FAKE_REPORT\"\nexit \"$FAKE_CODE\"\n"
	if err := os.WriteFile(filepath.Join(bin, "idpsync"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	run := func(config, report string, code int) int {
		t.Helper()
		cmd := exec.Command("sh", "-c", script)
		cmd.Dir = t.TempDir()
		cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "IDP_PATH="+config, "FAKE_REPORT="+report, "FAKE_CODE="+strconv.Itoa(code),
			"CI_API_V4_URL="+srv.URL+"/api/v4", "CI_PROJECT_ID=42", "GITLAB_NOTE_TOKEN=glpat-CANARY", "CI_PIPELINE_URL=https://gitlab.example/p/1")
		out, err := cmd.CombinedOutput()
		if strings.Contains(string(out), "glpat-CANARY") {
			t.Errorf("the job printed the token:\n%s", out)
		}
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return 0
	}
	state := func() []string {
		api.mu.Lock()
		defer api.mu.Unlock()
		var s []string
		for _, is := range api.issues {
			s = append(s, fmt.Sprintf("%v %v %v %v", is["iid"], is["title"], is["state"], strings.TrimSpace(fmt.Sprint(is["description"]))))
		}
		sort.Strings(s)
		return s
	}
	for _, step := range []struct {
		config, report string
		code, exit     int
		want           []string
	}{
		{"idp/", "first", 2, 2, []string{"1 idpsync drift: idp/ opened first"}},
		{"idp/", "second", 2, 2, []string{"1 idpsync drift: idp/ opened second"}},
		{"other/", "other", 2, 2, []string{"1 idpsync drift: idp/ opened second", "2 idpsync drift: other/ opened other"}},
		{"idp/", "broken", 1, 1, []string{"1 idpsync drift: idp/ opened second", "2 idpsync drift: other/ opened other"}},
		{"idp/", "in sync", 0, 0, []string{"1 idpsync drift: idp/ closed second", "2 idpsync drift: other/ opened other"}},
		{"idp/", "again", 2, 2, []string{"1 idpsync drift: idp/ closed second", "2 idpsync drift: other/ opened other", "3 idpsync drift: idp/ opened again"}},
	} {
		if got := run(step.config, step.report, step.code); got != step.exit {
			t.Fatalf("%s with idpsync exit %d: the job exited %d, want %d", step.config, step.code, got, step.exit)
		}
		if got := state(); strings.Join(got, "|") != strings.Join(step.want, "|") {
			t.Fatalf("after %s %q (exit %d):\n%s\nwant\n%s", step.config, step.report, step.code, strings.Join(got, "\n"), strings.Join(step.want, "\n"))
		}
	}
	if n := api.notes[1]; len(n) != 1 || !strings.Contains(n[0], "matches the declared state again") {
		t.Errorf("close notes %q", n)
	}
}
