package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const changedYAML = `version: 1
accounts:
  - id: 023e105f4ecef8ad9ca31a8372d0c353
    name: platform
    identity_providers:
      - name: GitHub
        type: github
        config:
          client_id: Iv1.a
          client_secret: ${env:GH_SECRET}
`

func gitRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, p := range []string{"idp", "other"} {
		if err := os.MkdirAll(filepath.Join(dir, p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p, "a.yaml"), []byte(changedYAML), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "base"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	return dir
}

// TestLoadBase: the revision's configuration is read only below the
// configuration root; a path given outside it, or a root outside any
// repository, is an error; a path the revision does not hold is new.
func TestLoadBase(t *testing.T) {
	dir := gitRepo(t)
	f := &Factory{Getenv: func(string) (string, bool) { return "", false }, Now: time.Now}
	ctx := context.Background()

	b, err := f.LoadBase(ctx, Load{}, []string{filepath.Join(dir, "idp")}, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	if b.Desired == nil || len(b.Desired.Accounts) != 1 || len(b.Commit) != 40 || b.Unloadable != "" {
		t.Fatalf("base = %+v", b)
	}

	// --root idp: other/ is outside the configuration root.
	_, err = f.LoadBase(ctx, Load{Root: filepath.Join(dir, "idp")}, []string{filepath.Join(dir, "other")}, "HEAD")
	if err == nil || !strings.Contains(err.Error(), "outside the configuration root") {
		t.Fatalf("a path outside --root: %v", err)
	}

	// A directory the revision does not hold: nothing was declared there.
	if err := os.MkdirAll(filepath.Join(dir, "new"), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err = f.LoadBase(ctx, Load{}, []string{filepath.Join(dir, "new")}, "HEAD")
	if err != nil || b.Desired != nil {
		t.Fatalf("a new directory: %+v, %v", b, err)
	}

	// A root that is no repository.
	plain := t.TempDir()
	if _, err := f.LoadBase(ctx, Load{Root: plain}, []string{plain}, "HEAD"); err == nil || !strings.HasPrefix(err.Error(), "--changed-since: ") {
		t.Fatalf("outside a repository: %v", err)
	}

	for _, rev := range []string{"--upload-pack=x", "-x", ""} {
		if err := CheckChangedSince(rev, true, nil); err == nil {
			t.Errorf("CheckChangedSince(%q) accepted it", rev)
		}
	}
	if err := CheckChangedSince("HEAD", true, []string{"platform"}); err == nil {
		t.Error("--changed-since with --account accepted")
	}
	if err := CheckChangedSince("", false, []string{"platform"}); err != nil {
		t.Errorf("no --changed-since: %v", err)
	}
}
