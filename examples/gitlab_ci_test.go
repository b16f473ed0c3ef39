package examples

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// gitlabSchema compiles GitLab's CI schema (see testdata/gitlab-ci.schema.NOTICE).
func gitlabSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("testdata/gitlab-ci.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("https://gitlab.com/.gitlab-ci.yml", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("https://gitlab.com/.gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// asJSON turns YAML into the values the validator expects (JSON numbers).
func asJSON(t *testing.T, y []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(y, &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestGitLabPipelineMatchesGitLabSchema(t *testing.T) {
	schema := gitlabSchema(t)
	y, err := os.ReadFile("gitlab-ci/gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(asJSON(t, y)); err != nil {
		t.Fatalf("gitlab-ci/gitlab-ci.yml does not match GitLab's CI schema:\n%v", err)
	}
}

// The schema is strict enough to catch a broken pipeline, so the test above
// means something.
func TestGitLabSchemaRejectsMistakes(t *testing.T) {
	schema := gitlabSchema(t)
	for name, y := range map[string]string{
		"unknown job key": "job:\n  script: [echo]\n  scripts: [echo]\n",
		"bad when":        "job:\n  script: [echo]\n  when: sometimes\n",
		"rules not list":  "job:\n  script: [echo]\n  rules: {if: x}\n",
		"artifacts when":  "job:\n  script: [echo]\n  artifacts: {when: later, paths: [a]}\n",
	} {
		if err := schema.Validate(asJSON(t, []byte(y))); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// What the recipes promise about least privilege and pinning, which no schema checks.
func TestGitLabPipelineJobs(t *testing.T) {
	y, err := os.ReadFile("gitlab-ci/gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := yaml.Unmarshal(y, &p); err != nil {
		t.Fatal(err)
	}
	job := func(name string) map[string]any {
		j, ok := p[name].(map[string]any)
		if !ok {
			t.Fatalf("no job %s", name)
		}
		return j
	}
	vars := func(j map[string]any) map[string]any { m, _ := j["variables"].(map[string]any); return m }
	for _, name := range []string{"idpsync-plan", "idpsync-drift"} {
		if got := vars(job(name))["CLOUDFLARE_API_TOKEN"]; got != "$CLOUDFLARE_READ_TOKEN" {
			t.Errorf("%s: CLOUDFLARE_API_TOKEN = %v, want the read token", name, got)
		}
		if _, ok := job(name)["environment"]; ok {
			t.Errorf("%s: must not run in the production environment, which holds the write token", name)
		}
	}
	apply := job("idpsync-apply")
	if env, _ := apply["environment"].(map[string]any); env["name"] != "production" {
		t.Errorf("apply: environment %v, want production", apply["environment"])
	}
	if apply["resource_group"] == nil {
		t.Error("apply: no resource_group; two applies could overlap")
	}
	if _, ok := vars(apply)["CLOUDFLARE_API_TOKEN"]; ok {
		t.Error("apply: the write token must come from the environment-scoped variable, not be remapped")
	}
	global, _ := p["variables"].(map[string]any)
	// Either a pinned release, or no release and a pinned commit to build
	// from (before the first release exists): never "latest", never a branch.
	version, _ := global["IDPSYNC_VERSION"].(string)
	commit, _ := global["IDPSYNC_SOURCE_COMMIT"].(string)
	switch {
	case version == "latest":
		t.Errorf("IDPSYNC_VERSION = %q: pin a release", version)
	case version == "" && !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(commit):
		t.Errorf("IDPSYNC_VERSION is empty and IDPSYNC_SOURCE_COMMIT = %q: pin a release or a full commit SHA to build from", commit)
	}
	if !strings.Contains(string(y), "sha256sum -c") {
		t.Error("the install step does not verify the checksum")
	}
	if !strings.Contains(string(y), `rules:
    - if: $CI_PIPELINE_SOURCE == "schedule"`) {
		t.Error("drift does not run on a schedule")
	}
}
