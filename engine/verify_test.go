package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/idpsync/idpsync/apply"
	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/internal/testcert"
	"github.com/idpsync/idpsync/state"
)

// verifyDesired declares n accounts, each with a SAML IdP with encryption
// shared with the next account, a GitHub IdP whose secret comes from the
// environment, and a passkeys IdP.
func verifyDesired(t *testing.T, n int) (*state.Desired, func(string) (string, bool)) {
	t.Helper()
	dir := t.TempDir()
	pemText := testcert.New(t, testcert.Options{NotBefore: t0, NotAfter: t0.AddDate(1, 0, 0)}).PEM
	if err := os.WriteFile(filepath.Join(dir, "idp.pem"), []byte(pemText), 0o644); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%032x", 0xabc0+i)
	}
	var b strings.Builder
	b.WriteString("version: 1\naccounts:\n")
	for i, id := range ids {
		fmt.Fprintf(&b, `  - id: %s
    name: acct-%d
    identity_providers:
      - name: Okta
        type: saml
        config:
          issuer_url: http://www.okta.com/exk%d
          sso_target_url: https://example-%d.okta.com/app/access/sso/saml
          idp_public_certs: ["${file:idp.pem}"]
        encryption:
          enabled: true
        federation:
          share_with:
            - account: %s
      - name: GitHub
        type: github
        config:
          client_id: Iv1.%d
          client_secret: "${env:VERIFY_SECRET}"
      - name: Passkeys
        type: passkeys
        config:
          login_page_auto_prompt: true
`, id, i, i, i, ids[(i+1)%n], i)
	}
	file := filepath.Join(dir, "idp.yaml")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) (string, bool) {
		if k == "VERIFY_SECRET" {
			return "s3cret", true
		}
		return "", false
	}
	d, diags := state.Load(context.Background(), []string{file}, state.LoadOptions{Getenv: getenv})
	if diags.HasErrors() {
		t.Fatalf("load: %v", diags.Errors())
	}
	return d, getenv
}

// tamper answers an IdP update with a config the request did not ask for,
// as an API that silently dropped a field would.
type tamper struct{ engine.WriteClient }

func (c tamper) UpdateIdentityProvider(ctx context.Context, accountID, id string, idp cloudflare.IdentityProvider) (*cloudflare.IdentityProvider, error) {
	got, err := c.WriteClient.UpdateIdentityProvider(ctx, accountID, id, idp)
	if got != nil {
		got.Config["sso_target_url"] = "https://elsewhere.example.com/sso"
	}
	return got, err
}

func TestVerifyFromWriteAnswers(t *testing.T) {
	for _, tampered := range []bool{false, true} {
		t.Run(fmt.Sprintf("tampered=%v", tampered), func(t *testing.T) {
			ctx := context.Background()
			srv := startEmulator(t)
			c := newClient(t, srv, cloudflare.RateLimit{Requests: 100000, Window: time.Minute})
			d, getenv := verifyDesired(t, 3)
			key := []byte("verify-test-key-verify-test-key!")
			p, before, err := engine.Plan(ctx, c, d, engine.PlanOptions{SecretKey: key})
			if err != nil {
				t.Fatal(err)
			}
			var inner engine.WriteClient = c
			if tampered {
				inner = tamper{c}
			}
			rec := engine.NewRecorder(inner)
			res, err := apply.Execute(ctx, rec, p, apply.Options{Secrets: engine.NewSecretResolver(key, getenv)})
			if err != nil || !res.OK() {
				t.Fatalf("apply: %v %+v", err, res)
			}
			sent := c.Stats().Requests
			vp, err := engine.Verify(ctx, c, d, before, rec, engine.VerifyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if extra := c.Stats().Requests - sent; extra != 0 {
				t.Errorf("verify sent %d requests; every answer showed its write", extra)
			}
			if vp.HasChanges() != tampered {
				t.Fatalf("verify plan has changes = %v, want %v: %+v", vp.HasChanges(), tampered, vp.Summary())
			}
			if tampered {
				return
			}
			// What the answers showed is what a full read shows.
			full, _, err := engine.Plan(ctx, c, d, engine.PlanOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if full.HasChanges() {
				t.Fatalf("a full re-read plans changes the answers did not show: %+v", full.Summary())
			}
		})
	}
}
