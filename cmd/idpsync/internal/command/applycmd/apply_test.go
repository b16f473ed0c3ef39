package applycmd

import (
	"encoding/json"
	"errors"
	"github.com/idpsync/idpsync/internal/golden"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/idpsync/idpsync/apply"
	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/plan/planfile"
	"github.com/idpsync/idpsync/plan/render"
)

func destructivePlan() *plan.Plan {
	return &plan.Plan{FormatVersion: plan.FormatVersion, Actions: []plan.Action{
		{Address: "account[a].idp[Okta].share.recipient[b]", Action: plan.Delete, Destructive: true, LosesAccess: []string{"b", "c"}},
		{Address: "account[a].idp[Okta].grant", Action: plan.Delete, Destructive: true, LosesAccess: []string{"c"}},
	}}
}

func TestConfirm(t *testing.T) {
	tests := []struct {
		name     string
		tty      bool
		answer   string
		wantErr  string
		wantCode int
		wantOut  []string
	}{
		{name: "no terminal", tty: false, wantErr: "no terminal: pass --auto-approve", wantCode: cli.ExitError},
		{name: "yes", tty: true, answer: "yes\n", wantOut: []string{"Only 'yes' is accepted", "This apply will: 2 to destroy:", "b, c lose this login option"}},
		{name: "anything else", tty: true, answer: "y\n", wantCode: cli.ExitError, wantOut: []string{"Apply cancelled; nothing was changed."}},
		{name: "end of input", tty: true, answer: "", wantCode: cli.ExitError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, in, out, _ := cli.Test()
			ios.InTTY = tt.tty
			in.WriteString(tt.answer)
			err := confirm(&cli.Factory{IO: ios}, destructivePlan())
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if got := cli.ExitCode(err); got != tt.wantCode {
				t.Errorf("exit code = %d, want %d", got, tt.wantCode)
			}
			for _, want := range tt.wantOut {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output %q lacks %q", out.String(), want)
				}
			}
			if tt.name == "yes" {
				// The prompt repeats the plan's recap of its dangers.
				golden.Check(t, filepath.Join("testdata", "confirm.golden"), out.Bytes())
			}
		})
	}
}

func TestLoadSavedPlan(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	save := func(name string, k planfile.Key) string {
		p := filepath.Join(dir, name)
		if err := planfile.Save(p, &plan.Plan{FormatVersion: plan.FormatVersion}, k, cloudflare.DefaultBaseURL); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tokenKey, _ := planfile.TokenKey("tok-plan")
	envKey, _ := planfile.EnvValueKey("shared-plan-key-0123456789abcdefghij")
	saved := save("saved.plan", tokenKey)
	b, _ := os.ReadFile(saved)
	edited := write("edited.plan", strings.Replace(string(b), `"format_version": "1.0"`, `"format_version": "1.1"`, 1))
	shared := save("shared.plan", envKey)
	view, _ := json.Marshal(plan.Plan{FormatVersion: plan.FormatVersion})
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		targets []string
		wantNil bool
		wantErr string
	}{
		{name: "YAML paths are not a saved plan", args: []string{"idp.yaml"}, wantNil: true},
		{name: "two arguments are not a saved plan", args: []string{saved, "b.yaml"}, wantNil: true},
		{name: "a saved plan, whatever its name", args: []string{saved}, env: map[string]string{"CLOUDFLARE_API_TOKEN": "tok-plan"}},
		{name: "edited", args: []string{edited}, env: map[string]string{"CLOUDFLARE_API_TOKEN": "tok-plan"}, wantErr: "changed after idpsync wrote it"},
		{name: "other credentials", args: []string{saved}, env: map[string]string{"CLOUDFLARE_API_TOKEN": "tok-apply"}, wantErr: "set the same IDPSYNC_PLAN_KEY"},
		{name: "split tokens with one IDPSYNC_PLAN_KEY", args: []string{shared}, env: map[string]string{"CLOUDFLARE_API_TOKEN": "tok-apply", "IDPSYNC_PLAN_KEY": "shared-plan-key-0123456789abcdefghij"}},
		{name: "the JSON view", args: []string{write("view.json", string(view))}, wantErr: "plan --output json"},
		{name: "--target with a saved plan", args: []string{saved}, targets: []string{"account[a]"}, wantErr: "--target cannot be used with a saved plan"},
		{name: "no credentials", args: []string{saved}, wantErr: "no Cloudflare credentials"},
		{name: "same API, named with a trailing slash", args: []string{saved}, env: map[string]string{"CLOUDFLARE_API_TOKEN": "tok-plan", "CLOUDFLARE_BASE_URL": cloudflare.DefaultBaseURL + "/"}},
		{name: "another API", args: []string{saved}, env: map[string]string{"CLOUDFLARE_API_TOKEN": "tok-plan", "CLOUDFLARE_BASE_URL": "http://127.0.0.1:8787"}, wantErr: "made against the API at " + cloudflare.DefaultBaseURL + ", and this apply would send it to http://127.0.0.1:8787"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &cli.Factory{Getenv: func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }}
			p, err := loadSavedPlan(f, &Options{Paths: tt.args, Targets: tt.targets})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (p == nil) != tt.wantNil {
				t.Fatalf("plan = %v, want nil: %v", p, tt.wantNil)
			}
		})
	}
}

