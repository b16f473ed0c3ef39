package gitrev

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"
)

// repo makes a git repository with one commit of files, and returns its
// directory.
func repo(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	gitT(t, dir, "init", "-q")
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gitT(t, dir, "add", "-A")
	gitT(t, dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "base")
	return dir
}

func gitT(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func TestTreeIsAnFS(t *testing.T) {
	dir := repo(t, map[string]string{
		"idp/a.yaml":       "version: 1\n",
		"idp/sub/b.yml":    "version: 1\n# b\n",
		"idp/okta.xml":     "<x/>",
		"outside.yaml":     "secret: outside the directory\n",
		"idp/empty.yaml":   "",
		"idp/deep/x/y.txt": "y",
	})
	if err := os.Symlink("../outside.yaml", filepath.Join(dir, "idp", "link.yaml")); err != nil {
		t.Fatal(err)
	}
	gitT(t, dir, "add", "-A")
	gitT(t, dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "link")
	// The work tree moves on; the tree read is the commit's.
	if err := os.WriteFile(filepath.Join(dir, "idp", "a.yaml"), []byte("changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	tr, err := Open(context.Background(), filepath.Join(dir, "idp"), "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if err := fstest.TestFS(tr, "a.yaml", "sub/b.yml", "okta.xml", "empty.yaml", "deep/x/y.txt"); err != nil {
		t.Fatal(err)
	}
	b, err := fs.ReadFile(tr, "a.yaml")
	if err != nil || string(b) != "version: 1\n" {
		t.Fatalf("a.yaml at HEAD = %q, %v", b, err)
	}
	for _, absent := range []string{"link.yaml", "../outside.yaml", "outside.yaml", "/etc/passwd", ".git/config"} {
		if _, err := fs.ReadFile(tr, absent); err == nil {
			t.Errorf("%s: read, want refused or absent", absent)
		}
	}
}

func TestHostileRevisionsAreRefused(t *testing.T) {
	dir := repo(t, map[string]string{"a.yaml": "version: 1\n"})
	marker := filepath.Join(dir, "ran")
	for _, rev := range []string{
		"--upload-pack=touch " + marker,
		"--upload-pack=x",
		"-x",
		"--output=" + marker,
		"",
		"HEAD\nmain",
		"HEAD main",
		"HEAD\x1b[31m",
		strings.Repeat("a", MaxRevision+1),
	} {
		_, err := Open(context.Background(), dir, rev)
		if !errors.Is(err, ErrRevision) {
			t.Errorf("Open(%q) = %v, want ErrRevision", rev, err)
		}
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("a hostile revision ran a command")
	}
}

func TestRevisionsGitRefuses(t *testing.T) {
	dir := repo(t, map[string]string{"a.yaml": "version: 1\n"})
	for _, rev := range []string{"no-such-branch", "HEAD~5", "HEAD:a.yaml", "HEAD^{tree}"} {
		if _, err := Open(context.Background(), dir, rev); err == nil {
			t.Errorf("Open(%q): no error", rev)
		} else if errors.Is(err, ErrRevision) {
			t.Errorf("Open(%q) refused before git: %v", rev, err)
		}
	}
	if _, err := Open(context.Background(), t.TempDir(), "HEAD"); err == nil {
		t.Error("a directory outside any repository: no error")
	}
}

func TestCancelledContext(t *testing.T) {
	dir := repo(t, map[string]string{"a.yaml": "version: 1\n"})
	ctx, cancel := context.WithCancel(context.Background())
	tr, err := Open(ctx, dir, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	cancel()
	if _, err := tr.ReadFile("a.yaml"); !errors.Is(err, context.Canceled) {
		t.Fatalf("ReadFile after cancel = %v, want context.Canceled", err)
	}
	if _, err := Open(ctx, dir, "HEAD"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Open after cancel = %v, want context.Canceled", err)
	}
}

// TestClipKeepsRunesWhole: what git said is cut to 200 bytes on a rune
// boundary, on one line, with nothing unprintable left.
func TestClipKeepsRunesWhole(t *testing.T) {
	for _, in := range []string{
		strings.Repeat("a", 199) + "é" + "tail",
		strings.Repeat("€", 100),
		"fatal: bad revision '\x1b[31mx'\nsecond line",
	} {
		got := clip(in)
		if !utf8.ValidString(got) {
			t.Errorf("clip(%q) = %q: not valid UTF-8", in, got)
		}
		if len(got) > 200+len("…") || strings.ContainsAny(got, "\n\x1b") {
			t.Errorf("clip(%q) = %q: too long, or a line break or escape left", in, got)
		}
	}
}
