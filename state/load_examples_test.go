package state

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeEnv provides every variable the examples reference.
func fakeEnv(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

var exampleEnv = map[string]string{
	"GITHUB_CLIENT_SECRET":           "example-github-secret",
	"GOOGLE_CLIENT_SECRET":           "example-google-secret",
	"ENGINEERING_OIDC_CLIENT_SECRET": "example-oidc-secret",
}

func fixedNow() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) }

func TestExamplesLoad(t *testing.T) {
	files, err := filepath.Glob("../examples/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	paths := append(files, "../examples/split")
	if len(paths) < 4 {
		t.Fatalf("found only %v", paths)
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			d, diags := Load(context.Background(), []string{p}, LoadOptions{Getenv: fakeEnv(exampleEnv), Now: fixedNow})
			if len(diags) > 0 {
				t.Fatalf("diagnostics:\n%v", diags)
			}
			if d == nil || len(d.Accounts) == 0 {
				t.Fatalf("no accounts loaded")
			}
		})
	}
}

// The README applies federation.yaml on the sandbox first, with nothing set.
func TestFederationExampleNeedsNoEnvironment(t *testing.T) {
	d, diags := Load(context.Background(), []string{"../examples/federation.yaml"}, LoadOptions{Getenv: fakeEnv(nil), Now: fixedNow})
	if diags.HasErrors() || d == nil {
		t.Fatalf("diagnostics:\n%v", diags)
	}
	a := d.Accounts[0]
	var federated, org int
	for _, idp := range a.IdentityProviders {
		if idp.Federation != nil {
			federated++
			if idp.Federation.Organization {
				org++
			}
		}
	}
	if federated != 2 || org != 1 {
		t.Errorf("federated = %d, organization-wide = %d; want 2 and 1", federated, org)
	}
}

func TestSplitExampleMergesAccount(t *testing.T) {
	d, diags := Load(context.Background(), []string{"../examples/split"}, LoadOptions{Getenv: fakeEnv(exampleEnv), Now: fixedNow})
	if d == nil {
		t.Fatalf("diagnostics:\n%v", diags)
	}
	if len(d.Files) != 3 {
		t.Errorf("files = %v", d.Files)
	}
	a := d.Account("023e105f4ecef8ad9ca31a8372d0c353")
	if a == nil {
		t.Fatal("platform account missing")
	}
	var names []string
	for _, idp := range a.IdentityProviders {
		names = append(names, idp.Name)
	}
	if got, want := strings.Join(names, ","), "GitHub,Google Workspace,Microsoft Entra (SAML),Okta"; got != want {
		t.Errorf("IdPs = %s, want %s", got, want)
	}
	if a.Name != "platform" || !a.Prune {
		t.Errorf("account = %+v", a)
	}
	gh := a.IdentityProviders[0]
	if src := gh.Secrets["client_secret"]; src.Ref != "${env:GITHUB_CLIENT_SECRET}" || gh.Config["client_secret"] != "example-github-secret" {
		t.Errorf("secret = %+v", src)
	}
}

func TestSkipEnv(t *testing.T) {
	d, diags := Load(context.Background(), []string{"../examples/split"}, LoadOptions{Getenv: fakeEnv(nil), Now: fixedNow, SkipEnv: true})
	if len(diags) != 0 || d == nil {
		t.Fatalf("diagnostics:\n%v", diags)
	}
	gh := d.Account("023e105f4ecef8ad9ca31a8372d0c353").IdentityProviders[0]
	if gh.Secrets["client_secret"].Ref != "${env:GITHUB_CLIENT_SECRET}" {
		t.Errorf("secrets = %v", gh.Secrets)
	}
	_, diags = Load(context.Background(), []string{"testdata/invalid/bad-reference.yaml"}, LoadOptions{Getenv: fakeEnv(nil), Now: fixedNow, SkipEnv: true})
	if len(diags.Errors()) != 5 {
		t.Errorf("malformed references must still be errors; got\n%v", diags)
	}
}
