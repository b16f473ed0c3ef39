package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"
)

// actionFile is the part of action.yml a runner reads. Decoding it with
// unknown fields refused makes the test fail on anything the simulated runner
// below does not implement (a step's if:, uses:, continue-on-error, ...).
type actionFile struct {
	Name        string         `yaml:"name"`
	Description string         `yaml:"description"`
	Author      string         `yaml:"author"`
	Branding    map[string]any `yaml:"branding"`
	Inputs      map[string]struct {
		Description string `yaml:"description"`
		Required    bool   `yaml:"required"`
		Default     string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
		Value       string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string       `yaml:"using"`
		Steps []actionStep `yaml:"steps"`
	} `yaml:"runs"`
}

type actionStep struct {
	Name             string            `yaml:"name"`
	ID               string            `yaml:"id"`
	If               string            `yaml:"if"`
	Uses             string            `yaml:"uses"`
	With             map[string]string `yaml:"with"`
	Shell            string            `yaml:"shell"`
	WorkingDirectory string            `yaml:"working-directory"`
	Env              map[string]string `yaml:"env"`
	Run              string            `yaml:"run"`
}

func readAction(t *testing.T) actionFile {
	t.Helper()
	b, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if a.Runs.Using != "composite" {
		t.Fatalf("action.yml: runs.using is %q, the test runs composite actions", a.Runs.Using)
	}
	for i, s := range a.Runs.Steps {
		switch {
		case s.Uses != "":
			// GitHub's hardening guide: a third-party action by commit SHA.
			if !setupGo().MatchString(s.Uses) || s.Run != "" {
				t.Fatalf("action.yml: step %d (%s): the test runs only actions/setup-go pinned by commit SHA, not %q", i, s.Name, s.Uses)
			}
		case s.Shell != "bash" || s.Run == "":
			t.Fatalf("action.yml: step %d (%s): the test runs only `shell: bash` run steps", i, s.Name)
		}
		if s.If != "" && !stepIf().MatchString(s.If) {
			t.Fatalf("action.yml: step %d (%s): the test does not evaluate if: %q", i, s.Name, s.If)
		}
	}
	return a
}

// The regexps are compiled on first use: this test binary is also the
// idpsync of every scenario, and each of those processes would compile them
// at start for nothing.
var (
	setupGo = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^actions/setup-go@[0-9a-f]{40}$`) })
	// stepIf is the one form of if: the simulated runner evaluates.
	stepIf = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(steps\.[-\w]+\.outputs\.[-\w]+) == '([^']*)'$`)
	})
)

