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

// TestWriteAllOrNothing: a file that cannot be written leaves none written
// and no temporary file behind; a link planted at a name is replaced, not
// written through.
func TestWriteAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "b.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := writeAll(dir, []outFile{{"a.yaml", []byte("a")}, {"b.yaml", []byte("b")}})
	if err == nil {
		t.Fatal("writing over a directory succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("after the error the directory holds %d entries, want only b.yaml/", len(entries))
	}

	outside := filepath.Join(t.TempDir(), "target")
	if err := os.WriteFile(outside, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir2 := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir2, "a.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := writeAll(dir2, []outFile{{"a.yaml", []byte("new")}}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(outside); string(b) != "keep" {
		t.Error("the write went through the link")
	}
	if st, err := os.Lstat(filepath.Join(dir2, "a.yaml")); err != nil || !st.Mode().IsRegular() || st.Mode().Perm() != 0o644 {
		t.Errorf("a.yaml is not a regular 0644 file: %v %v", st, err)
	}
}

// TestFederationWithoutRecipients: no recipient left means no federation
// block, since the file format refuses an empty share_with.
func TestFederationWithoutRecipients(t *testing.T) {
	idp := &state.LiveIdP{Name: "GitHub", Type: "github", Grant: &state.LiveGrant{ID: "g", Share: &state.LiveShare{
		TargetType: "account",
		Recipients: []*state.LiveRecipient{{AccountID: "1a2b3c4d5e6f708192a3b4c5d6e7f809", Status: "disassociated"}},
	}}}
	if n := federation(idp); n != nil {
		t.Errorf("federation rendered for a share with no recipient: %+v", n)
	}
}
