package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestReadmeTour runs the README's commands as written: the first command
// at the top, then every line of the five-minute tour, each with the exit
// status its comment promises. A README whose commands rot fails the build.
func TestReadmeTour(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("idpsync"); err != nil {
		t.Fatalf("the idpsync test binary is not on PATH: %v", err)
	}
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "examples"), os.DirFS("../../examples")); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "NO_COLOR=1"}

	first := firstCommand(t, string(readme))
	tour := tourCommands(t, string(readme))
	for _, line := range append([]string{first}, tour...) {
		if strings.HasPrefix(line, "go build ") {
			continue // the test binary already is idpsync
		}
		cmdline := strings.NewReplacer("go run ./cmd/idpsync", "idpsync", "./idpsync", "idpsync").Replace(stripComment(line))
		want := expectedStatus(line)
		cmd := exec.Command("sh", "-c", cmdline)
		cmd.Dir, cmd.Env = dir, env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		got := 0
		if err := cmd.Run(); err != nil {
			exitErr, ok := err.(*exec.ExitError)
			if !ok {
				t.Fatalf("%s: %v", cmdline, err)
			}
			got = exitErr.ExitCode()
		}
		if got != want {
			t.Fatalf("%s\nexited %d, the README promises %d:\n%s", cmdline, got, want, out.String())
		}
	}
}

func firstCommand(t *testing.T, readme string) string {
	m := regexp.MustCompile("(?s)```sh\n(.*?)```").FindStringSubmatch(readme)
	if m == nil {
		t.Fatal("README: no sh block")
	}
	return strings.SplitN(m[1], "\n", 2)[0]
}

func tourCommands(t *testing.T, readme string) []string {
	m := regexp.MustCompile("(?s)<!-- tour.*?-->\n```sh\n(.*?)```\n<!-- end tour -->").FindStringSubmatch(readme)
	if m == nil {
		t.Fatal("README: no tour block")
	}
	var lines []string
	for _, l := range strings.Split(m[1], "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	if len(lines) < 5 {
		t.Fatalf("README tour: only %d commands", len(lines))
	}
	return lines
}

func stripComment(line string) string {
	if i := strings.Index(line, "   #"); i >= 0 {
		return strings.TrimSpace(line[:i])
	}
	if i := strings.Index(line, "  #"); i >= 0 {
		return strings.TrimSpace(line[:i])
	}
	return line
}

var exitComment = regexp.MustCompile(`#\s*exit (\d)`)

func expectedStatus(line string) int {
	if m := exitComment.FindStringSubmatch(line); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}