// expr matches a GitHub expression; GitHub substitutes them into the text
// before the shell sees it.
var expr = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`) })

// evaluate substitutes the expressions the action uses: inputs.NAME (declared
// inputs only), github.token and steps.ID.outputs.NAME. Any other expression
// fails the test, so a new one cannot slip past it unevaluated.
func evaluate(t *testing.T, s string, ctx map[string]string) string {
	t.Helper()
	return expr().ReplaceAllStringFunc(s, func(m string) string {
		e := expr().FindStringSubmatch(m)[1]
		v, ok := ctx[e]
		if !ok {
			t.Fatalf("action.yml: the test does not evaluate the expression %q", m)
		}
		return v
	})
}

// runnerResult is what one run of the action left behind.
type runnerResult struct {
	failed  bool              // a step failed (the job would stop here)
	ran     []string          // the ids of the steps that ran
	log     string            // every step's output, as the job log shows it
	outputs map[string]string // the action's outputs
	path    []string          // what the steps added to GITHUB_PATH
}

// runAction runs action.yml's steps in order, as GitHub's runner does for a
// composite action on a Linux runner: each step's script in a file under
// RUNNER_TEMP, run by `bash --noprofile --norc -eo pipefail` (the command
// GitHub documents for shell: bash), with its env and working-directory;
// fresh GITHUB_OUTPUT, GITHUB_ENV and GITHUB_PATH files per step, read after
// it; a failed step ends the run. runner holds the job's environment (PATH
// without the steps' additions, RUNNER_*, GITHUB_WORKSPACE, secrets...).
func runAction(t *testing.T, a actionFile, with map[string]string, runner map[string]string, githubToken string) runnerResult {
	t.Helper()
	ctx := map[string]string{"github.token": githubToken, "github.action_path": runner["GITHUB_ACTION_PATH"]}
	for name, in := range a.Inputs {
		v, ok := with[name]
		if !ok {
			if in.Required {
				t.Fatalf("the test omits the required input %s", name)
			}
			v = evaluate(t, in.Default, ctx)
		}
		ctx["inputs."+name] = v
	}
	for name := range with {
		if _, ok := a.Inputs[name]; !ok {
			t.Fatalf("action.yml has no input %s", name)
		}
	}

	var res runnerResult
	var logs strings.Builder
	env := map[string]string{}
	for i, s := range a.Runs.Steps {
		name := evaluate(t, s.Name, ctx)
		if m := stepIf().FindStringSubmatch(s.If); m != nil && ctx[m[1]] != m[2] {
			continue // skipped, as GitHub skips a step whose if: is false
		}
		fmt.Fprintf(&logs, "--- %s\n", name)
		if s.Uses != "" {
			// actions/setup-go: the Go version its go-version-file names
			// must be the one at hand, which it puts on PATH.
			res.ran = append(res.ran, "setup-go")
			mod, err := os.ReadFile(evaluate(t, s.With["go-version-file"], ctx))
			if err != nil {
				t.Fatalf("setup-go: go-version-file: %v", err)
			}
			want := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod)
			if want == nil || !strings.HasPrefix(runtime.Version(), "go"+strings.Join(strings.Split(string(want[1]), ".")[:2], ".")) {
				t.Fatalf("setup-go: go.mod asks for %q, the test has %s", want, runtime.Version())
			}
			goBin, err := exec.LookPath("go")
			if err != nil {
				t.Fatal(err)
			}
			res.path = append([]string{filepath.Dir(goBin)}, res.path...)
			continue
		}
		files := map[string]string{}
		for _, f := range []string{"GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH"} {
			files[f] = filepath.Join(runner["RUNNER_TEMP"], "_runner_file_commands", fmt.Sprintf("%s_%d", strings.ToLower(f), i))
			if err := os.MkdirAll(filepath.Dir(files[f]), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(files[f], nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		script := filepath.Join(runner["RUNNER_TEMP"], fmt.Sprintf("step-%d.sh", i))
		if err := os.WriteFile(script, []byte(evaluate(t, s.Run, ctx)), 0o644); err != nil {
			t.Fatal(err)
		}
		vars := map[string]string{}
		for k, v := range runner {
			vars[k] = v
		}
		for k, v := range env {
			vars[k] = v
		}
		vars["PATH"] = strings.Join(append(slices.Clone(res.path), runner["PATH"]), ":")
		for k, v := range files {
			vars[k] = v
		}
		for k, v := range s.Env {
			vars[k] = evaluate(t, v, ctx)
		}
		dir := runner["GITHUB_WORKSPACE"]
		if s.WorkingDirectory != "" {
			dir = filepath.Join(dir, evaluate(t, s.WorkingDirectory, ctx))
		}
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
		cmd.Dir = dir
		for k, v := range vars {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		out, err := cmd.CombinedOutput()
		logs.Write(out)
		res.ran = append(res.ran, s.ID)
		outputs := readFileCommands(t, files["GITHUB_OUTPUT"])
		for k, v := range outputs {
			ctx["steps."+s.ID+".outputs."+k] = v
		}
		for k, v := range readFileCommands(t, files["GITHUB_ENV"]) {
			env[k] = v
		}
		b, err2 := os.ReadFile(files["GITHUB_PATH"])
		if err2 != nil {
			t.Fatal(err2)
		}
		for _, p := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if p != "" {
				res.path = append([]string{p}, res.path...) // the newest entry comes first
			}
		}
		if err != nil {
			fmt.Fprintf(&logs, "Error: step %q: %v\n", name, err)
			res.failed = true
			break
		}
	}
	res.log = logs.String()
	res.outputs = map[string]string{}
	for name, o := range a.Outputs {
		// A step that did not run (or wrote no such output) gives an empty value.
		v := expr().ReplaceAllStringFunc(o.Value, func(m string) string {
			e := expr().FindStringSubmatch(m)[1]
			if !regexp.MustCompile(`^steps\.[-\w]+\.outputs\.[-\w]+$`).MatchString(e) {
				t.Fatalf("action.yml: output %s: the test does not evaluate %q", name, m)
			}
			return ctx[e]
		})
		res.outputs[name] = v
	}
	return res
}

// readFileCommands reads a GITHUB_OUTPUT or GITHUB_ENV file: NAME=VALUE
// lines and NAME<<DELIMITER blocks.
func readFileCommands(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if name, delim, ok := strings.Cut(line, "<<"); ok && !strings.Contains(name, "=") {
			var body []string
			for sc.Scan() && sc.Text() != delim {
				body = append(body, sc.Text())
			}
			m[name] = strings.Join(body, "\n")
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: malformed line %q", filepath.Base(path), line)
		}
		m[name] = value
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestAction runs the composite action's steps (action.yml) on a simulated
// Linux runner, downloading a release-like archive of this binary through a
// stand-in curl, against the built-in sandbox: install with checksum
// verification, then plan (exit code 2, changes), apply, plan again (0),
// drift (0), an invalid file (1, the step fails), and a tampered archive,
// which must fail the install with nothing installed. Set
// IDPSYNC_ACTION_SCRIPTS to a directory to also get the steps' scripts there
// (.ci/run lints them with shellcheck).
func TestAction(t *testing.T) {
	t.Parallel()
	a := readAction(t)
	if dir := os.Getenv("IDPSYNC_ACTION_SCRIPTS"); dir != "" {
		for _, s := range a.Runs.Steps {
			// The header tells shellcheck how GitHub runs the script.
			body := "# shellcheck shell=bash\n# action.yml, step " + s.ID + " (run by bash --noprofile --norc -eo pipefail)\n" + s.Run
			if err := os.WriteFile(filepath.Join(dir, "action-"+s.ID+".sh"), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tool := range []string{"bash", "tar", "sha256sum", "awk", "cut"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed: %v", tool, err)
		}
	}
	self, err := exec.LookPath("idpsync") // the test binary, installed by TestMain
	if err != nil {
		t.Fatal(err)
	}
	runnerArch := map[string]string{"amd64": "X64", "arm64": "ARM64"}[runtime.GOARCH]
	if runtime.GOOS != "linux" || runnerArch == "" {
		t.Fatalf("the simulated runner is Linux on amd64 or arm64, not %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	const version = "0.9.1"
	archive := "idpsync_" + version + "_linux_" + runtime.GOARCH + ".tar.gz"
	const githubToken = "ghs_CANARY_7f3a"
	const clientSecret = "secret-CANARY-51c2"
	minimal, err := os.ReadFile("../../examples/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}

	actionPath, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	goCaches := goEnv(t, "GOCACHE", "GOMODCACHE") // one go command for every job

	src := &sourceBuild{dir: t.TempDir()}

	// newRunner is a fresh job: its own workspace (holding the desired
	// state), temp directory and stand-in release.
	// One release and one tampered copy serve every job.
	releases := map[bool]string{false: buildRelease(t, version, archive, self, false), true: buildRelease(t, version, archive, self, true)}
	newRunner := func(t *testing.T, workspace string, tamper bool) (runner map[string]string, curlDir, release string) {
		release = releases[tamper]
		curlDir = standInCurl(t, version, release)
		return map[string]string{
			"PATH":                 curlDir + ":/usr/bin:/bin",
			"HOME":                 t.TempDir(),
			"CI":                   "true",
			"GITHUB_ACTIONS":       "true",
			"RUNNER_OS":            "Linux",
			"RUNNER_ARCH":          runnerArch,
			"RUNNER_TEMP":          t.TempDir(),
			"GITHUB_WORKSPACE":     workspace,
			"GITHUB_STEP_SUMMARY":  filepath.Join(t.TempDir(), "step_summary"),
			"NO_COLOR":             "1",
			"GITHUB_CLIENT_SECRET": clientSecret, // minimal.yaml reads it
			// A composite action's own checkout: this repository.
			"GITHUB_ACTION_PATH": actionPath,
			// What setup-go's cache would restore: the build from source
			// reuses the test's own build and module caches, offline.
			"GOCACHE":     goCaches[0],
			"GOMODCACHE":  goCaches[1],
			"GOPROXY":     "off",
			"GOTOOLCHAIN": "local",
		}, curlDir, release
	}
	newWorkspace := func(t *testing.T) string {
		ws := t.TempDir()
		if err := os.MkdirAll(filepath.Join(ws, "idp"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ws, "idp", "minimal.yaml"), minimal, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ws, "idp", "broken.yaml"), []byte("version: 1\naccounts: [\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return ws
	}
	// noLeak checks the threat model: no token or secret in the job's log,
	// outputs or output file, in the job summary, or in anything a step
	// wrote to its GITHUB_OUTPUT, GITHUB_ENV or GITHUB_PATH (a step output
	// the action does not declare is still readable by a later step).
	noLeak := func(t *testing.T, res runnerResult, runner map[string]string) {
		t.Helper()
		texts := []string{res.log}
		for _, v := range res.outputs {
			texts = append(texts, v)
		}
		files := []string{runner["GITHUB_STEP_SUMMARY"]}
		if f := res.outputs["output-file"]; f != "" {
			files = append(files, f)
		}
		commands, err := filepath.Glob(filepath.Join(runner["RUNNER_TEMP"], "_runner_file_commands", "*"))
		if err != nil || len(commands) == 0 {
			t.Fatalf("no file-command files to check (%v)", err)
		}
		for _, f := range append(files, commands...) {
			b, err := os.ReadFile(f)
			if errors.Is(err, fs.ErrNotExist) && f == runner["GITHUB_STEP_SUMMARY"] {
				continue // nothing wrote a summary
			}
			if err != nil {
				t.Fatal(err)
			}
			texts = append(texts, string(b))
		}
		for _, s := range texts {
			for _, secret := range []string{githubToken, clientSecret} {
				if strings.Contains(s, secret) {
					t.Fatalf("a secret reached the job's output:\n%s", s)
				}
			}
		}
	}

	t.Run("plan-apply-plan-drift", func(t *testing.T) {
		t.Parallel()
		ws := newWorkspace(t)
		sandbox := filepath.Join(ws, "idp", ".idpsync", "sandbox")
		for _, step := range []struct {
			command, output, args, exitCode, ext string
		}{
			{"plan", "markdown", "--sandbox", "2", "md"},
			{"apply", "text", "--sandbox\n--auto-approve\n", "0", "txt"},
			{"plan", "json", "--sandbox", "0", "json"},
			{"drift", "text", "--sandbox", "0", "txt"},
		} {
			runner, curlDir, _ := newRunner(t, ws, false)
			res := runAction(t, a, map[string]string{
				"version":           "v" + version, // a leading v is accepted
				"command":           step.command,
				"path":              "minimal.yaml",
				"output":            step.output,
				"args":              step.args,
				"working-directory": "idp",
			}, runner, githubToken)
			if res.failed {
				t.Fatalf("%s: the action failed:\n%s", step.command, res.log)
			}
			noLeak(t, res, runner)
			if got := res.outputs["exit-code"]; got != step.exitCode {
				t.Fatalf("%s: exit-code output %q, want %s:\n%s", step.command, got, step.exitCode, res.log)
			}
			if got := res.outputs["version"]; got != version {
				t.Fatalf("version output %q, want %s", got, version)
			}
			wantFile := filepath.Join(runner["RUNNER_TEMP"], "idpsync-"+step.command+"."+step.ext)
			if got := res.outputs["output-file"]; got != wantFile {
				t.Fatalf("output-file output %q, want %s", got, wantFile)
			}
			if fi, err := os.Stat(wantFile); err != nil || fi.Size() == 0 {
				t.Fatalf("%s: no output in %s (%v):\n%s", step.command, wantFile, err, res.log)
			}
			binDir := filepath.Join(runner["RUNNER_TEMP"], "idpsync-"+version, "bin")
			if !slices.Equal(res.path, []string{binDir}) {
				t.Fatalf("GITHUB_PATH got %q, want [%s]", res.path, binDir)
			}
			if _, err := os.Stat(filepath.Join(binDir, "idpsync")); err != nil {
				t.Fatalf("idpsync is not installed on the path the action added: %v", err)
			}
			h, err := os.ReadFile(headersFile(curlDir))
			if err != nil || !strings.Contains(string(h), "Authorization: Bearer "+githubToken) {
				t.Fatalf("the downloads did not send the token (%v): %q", err, h)
			}
			if _, err := os.Stat(sandbox); err != nil {
				t.Fatalf("%s: the sandbox was not used where working-directory says: %v", step.command, err)
			}
		}
	})

	t.Run("error-fails-the-step", func(t *testing.T) {
		t.Parallel()
		runner, _, _ := newRunner(t, newWorkspace(t), false)
		res := runAction(t, a, map[string]string{
			"version": version, "command": "plan", "path": "idp/broken.yaml", "args": "--sandbox",
		}, runner, githubToken)
		if !res.failed || res.outputs["exit-code"] != "1" {
			t.Fatalf("an invalid file: failed=%v exit-code=%q, want a failed step and 1:\n%s", res.failed, res.outputs["exit-code"], res.log)
		}
		if !strings.Contains(res.log, "broken.yaml:") {
			t.Fatalf("the log does not name the invalid file:\n%s", res.log)
		}
		noLeak(t, res, runner)
	})

	t.Run("checksums-pinned", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			name string
			pin  func(sums string) string
			ok   bool
		}{
			{"right", func(sums string) string { return sums }, true},
			{"wrong", func(string) string { return strings.Repeat("1", 64) }, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				runner, _, release := newRunner(t, newWorkspace(t), false)
				sums := sha256File(t, filepath.Join(release, "idpsync_"+version+"_checksums.txt"))
				res := runAction(t, a, map[string]string{
					"version": version, "command": "validate", "path": "idp/minimal.yaml", "checksums-sha256": tc.pin(sums),
				}, runner, githubToken)
				if res.failed == tc.ok {
					t.Fatalf("checksums pinned %s: failed=%v:\n%s", tc.name, res.failed, res.log)
				}
				if !tc.ok && (!strings.Contains(res.log, "does not match checksums-sha256") || len(res.path) != 0) {
					t.Fatalf("a wrong pin: no clear error, or something installed (%q):\n%s", res.path, res.log)
				}
			})
		}
	})

	// No release archive for the version (or no version): the action builds
	// idpsync from its own source with setup-go, and runs it.
	t.Run("from-source", func(t *testing.T) {
		t.Parallel()
		for _, v := range []string{"", "0.0.7"} {
			t.Run("version="+v, func(t *testing.T) {
				t.Parallel()
				runner, _, _ := newRunner(t, newWorkspace(t), false)
				res := src.run(t, runner, func() runnerResult {
					return runAction(t, a, map[string]string{
						"version": v, "command": "plan", "path": "idp/minimal.yaml", "args": "--sandbox", "output": "json",
					}, runner, githubToken)
				})
				if res.failed || !slices.Equal(res.ran, []string{"install", "setup-go", "build", "run"}) {
					t.Fatalf("failed=%v, steps run %q:\n%s", res.failed, res.ran, res.log)
				}
				if !strings.Contains(res.log, "building idpsync from the action's own source") || !strings.Contains(res.log, "idpsync source (commit") {
					t.Fatalf("no notice of the build from source, or the built binary did not run:\n%s", res.log)
				}
				built := filepath.Join(runner["RUNNER_TEMP"], "idpsync-source", "bin")
				if len(res.path) == 0 || res.path[0] != built {
					t.Fatalf("PATH additions %q, want %s first", res.path, built)
				}
				if res.outputs["exit-code"] != "2" || res.outputs["version"] != "source" {
					t.Fatalf("outputs %q", res.outputs)
				}
				out, err := os.ReadFile(res.outputs["output-file"])
				if err != nil || !strings.Contains(string(out), `"blockers":[`) {
					t.Fatalf("the plan of the built binary (%v):\n%s", err, out)
				}
				noLeak(t, res, runner)
			})
		}
	})

	t.Run("tampered-archive", func(t *testing.T) {
		t.Parallel()
		runner, _, _ := newRunner(t, newWorkspace(t), true)
		res := runAction(t, a, map[string]string{
			"version": version, "command": "plan", "path": "idp/minimal.yaml", "args": "--sandbox",
		}, runner, githubToken)
		if !res.failed || !slices.Equal(res.ran, []string{"install"}) {
			t.Fatalf("a tampered archive: failed=%v, steps run %q; want the install step to fail:\n%s", res.failed, res.ran, res.log)
		}
		if !strings.Contains(res.log, "checksum mismatch for "+archive) {
			t.Fatalf("no checksum error:\n%s", res.log)
		}
		if len(res.path) != 0 || res.outputs["version"] != "" || res.outputs["exit-code"] != "" {
			t.Fatalf("a tampered archive left a path %q or outputs %q", res.path, res.outputs)
		}
		entries, err := os.ReadDir(filepath.Join(runner["RUNNER_TEMP"], "idpsync-"+version, "bin"))
		if err != nil || len(entries) != 0 {
			t.Fatalf("a tampered archive was unpacked (%v): %v", err, entries)
		}
		noLeak(t, res, runner)
	})

	t.Run("bad-inputs", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			name string
			with map[string]string
			arch string
			want string
		}{
			{"unpinned", map[string]string{"version": "latest", "command": "plan"}, runnerArch, "version must be a release"},
			{"no-version-arch", map[string]string{"version": "", "command": "destroy"}, runnerArch, "command must be plan, apply, drift or validate"},
			{"command", map[string]string{"version": version, "command": "destroy"}, runnerArch, "command must be plan, apply, drift or validate"},
			{"output", map[string]string{"version": version, "command": "plan", "output": "html"}, runnerArch, "output must be text, json or markdown"},
			{"arch", map[string]string{"version": version, "command": "plan"}, "ARM", "no release for runner architecture ARM"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				runner, _, _ := newRunner(t, newWorkspace(t), false)
				runner["RUNNER_ARCH"] = tc.arch
				job := func() runnerResult { return runAction(t, a, tc.with, runner, githubToken) }
				var res runnerResult
				if tc.with["version"] == "" {
					res = src.run(t, runner, job) // the step before the error builds from source
				} else {
					res = job()
				}
				if !res.failed || !strings.Contains(res.log, "::error::idpsync: "+tc.want) {
					t.Fatalf("failed=%v, want an error %q:\n%s", res.failed, tc.want, res.log)
				}
			})
		}
	})
}

// sourceBuild lets the jobs that build idpsync from source share one link
// (a link of idpsync costs seconds of CPU). The first job to ask builds in its
// fresh RUNNER_TEMP, as every job on a real runner does; the others wait for
// it, then start with its binary already where the build step writes it. The
// step's go build still runs in full in every job: it compares the binary's
// build ID with the one the action's source and flags give now, and links
// again on any difference, so a job only skips a link that would produce the
// same file. Every job whose build step ran must have run the built binary
// (the step prints its version).
type sourceBuild struct {
	dir string // where the first build is kept past its job

	mu    sync.Mutex
	built string // the first build, or "" until a job built one
}

// run runs job, one run of the action on runner, after putting a binary
// built by an earlier job where runner's build step writes its own.
func (s *sourceBuild) run(t *testing.T, runner map[string]string, job func() runnerResult) runnerResult {
	t.Helper()
	target := filepath.Join(runner["RUNNER_TEMP"], "idpsync-source", "bin", "idpsync")
	check := func(res runnerResult) runnerResult {
		t.Helper()
		if slices.Contains(res.ran, "build") && !strings.Contains(res.log, "idpsync source (commit") {
			t.Fatalf("the build step did not run the binary it built:\n%s", res.log)
		}
		return res
	}
	s.mu.Lock()
	if s.built == "" {
		// This job builds from nothing; the others wait for it.
		defer s.mu.Unlock()
		res := check(job())
		if slices.Contains(res.ran, "build") && slices.Contains(res.ran, "run") { // the build step succeeded
			kept := filepath.Join(s.dir, "idpsync")
			copyExecutable(t, target, kept)
			s.built = kept
		}
		return res
	}
	s.mu.Unlock()
	copyExecutable(t, s.built, target)
	return check(job())
}

// copyExecutable copies the executable from to to, making to's directory.
func copyExecutable(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}

// goEnv is the values of go env, one a name, for the simulated runner's
// build from source.
func goEnv(t *testing.T, names ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"env"}, names...)...).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", names, err)
	}
	values := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(values) != len(names) {
		t.Fatalf("go env %s: %d values: %q", names, len(values), out)
	}
	return values
}

// TestRecipesPinTheAction: every recipe names the action (or, on GitLab, the
// source it builds) by a full commit SHA, as GitHub's hardening guide asks,
// never by a tag that may not exist or may move; the plan check fails on
// blockers unless the pull request carries the opt-in label, and the apply
// recipes keep SCIM secrets out of artifacts.
func TestRecipesPinTheAction(t *testing.T) {
	pin := regexp.MustCompile(`uses: idpsync/idpsync@(\S+)`)
	files, err := filepath.Glob("../../examples/github-actions/*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no recipes (%v)", err)
	}
	sha := regexp.MustCompile(`^[0-9a-f]{40}$`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		uses := pin.FindAllStringSubmatch(string(b), -1)
		if len(uses) == 0 {
			t.Errorf("%s does not use the action", f)
		}
		for _, u := range uses {
			if !sha.MatchString(u[1]) {
				t.Errorf("%s: the action is pinned by %q, not a commit SHA", f, u[1])
			}
		}
		if regexp.MustCompile(`(?m)^\s+version: `).Match(b) {
			t.Errorf("%s: pins a release by version; the recipes build from the pinned commit until one exists", f)
		}
	}
	plan, _ := os.ReadFile("../../examples/github-actions/plan.yml")
	apply, _ := os.ReadFile("../../examples/github-actions/apply.yml")
	gitlab, _ := os.ReadFile("../../examples/gitlab-ci/gitlab-ci.yml")
	for _, want := range []string{"--fail-on-blockers", "idpsync:allow-destroy", "steps.plan.outputs.exit-code == '3'", "--secrets-out"} {
		if !strings.Contains(string(plan), want) {
			t.Errorf("plan.yml lacks %q", want)
		}
	}
	for name, b := range map[string][]byte{"apply.yml": apply, "gitlab-ci.yml": gitlab} {
		for _, want := range []string{"--secrets-out", "idpsync:allow-destroy", "--allow-destroy"} {
			if !strings.Contains(string(b), want) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
		if strings.Contains(string(b), "scim-secrets/") && regexp.MustCompile(`path:.*scim-secrets|paths:.*scim-secrets`).Match(b) {
			t.Errorf("%s uploads the SCIM secrets as an artifact", name)
		}
	}
	if !regexp.MustCompile(`(?m)^  IDPSYNC_SOURCE_COMMIT: [0-9a-f]{40}$`).Match(gitlab) || !strings.Contains(string(gitlab), "--fail-on-blockers") {
		t.Error("gitlab-ci.yml: no source commit pinned by SHA, or no --fail-on-blockers")
	}
}
