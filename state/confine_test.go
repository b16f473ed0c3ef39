//go:build unix

package state

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// hostileCanary is what the files and variables outside the root hold: no
// diagnostic may ever quote it.
const hostileCanary = "CANARY-outside-the-root-7f3a"

// TestHostileReferences loads configurations a pull request could write and
// checks that each fails at load time (validate, before any API request) with
// a positioned error that quotes nothing read.
func TestHostileReferences(t *testing.T) {
	base := t.TempDir()
	repo := filepath.Join(base, "repo")
	must(t, os.MkdirAll(filepath.Join(repo, ".git"), 0o755))
	must(t, os.WriteFile(filepath.Join(repo, ".git", "config"), []byte("[http] extraheader = AUTHORIZATION: "+hostileCanary+"\n"), 0o600))
	must(t, os.MkdirAll(filepath.Join(repo, "idp", "certs"), 0o755))
	must(t, os.WriteFile(filepath.Join(base, "outside.txt"), []byte(hostileCanary+"\n"), 0o600))
	must(t, os.Symlink(filepath.Join(base, "outside.txt"), filepath.Join(repo, "idp", "link.pem")))
	must(t, os.Symlink("/dev/zero", filepath.Join(repo, "idp", "zero.pem")))
	must(t, os.Symlink("/proc/self/environ", filepath.Join(repo, "idp", "environ.pem")))
	must(t, syscall.Mkfifo(filepath.Join(repo, "idp", "fifo.pem"), 0o600))
	big := strings.Repeat("A", 1<<20)
	must(t, os.WriteFile(filepath.Join(repo, "idp", "big.txt"), []byte(big), 0o644))
	mid := strings.Repeat("B", 200<<10)
	must(t, os.WriteFile(filepath.Join(repo, "idp", "mid.txt"), []byte(mid), 0o644))
	env := fakeEnv(map[string]string{"CANARY": hostileCanary})

	tests := []struct {
		name string
		ref  string
		n    int    // how many IdPs reference it (1 when 0)
		want string // in the error
		line int    // the line of the failing reference (IdP n's line when n > 1)
	}{
		{"absolute path", "${file:/etc/hostname}", 0, "absolute path", 0},
		{"dot-dot escape", "${file:../../outside.txt}", 0, "leaves the configuration root", 0},
		{"symlink escape", "${file:link.pem}", 0, "resolves outside the configuration root", 0},
		{"fifo", "${file:fifo.pem}", 0, "not a regular file (a named pipe)", 0},
		{"dev zero", "${file:/dev/zero}", 0, "absolute path", 0},
		{"dev zero by link", "${file:zero.pem}", 0, "resolves outside", 0},
		{"directory", "${file:certs}", 0, "is a directory", 0},
		{"proc environ", "${file:/proc/self/environ}", 0, "absolute path", 0},
		{"proc environ by link", "${file:environ.pem}", 0, "resolves outside", 0},
		{"git config", "${file:../.git/config}", 0, "inside a .git directory", 0},
		{"1000 references to 1 MiB", "${file:big.txt}", 1000, "larger than 256 KiB", 0},
		// 8 MiB / 200 KiB: the 41st reference runs out of budget.
		{"1000 references to 200 KiB", "${file:mid.txt}", 1000, "more than 8 MiB", 41},
	}
	for _, tt := range tests {
		for _, field := range []string{"email_attribute_name", "client_secret"} {
			t.Run(tt.name+"/"+field, func(t *testing.T) {
				n := max(tt.n, 1)
				var b strings.Builder
				b.WriteString("version: 1\naccounts:\n  - id: 023e105f4ecef8ad9ca31a8372d0c353\n    identity_providers:\n")
				for i := range n {
					if field == "client_secret" {
						fmt.Fprintf(&b, "      - {name: gh%d, type: github, config: {client_id: x, client_secret: %q}}\n", i, tt.ref)
					} else {
						fmt.Fprintf(&b, "      - {name: s%d, type: saml, config: {issuer_url: x, sso_target_url: \"https://x.example\", idp_public_certs: [\"${file:certs/ok.pem}\"], email_attribute_name: %q}}\n", i, tt.ref)
					}
				}
				path := filepath.Join(repo, "idp", "hostile.yaml")
				must(t, os.WriteFile(path, []byte(b.String()), 0o644))
				d, diags := Load(context.Background(), []string{path}, LoadOptions{Getenv: env, Now: fixedNow})
				if d != nil {
					t.Fatalf("loaded; want an error")
				}
				var found *Diagnostic
				for i, diag := range diags {
					if strings.Contains(diag.String(), hostileCanary) || strings.Contains(diag.String(), "AAAA") || strings.Contains(diag.String(), "BBBB") {
						t.Fatalf("a diagnostic quotes what was read: %v", diag)
					}
					if found == nil && strings.Contains(diag.Message, tt.want) {
						found = &diags[i]
					}
				}
				if found == nil {
					t.Fatalf("no error saying %q in %v", tt.want, diags)
				}
				wantLine := 5
				if tt.line > 0 {
					wantLine = 4 + tt.line
				}
				if found.Pos.File != path || found.Pos.Line != wantLine || found.Pos.Column == 0 {
					t.Errorf("error at %v, want %s:%d:<col>", found.Pos, path, wantLine)
				}
			})
		}
	}
}

