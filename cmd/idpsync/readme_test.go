package main

import (
	"bytes"
	"encoding/xml"
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
	t.Parallel()
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

// TestReadmePolicyTour runs the README's policy walkthrough as written: a
// deny, the apply it refuses, a waiver and an expired waiver, each with the
// exit status its comment promises.
func TestReadmePolicyTour(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- policy tour.*?-->\n```sh\n(.*?)```\n<!-- end policy tour -->").FindStringSubmatch(string(readme))
	if m == nil {
		t.Fatal("README: no policy tour block")
	}
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "examples"), os.DirFS("../../examples")); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "NO_COLOR=1"}
	ran := 0
	for _, line := range strings.Split(m[1], "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cmd := exec.Command("sh", "-c", stripComment(line))
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		got := 0
		if exitErr, ok := err.(*exec.ExitError); ok {
			got = exitErr.ExitCode()
		} else if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if want := expectedStatus(line); got != want {
			t.Fatalf("%s\nexited %d, the README promises %d:\n%s", line, got, want, out)
		}
		ran++
	}
	if ran < 5 {
		t.Fatalf("README policy tour: only %d commands", ran)
	}
}

// TestReadmeSPMetadata runs the README's sp-metadata example as written, in
// a directory holding the examples, and reads back what it wrote: Cloudflare's
// service-provider metadata for the sandbox account's team domain.
func TestReadmeSPMetadata(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- sp-metadata.*?-->\n```sh\n(.*?)```\n<!-- end sp-metadata -->").FindStringSubmatch(string(readme))
	if m == nil {
		t.Fatal("README: no sp-metadata block")
	}
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "examples"), os.DirFS("../../examples")); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "NO_COLOR=1"}
	var ran int
	for _, line := range strings.Split(m[1], "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		cmd := exec.Command("sh", "-c", line)
		cmd.Dir, cmd.Env = dir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", line, err, out)
		}
		ran++
	}
	if ran != 2 {
		t.Fatalf("README sp-metadata block: %d commands, want the apply and the sp-metadata", ran)
	}
	b, err := os.ReadFile(filepath.Join(dir, "cloudflare-sp.xml"))
	if err != nil {
		t.Fatalf("the example wrote no cloudflare-sp.xml: %v", err)
	}
	var md struct {
		XMLName  xml.Name `xml:"urn:oasis:names:tc:SAML:2.0:metadata EntityDescriptor"`
		EntityID string   `xml:"entityID,attr"`
		SP       struct {
			ACS []struct {
				Binding  string `xml:"Binding,attr"`
				Location string `xml:"Location,attr"`
			} `xml:"urn:oasis:names:tc:SAML:2.0:metadata AssertionConsumerService"`
			Keys []struct{} `xml:"urn:oasis:names:tc:SAML:2.0:metadata KeyDescriptor"`
		} `xml:"urn:oasis:names:tc:SAML:2.0:metadata SPSSODescriptor"`
	}
	if err := xml.Unmarshal(b, &md); err != nil {
		t.Fatalf("cloudflare-sp.xml: %v\n%s", err, b)
	}
	// The sandbox's team domain comes from the account id (emulator
	// --auto-accounts); examples/saml-metadata.yaml declares no encryption.
	const callback = "https://team-023e105f.cloudflareaccess.com/cdn-cgi/access/callback"
	if md.EntityID != callback {
		t.Errorf("entityID = %q, want %q", md.EntityID, callback)
	}
	if len(md.SP.ACS) != 1 || md.SP.ACS[0].Location != callback || md.SP.ACS[0].Binding != "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" {
		t.Errorf("AssertionConsumerService = %+v, want one HTTP-POST at %s", md.SP.ACS, callback)
	}
	if len(md.SP.Keys) != 0 {
		t.Errorf("%d KeyDescriptors, want none without encryption", len(md.SP.Keys))
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
