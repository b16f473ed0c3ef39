package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/cmd/idpsync/internal/command/root"
)

// TestHelpExamples runs the examples of `idpsync --help` as written, from a
// copy of the repository's examples: the first thing a new user tries must work.
func TestHelpExamples(t *testing.T) {
	t.Parallel()
	ios, _, _, _ := cli.Test()
	example := root.NewCmd(&cli.Factory{IO: ios}).Example
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "examples"), os.DirFS("../../examples")); err != nil {
		t.Fatal(err)
	}
	// The examples name files of the repository: run them as in a clone,
	// whose work tree is the configuration root.
	if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(example, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "idpsync ") {
			continue
		}
		n++
		cmd := exec.Command("sh", "-c", line)
		cmd.Dir = dir
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "NO_COLOR=1"}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Errorf("%s: %v\n%s", line, err, out.String())
		}
	}
	if n == 0 {
		t.Fatal("idpsync --help shows no example")
	}
}