// TestProgressMode: the streams choose the view (the view itself is tested
// in plan/render/progress): JSON with --output json, a live view on a
// terminal, lines otherwise; no-op actions only with --verbose.
func TestProgressMode(t *testing.T) {
	events := []apply.Event{
		{Address: "account[a].idp[Entra]", Action: plan.NoOp, Resource: plan.ResourceIdP, Kind: apply.EventDone},
		{Address: "account[a].idp[Okta]", Action: plan.Create, Resource: plan.ResourceIdP, Kind: apply.EventStart},
		{Address: "account[a].idp[Okta]", Action: plan.Create, Resource: plan.ResourceIdP, Kind: apply.EventDone, Elapsed: 120 * time.Millisecond},
		{Address: "account[a].idp[Okta].grant", Action: plan.Create, Resource: plan.ResourceGrant, Kind: apply.EventFailed, Err: errors.New("boom")},
	}
	p := &plan.Plan{Actions: []plan.Action{{Action: plan.NoOp}, {Action: plan.Create}, {Action: plan.Create}}}
	tests := []struct {
		name    string
		output  render.Format
		tty     bool
		verbose bool
		want    []string
		never   []string
	}{
		{name: "log", output: render.FormatText, want: []string{"✓ account[a].idp[Okta]: created (120ms)\n", "✗ account[a].idp[Okta].grant: create failed (0s): boom\n", "Finished 1 of 2 changes in "}, never: []string{"Entra", "\x1b"}},
		{name: "log verbose", output: render.FormatText, verbose: true, want: []string{"✓ account[a].idp[Entra]: unchanged\n"}},
		{name: "terminal", output: render.FormatText, tty: true, want: []string{"✓ account[a].idp[Okta]: created", "\x1b[", "Finished 1 of 2 changes"}},
		{name: "json", output: render.FormatJSON, tty: true, want: []string{`"address":"account[a].idp[Entra]","action":"no-op"`, `"state":"failed","error":"boom"`}, never: []string{"Finished", "\x1b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, _ := cli.Test()
			ios.OutTTY = tt.tty
			v := newProgress(&cli.Factory{IO: ios}, &Options{Output: tt.output, Verbose: tt.verbose})
			v.Apply(p)
			for _, e := range events {
				if e.Kind == apply.EventDone && e.Action == plan.Create {
					v.Tick() // draws the live block on a terminal
				}
				v.Action(e)
			}
			v.Done()
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%q", w, out.String())
				}
			}
			for _, n := range tt.never {
				if strings.Contains(out.String(), n) {
					t.Errorf("output has %q:\n%q", n, out.String())
				}
			}
		})
	}
}
