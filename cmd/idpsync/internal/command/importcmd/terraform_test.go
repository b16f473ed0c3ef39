package importcmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idpsync/idpsync/internal/golden"
	"github.com/idpsync/idpsync/state"
	"github.com/idpsync/idpsync/tfimport"
)

// TestTerraformFilesGolden renders the fixtures of package tfimport: the
// YAML of each account and zone and the removed blocks, with no secret of
// the state in any of them.
func TestTerraformFilesGolden(t *testing.T) {
	grants := map[string]string{"f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2": "Okta SAML"}
	for _, name := range []string{"v5-state", "v4-state"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "..", "tfimport", "testdata", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			res, err := tfimport.Convert(data, tfimport.Options{Grants: grants})
			if err != nil {
				t.Fatal(err)
			}
			files, secrets, err := terraformFiles(res)
			if err != nil {
				t.Fatal(err)
			}
			var all strings.Builder
			for _, f := range files {
				golden.Check(t, filepath.Join("testdata", name, f.name), f.data)
				all.Write(f.data)
			}
			var rep strings.Builder
			report(&rep, res, secrets, "out")
			golden.Check(t, filepath.Join("testdata", name, "report.txt"), []byte(rep.String()))
			all.WriteString(rep.String())
			if strings.Contains(all.String(), "CANARY") {
				t.Error("a secret of the state reached a file or the report")
			}
			if len(secrets) == 0 {
				t.Error("no variable to set: the client secrets must become ${env:} references")
			}
		})
	}
}

// TestValueKeepsLiterals: a value read from a state file or the API that
// looks like a reference is written so that it loads as the same literal.
func TestValueKeepsLiterals(t *testing.T) {
	idp := &state.LiveIdP{ID: "i", Name: "OIDC", Type: "oidc", Config: map[string]any{
		"client_id": "${file:/etc/passwd}", "auth_url": "https://x/${env:HOME}",
	}}
	n, _ := idpNode("023e105f4ecef8ad9ca31a8372d0c353", idp, false, nil)
	cfg := n.Content[5]
	got := map[string]string{}
	for i := 0; i+1 < len(cfg.Content); i += 2 {
		got[cfg.Content[i].Value] = cfg.Content[i+1].Value
	}
	want := map[string]string{
		"client_id":     "$${file:/etc/passwd}",
		"auth_url":      "https://x/$${env:HOME}",
		"client_secret": "${env:IDPSYNC_023E105F4ECEF8AD9CA31A8372D0C353_OIDC_CLIENT_SECRET}",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
}