// TestOversizedReportedOnce: a file over the per-file cap is one error at its
// first reference, counting the others, however many IdPs and files name it;
// each oversized file gets its own error. (999 more references in a.yaml,
// one in b.yaml.)
func TestOversizedReportedOnce(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "big.pem"), []byte(strings.Repeat("A", 300<<10)), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "huge.pem"), []byte(strings.Repeat("A", 1<<20)), 0o644))
	var a, b strings.Builder
	a.WriteString("version: 1\naccounts:\n  - id: 023e105f4ecef8ad9ca31a8372d0c353\n    identity_providers:\n")
	for i := range 1000 {
		fmt.Fprintf(&a, "      - {name: s%d, type: saml, config: {issuer_url: x, sso_target_url: \"https://x.example\", idp_public_certs: [\"${file:big.pem}\"]}}\n", i)
	}
	a.WriteString("      - {name: gh, type: github, config: {client_id: x, client_secret: \"${file:huge.pem}\"}}\n")
	b.WriteString("version: 1\naccounts:\n  - id: 1a2b3c4d5e6f708192a3b4c5d6e7f809\n    identity_providers:\n")
	b.WriteString("      - {name: gh, type: github, config: {client_id: x, client_secret: \"${file:big.pem}\"}}\n")
	must(t, os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(a.String()), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "b.yaml"), []byte(b.String()), 0o644))

	_, diags := Load(context.Background(), []string{dir}, LoadOptions{Getenv: fakeEnv(nil), Now: fixedNow})
	var got []string
	for _, d := range diags {
		if strings.Contains(d.Message, "larger than") {
			got = append(got, d.String())
		}
	}
	want := []string{
		filepath.Join(dir, "a.yaml") + ":5:112: error: item 1 of `idp_public_certs`: file big.pem is larger than 256 KiB (and 1000 further references to it)",
		filepath.Join(dir, "a.yaml") + ":1005:72: error: `client_secret`: file huge.pem is larger than 256 KiB",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("oversized errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestRootOption: --root widens the root, and a configuration outside a git
// work tree is confined to the directory given.
func TestRootOption(t *testing.T) {
	base := t.TempDir()
	cfgDir := filepath.Join(base, "cfg")
	must(t, os.MkdirAll(cfgDir, 0o755))
	must(t, os.WriteFile(filepath.Join(base, "secret.txt"), []byte("s3cret\n"), 0o600))
	yaml := "version: 1\naccounts:\n  - id: 023e105f4ecef8ad9ca31a8372d0c353\n    identity_providers:\n      - {name: gh, type: github, config: {client_id: x, client_secret: \"${file:../secret.txt}\"}}\n"
	path := filepath.Join(cfgDir, "a.yaml")
	must(t, os.WriteFile(path, []byte(yaml), 0o644))
	if _, diags := Load(context.Background(), []string{cfgDir}, LoadOptions{Now: fixedNow}); !diags.HasErrors() {
		t.Fatalf("read outside the directory given: %v", diags)
	}
	d, diags := Load(context.Background(), []string{cfgDir}, LoadOptions{Now: fixedNow, Root: base})
	if diags.HasErrors() {
		t.Fatalf("--root: %v", diags)
	}
	gh := d.Accounts[0].IdentityProviders[0]
	if gh.Config["client_secret"] != "s3cret" || gh.Secrets["client_secret"].Root != base {
		t.Errorf("client_secret = %v, source %+v", gh.Config["client_secret"], gh.Secrets["client_secret"])
	}
}

// TestDeferredSecrets: an unset secret is deferred unless required; an unset
// variable of a key that is compared is an error either way.
func TestDeferredSecrets(t *testing.T) {
	dir := t.TempDir()
	yaml := "version: 1\naccounts:\n  - id: 023e105f4ecef8ad9ca31a8372d0c353\n    identity_providers:\n      - {name: gh, type: github, config: {client_id: x, client_secret: \"${env:GH_SECRET}\"}}\n      - {name: gh2, type: github, config: {client_id: x, client_secret: \"${file:gone.txt}\"}}\n"
	path := filepath.Join(dir, "a.yaml")
	must(t, os.WriteFile(path, []byte(yaml), 0o644))
	d, diags := Load(context.Background(), []string{path}, LoadOptions{Getenv: fakeEnv(nil), Now: fixedNow})
	if diags.HasErrors() {
		t.Fatalf("deferred: %v", diags)
	}
	for _, idp := range d.Accounts[0].IdentityProviders {
		if src := idp.Secrets["client_secret"]; !src.Deferred || idp.Config["client_secret"] != "" {
			t.Errorf("%s: source %+v, value %q", idp.Name, src, idp.Config["client_secret"])
		}
	}
	_, diags = Load(context.Background(), []string{path}, LoadOptions{Getenv: fakeEnv(nil), Now: fixedNow, RequireSecrets: true})
	if got := len(diags.Errors()); got != 2 || !strings.Contains(diags.Errors()[0].Message, "GH_SECRET is not set") || !strings.Contains(diags.Errors()[1].Message, "gone.txt does not exist") {
		t.Errorf("required: %v", diags)
	}
	must(t, os.WriteFile(path, []byte(strings.ReplaceAll(yaml, "client_id: x", "client_id: \"${env:GH_ID}\"")), 0o644))
	if _, diags = Load(context.Background(), []string{path}, LoadOptions{Getenv: fakeEnv(nil), Now: fixedNow}); len(diags.Errors()) != 2 {
		t.Errorf("a compared key needs its variable: %v", diags)
	}
}

// TestLoadStopsOnCancel: a cancelled load returns at once with an error.
func TestLoadStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d, diags := Load(ctx, []string{"../examples/federation.yaml"}, LoadOptions{Getenv: fakeEnv(nil), Now: fixedNow})
	if d != nil || !diags.HasErrors() || !strings.Contains(diags.Errors()[0].Message, "loading stopped") {
		t.Errorf("Desired %v, diagnostics %v", d, diags)
	}
}

// TestShapes: values that could forge plan lines or are not URLs are refused,
// and an error about a referenced value never quotes it.
func TestShapes(t *testing.T) {
	dir := t.TempDir()
	env := fakeEnv(map[string]string{"MULTI": "a\n+ forged line " + hostileCanary, "NOTURL": hostileCanary})
	tests := []struct{ cfg, want string }{
		{`email_attribute_name: "${env:MULTI}"`, "the value of ${env:MULTI} must be a single line"},
		{`sso_target_url: "${env:NOTURL}"`, "the value of ${env:NOTURL} is not an absolute http(s) URL"},
		{`sso_target_url: "example.com/sso"`, "is not an absolute http(s) URL"},
		{`email_attribute_name: "a\u200bb"`, "control or invisible character"},
		{`attributes: ["a\nb"]`, "must be a single line"},
		{`attributes: ["${file:a.yaml}"]`, "only `idp_public_certs` items may be `${file:PATH}`"},
	}
	for _, tt := range tests {
		cfg := "issuer_url: http://www.okta.com/exk1, sso_target_url: \"https://x.example\", idp_public_certs: [\"${file:certs/okta.pem}\"]"
		key := strings.SplitN(tt.cfg, ":", 2)[0]
		if key == "sso_target_url" {
			cfg = "issuer_url: http://www.okta.com/exk1, idp_public_certs: [\"${file:certs/okta.pem}\"]"
		}
		yaml := fmt.Sprintf("version: 1\naccounts:\n  - id: 023e105f4ecef8ad9ca31a8372d0c353\n    identity_providers:\n      - {name: s, type: saml, config: {%s, %s}}\n", cfg, tt.cfg)
		path := filepath.Join(dir, "a.yaml")
		must(t, os.MkdirAll(filepath.Join(dir, "certs"), 0o755))
		b, err := os.ReadFile("testdata/invalid/certs/okta.pem")
		must(t, err)
		must(t, os.WriteFile(filepath.Join(dir, "certs", "okta.pem"), b, 0o644))
		must(t, os.WriteFile(path, []byte(yaml), 0o644))
		_, diags := Load(context.Background(), []string{path}, LoadOptions{Getenv: env, Now: fixedNow})
		if !strings.Contains(fmt.Sprint(diags), tt.want) {
			t.Errorf("%s: %v, want %q", tt.cfg, diags, tt.want)
		}
		if strings.Contains(fmt.Sprint(diags), hostileCanary) {
			t.Errorf("%s: quotes the value: %v", tt.cfg, diags)
		}
	}
	// SAML issuers are entity ids: http and URNs are fine.
	for _, issuer := range []string{"http://www.okta.com/exk1", "urn:example:idp"} {
		yaml := fmt.Sprintf("version: 1\naccounts:\n  - id: 023e105f4ecef8ad9ca31a8372d0c353\n    identity_providers:\n      - {name: s, type: saml, config: {issuer_url: %q, sso_target_url: \"https://x.example/sso\", idp_public_certs: [\"${file:certs/okta.pem}\"]}}\n", issuer)
		path := filepath.Join(dir, "a.yaml")
		must(t, os.WriteFile(path, []byte(yaml), 0o644))
		if _, diags := Load(context.Background(), []string{path}, LoadOptions{Now: fixedNow}); diags.HasErrors() {
			t.Errorf("issuer %s: %v", issuer, diags)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
