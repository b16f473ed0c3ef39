package state

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeLargeDesired writes a desired state of n IdPs over accounts of perAccount
// IdPs each: a mix of types, SAML certificates read from files, secrets from
// the environment, and the most federated IdPs per account the API allows.
func writeLargeDesired(tb testing.TB, n, perAccount int) string {
	tb.Helper()
	dir := tb.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "certs"), os.DirFS("testdata/invalid/certs")); err != nil {
		tb.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("version: 1\naccounts:\n")
	for i := 0; i < n; i++ {
		if i%perAccount == 0 {
			fmt.Fprintf(&b, "  - id: %032x\n    name: account-%d\n    prune: true\n    identity_providers:\n", i/perAccount+1, i/perAccount)
		}
		fmt.Fprintf(&b, "      - name: IdP %d\n", i)
		switch i % 6 {
		case 0:
			b.WriteString(`        type: saml
        config:
          issuer_url: https://idp.example.com/saml/issuer
          sso_target_url: https://idp.example.com/saml/sso
          idp_public_certs: ["${file:certs/okta.pem}"]
          sign_request: true
          attributes: [groups, department]
          max_sso_url_length: 4096
        encryption:
          enabled: true
          rotate_within: 45d
`)
		case 1:
			b.WriteString(`        type: github
        config:
          client_id: Iv1.0123456789abcdef
          client_secret: "${env:CANARY_SECRET}"
`)
		case 2:
			b.WriteString(`        type: oidc
        config:
          client_id: client
          client_secret: "${env:CANARY_SECRET}"
          auth_url: https://auth.example.com/authorize
          token_url: https://auth.example.com/token
          certs_url: https://auth.example.com/keys
          scopes: [openid, email, profile]
          pkce_enabled: true
`)
		case 3:
			b.WriteString(`        type: azureAD
        config:
          client_id: client
          client_secret: "${env:CANARY_SECRET}"
          directory_id: 4c1c6f2e-8d3b-4f7a-9e2c-5b0a1d3e7f60
          support_groups: true
          prompt: select_account
`)
		case 4:
			b.WriteString("        type: passkeys\n        config:\n          login_page_auto_prompt: true\n")
		case 5:
			b.WriteString("        type: onetimepin\n")
		}
		if k := i % perAccount; k < MaxFederatedIdPs && i%6 != 5 {
			if k%2 == 0 {
				b.WriteString("        federation:\n          share_with:\n            - organization: true\n")
			} else {
				fmt.Fprintf(&b, "        federation:\n          share_with:\n            - account: %032x\n            - account: %032x\n", 100000+i, 200000+i)
			}
		}
	}
	path := filepath.Join(dir, "large.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

func TestLargeDesiredLoads(t *testing.T) {
	path := writeLargeDesired(t, 600, 50)
	d, diags := Load(context.Background(), []string{path}, LoadOptions{Getenv: fakeEnv(goldenEnv), Now: fixedNow})
	if d == nil || len(diags) != 0 {
		t.Fatalf("diagnostics:\n%v", diags)
	}
	if len(d.Accounts) != 12 || len(d.Accounts[0].IdentityProviders) != 50 {
		t.Errorf("accounts = %d", len(d.Accounts))
	}
}

func BenchmarkLoad10kIdPs(b *testing.B) {
	path := writeLargeDesired(b, 10_000, 50)
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		d, diags := Load(context.Background(), []string{path}, LoadOptions{Getenv: fakeEnv(goldenEnv), Now: fixedNow})
		if d == nil || len(diags) != 0 {
			b.Fatalf("diagnostics:\n%v", diags[:min(len(diags), 5)])
		}
	}
}
