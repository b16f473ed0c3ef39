package state

import (
	"context"
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
