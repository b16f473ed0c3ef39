package cli

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/idpsync/idpsync/apply"
)

// A link planted where an output file goes (a checkout can hold one) is
// replaced, and the file it points to is left untouched.
func TestOutputFilesNeverWriteThroughLinks(t *testing.T) {
	writers := []struct {
		name  string
		file  string // the file the writer creates in dir
		write func(dir string) error
		perm  os.FileMode
	}{
		{"cert-out", PEMFileName("acc", "Okta"), func(dir string) error {
			return (&PEMWriter{Dir: dir}).Write("acc", "Okta", "-----BEGIN CERTIFICATE-----\n")
		}, 0o644},
		{"secrets-out", SCIMSecretFileName("acc", "Okta", "idp-1"), func(dir string) error {
			_, err := (&SCIMSecretWriter{Dir: dir}).WriteSCIMSecret(context.Background(), apply.SCIMSecret{AccountID: "acc", Account: "acc", IdPName: "Okta", IdPID: "idp-1", Secret: "s3cr3t"})
			return err
		}, 0o600},
		{"full-output", "full.md", func(dir string) error {
			return WriteFile(filepath.Join(dir, "full.md"), []byte("# plan\n"), 0o644)
		}, 0o644},
	}
	for _, link := range []string{"symlink", "hardlink"} {
		for _, w := range writers {
			t.Run(link+"/"+w.name, func(t *testing.T) {
				dir := t.TempDir()
				victim := filepath.Join(t.TempDir(), "victim")
				if err := os.WriteFile(victim, []byte("keep"), 0o666); err != nil {
					t.Fatal(err)
				}
				at := filepath.Join(dir, w.file)
				var err error
				if link == "symlink" {
					err = os.Symlink(victim, at)
				} else {
					err = os.Link(victim, at)
				}
				if err != nil {
					t.Fatal(err)
				}
				if err := w.write(dir); err != nil {
					t.Fatalf("write: %v", err)
				}
				if b, _ := os.ReadFile(victim); string(b) != "keep" {
					t.Errorf("the linked file was overwritten: %q", b)
				}
				st, err := os.Lstat(at)
				if err != nil {
					t.Fatal(err)
				}
				if !st.Mode().IsRegular() || st.Mode().Perm() != w.perm {
					t.Errorf("%s: mode %v, want a regular file with %v", at, st.Mode(), w.perm)
				}
				ents, _ := os.ReadDir(dir)
				if len(ents) != 1 {
					t.Errorf("left behind: %v", ents)
				}
			})
		}
	}
}

func TestWriteFileRefusesADirectory(t *testing.T) {
	dir := t.TempDir()
	if err := WriteFile(dir, []byte("x"), 0o644); err == nil {
		t.Fatal("writing over a directory succeeded")
	}
}
