package state

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestLoadModel(t *testing.T) {
	dir := t.TempDir()
	cert, err := os.ReadFile("testdata/invalid/certs/okta.pem")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "okta.pem"), append(cert, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	yaml := `version: 1
accounts:
  - id: 1a2b3c4d5e6f708192a3b4c5d6e7f809
    identity_providers:
      - name: Zed
        type: passkeys
  - id: 023e105f4ecef8ad9ca31a8372d0c353
    name: platform
    prune: true
    identity_providers:
      - name: Okta
        id: f174e90a-fafe-4643-bbbc-4a0ed4fc8415
        type: saml
        config: &saml
          issuer_url: https://example.okta.com/exk1
          sso_target_url: https://example.okta.com/sso
          idp_public_certs: ["${file:okta.pem}"]
          max_sso_url_length: 4096
          header_attributes: [{attribute_name: dept, header_name: X-Dept}]
        encryption: {enabled: true, rotate_within: 2w}
        federation:
          share_with:
            - account: ffffffffffffffffffffffffffffffff
            - account: 1a2b3c4d5e6f708192a3b4c5d6e7f809
      - name: Azure
        type: saml
        config:
          <<: *saml
          sign_request: true
          issuer_url: https://azure.example.com
      - name: GitHub
        type: github
        config: {client_id: abc, client_secret: "${env:GH}"}
`
	path := filepath.Join(dir, "a.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	d, diags := Load(context.Background(), []string{path}, LoadOptions{Getenv: fakeEnv(map[string]string{"GH": "s3cret"}), Now: fixedNow})
	if d == nil || len(diags) > 0 {
		t.Fatalf("diagnostics:\n%v", diags)
	}
	if len(d.Accounts) != 2 || d.Accounts[0].ID != "023e105f4ecef8ad9ca31a8372d0c353" {
		t.Fatalf("accounts not sorted by id: %v", d.Accounts)
	}
	a := d.Accounts[0]
	var names []string
	for _, idp := range a.IdentityProviders {
		names = append(names, idp.Name)
	}
	if !reflect.DeepEqual(names, []string{"Azure", "GitHub", "Okta"}) {
		t.Errorf("IdPs = %v", names)
	}
	azure, gh, okta := a.IdentityProviders[0], a.IdentityProviders[1], a.IdentityProviders[2]
	pem := string(cert[:len(cert)-1]) // trailing newline trimmed
	wantOkta := map[string]any{
		"issuer_url":         "https://example.okta.com/exk1",
		"sso_target_url":     "https://example.okta.com/sso",
		"idp_public_certs":   []any{pem},
		"max_sso_url_length": float64(4096),
		"header_attributes":  []any{map[string]any{"attribute_name": "dept", "header_name": "X-Dept"}},
	}
	if !reflect.DeepEqual(okta.Config, wantOkta) {
		t.Errorf("Okta config = %#v", okta.Config)
	}
	if azure.Config["issuer_url"] != "https://azure.example.com" || azure.Config["sign_request"] != true || azure.Config["max_sso_url_length"] != float64(4096) {
		t.Errorf("merge keys: Azure config = %#v", azure.Config)
	}
	if okta.ID != "f174e90a-fafe-4643-bbbc-4a0ed4fc8415" || okta.Encryption == nil || !okta.Encryption.Enabled || okta.Encryption.RotateWithin != 14*24*60*60*1e9 {
		t.Errorf("Okta = %+v, encryption %+v", okta, okta.Encryption)
	}
	if f := okta.Federation; f == nil || f.Organization || !reflect.DeepEqual(f.Accounts, []string{"1a2b3c4d5e6f708192a3b4c5d6e7f809", "ffffffffffffffffffffffffffffffff"}) {
		t.Errorf("federation = %+v", okta.Federation)
	}
	if gh.Config["client_secret"] != "s3cret" || gh.Secrets["client_secret"] != (SecretSource{Ref: "${env:GH}", BaseDir: dir, Root: dir}) {
		t.Errorf("secrets = %+v", gh.Secrets)
	}
	if len(okta.Secrets) != 0 {
		t.Errorf("a certificate file is not a secret: %+v", okta.Secrets)
	}
	if p := okta.KeyPos["issuer_url"]; p.Line != 15 || p.Column != 11 {
		t.Errorf("KeyPos = %v", p)
	}
	if !a.Prune || a.Name != "platform" || a.Label() != "platform" {
		t.Errorf("account = %+v", a)
	}
}
