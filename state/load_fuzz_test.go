package state

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to the loader as one file: it must never
// panic, and must return a Desired exactly when there is no error.
func FuzzLoad(f *testing.F) {
	for _, pattern := range []string{"testdata/invalid/*.yaml", "../examples/*.yaml", "../examples/split/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte("version: 1\naccounts:\n  - id: &a 023e105f4ecef8ad9ca31a8372d0c353\n    identity_providers: [{name: x, type: passkeys, <<: {config: {}}}]\n"))
	dir := f.TempDir()
	// The certificates the seeds reference by relative path.
	if err := os.CopyFS(filepath.Join(dir, "certs"), os.DirFS("testdata/invalid/certs")); err != nil {
		f.Fatal(err)
	}
	path := filepath.Join(dir, "fuzz.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		d, diags := Load(context.Background(), []string{path}, LoadOptions{Getenv: fakeEnv(goldenEnv), Now: fixedNow})
		if diags.HasErrors() != (d == nil) {
			t.Fatalf("HasErrors = %v, Desired = %v", diags.HasErrors(), d)
		}
		for _, diag := range diags {
			if diag.Pos.File != path {
				t.Fatalf("diagnostic outside the file: %v", diag)
			}
			if strings.Contains(diag.String(), canary) {
				t.Fatalf("secret leaked: %v", diag)
			}
		}
	})
}

// FuzzReference feeds arbitrary values to the reference resolver, as a config
// value of one IdP, in a root that has a canary next to it and under .git:
// whatever the value, nothing outside the root or under .git is read, and no
// diagnostic quotes what a file or variable holds.
func FuzzReference(f *testing.F) {
	for _, s := range []string{
		"${file:secret.txt}", "${file:../outside.txt}", "${file:/etc/passwd}", "${file:.git/config}",
		"${file:sub/../../outside.txt}", "${file:link}", "${file:./.GIT/config}", "${env:CANARY}",
		"${file:}", "$${file:x}", "${file:sub}", "${file:secret.txt}${env:X}", "${env:1}", "${file:\x00}",
	} {
		f.Add(s)
	}
	base := f.TempDir()
	root := filepath.Join(base, "root")
	for _, d := range []string{".git", "sub"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			f.Fatal(err)
		}
	}
	for p, content := range map[string]string{
		filepath.Join(base, "outside.txt"):      canary,
		filepath.Join(root, ".git", "config"):   canary,
		filepath.Join(root, "secret.txt"):       "inside",
		filepath.Join(root, "sub", "other.txt"): "inside",
	} {
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			f.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(base, "outside.txt"), filepath.Join(root, "link")); err != nil {
		f.Fatal(err)
	}
	path := filepath.Join(root, "fuzz.yaml")
	env := fakeEnv(map[string]string{"CANARY": canary})
	f.Fuzz(func(t *testing.T, value string) {
		v, err := json.Marshal(value) // a YAML double-quoted scalar
		if err != nil {
			return
		}
		yaml := "version: 1\naccounts:\n  - id: 023e105f4ecef8ad9ca31a8372d0c353\n    identity_providers:\n" +
			"      - {name: g, type: github, config: {client_id: x, client_secret: " + string(v) + "}}\n" +
			"      - {name: s, type: saml, config: {issuer_url: x, sso_target_url: \"https://x.example\", email_attribute_name: " + string(v) + ", idp_public_certs: [" + string(v) + "]}}\n"
		if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		d, diags := Load(context.Background(), []string{root}, LoadOptions{Getenv: env, Now: fixedNow})
		for _, diag := range diags {
			if strings.Contains(diag.String(), canary) {
				t.Fatalf("a diagnostic quotes a value: %v", diag)
			}
		}
		if d == nil {
			return
		}
		for _, a := range d.Accounts {
			for _, idp := range a.IdentityProviders {
				for k, cv := range idp.Config {
					if s, ok := cv.(string); ok && s == canary && !strings.Contains(value, "env:") {
						t.Fatalf("%s.%s read from outside the root or .git", idp.Name, k)
					}
					if _, ref := idp.Secrets[k]; strings.Contains(fmt.Sprint(cv), canary) && !ref {
						t.Fatalf("%s.%s holds a referenced value without its reference", idp.Name, k)
					}
				}
			}
		}
	})
}
