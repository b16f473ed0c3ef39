package state

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idpsync/idpsync/samlmeta"
)

func TestLoadMetadata(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile("testdata/invalid/metadata/xml/good.xml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "meta"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "meta", "okta.xml"), good, 0o644); err != nil {
		t.Fatal(err)
	}
	yaml := `version: 1
accounts:
  - id: 023e105f4ecef8ad9ca31a8372d0c353
    identity_providers:
      - name: From file
        type: saml
        metadata: {file: meta/okta.xml}
        config:
          sign_request: true
      - name: From URL
        type: saml
        metadata:
          url: https://idp.example/app/metadata
`
	path := filepath.Join(dir, "idps.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	d, diags := Load(context.Background(), []string{path}, LoadOptions{Now: fixedNow})
	if len(diags) > 0 || d == nil {
		t.Fatalf("diagnostics:\n%v", diags)
	}
	idps := d.Accounts[0].IdentityProviders
	url, file := idps[0], idps[1] // sorted by name

	if file.Metadata == nil || file.Metadata.File != "meta/okta.xml" || file.Metadata.Pos.Line != 7 {
		t.Fatalf("file metadata = %+v", file.Metadata)
	}
	if got := file.Config["issuer_url"]; got != "http://www.okta.com/exk1" {
		t.Errorf("issuer_url = %v", got)
	}
	if got := file.Config["sso_target_url"]; got != "https://example.okta.com/app/exk1/sso/saml" {
		t.Errorf("sso_target_url = %v", got)
	}
	certs, _ := file.Config["idp_public_certs"].([]any)
	if len(certs) != 1 || !strings.HasPrefix(certs[0].(string), "-----BEGIN CERTIFICATE-----\n") {
		t.Errorf("idp_public_certs = %v", certs)
	}
	if file.Config["sign_request"] != true {
		t.Errorf("declared keys are kept: %v", file.Config)
	}
	for _, k := range MetadataKeys {
		if file.Sources[k] != "metadata meta/okta.xml" {
			t.Errorf("source of %s = %q", k, file.Sources[k])
		}
		// A file is inside the repository: its values are not hidden.
		if _, hidden := file.Secrets[k]; hidden {
			t.Errorf("%s from a file is recorded as a secret", k)
		}
	}

	// A URL is only checked at load time; the engine fetches it.
	if url.Metadata == nil || url.Metadata.URL != "https://idp.example/app/metadata" {
		t.Fatalf("url metadata = %+v", url.Metadata)
	}
	if len(url.Config) != 0 || len(url.Sources) != 0 {
		t.Errorf("a URL filled config at load time: %v %v", url.Config, url.Sources)
	}
}

func TestFillMetadataFromURLHidesOutsideValues(t *testing.T) {
	good, err := os.ReadFile("testdata/invalid/metadata/xml/good.xml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := samlmeta.Parse(good)
	if err != nil {
		t.Fatal(err)
	}
	idp := &IdP{Type: "saml", Metadata: &Metadata{URL: "https://idp.example/m"}}
	idp.FillMetadata(m)
	for _, k := range []string{"issuer_url", "sso_target_url"} {
		src, ok := idp.Secrets[k]
		if !ok || src.Ref != "metadata https://idp.example/m" || src.MetadataURL != "https://idp.example/m" {
			t.Errorf("%s: secret source = %+v", k, src)
		}
	}
	// Certificates are public facts, shown as certificates.
	if _, ok := idp.Secrets["idp_public_certs"]; ok {
		t.Error("certificates are recorded as a secret")
	}
	if idp.Sources["idp_public_certs"] != "metadata https://idp.example/m" {
		t.Errorf("sources = %v", idp.Sources)
	}
}
