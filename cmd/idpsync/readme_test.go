package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
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
	dir := withExamples(t)
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
	m := readmeMatch(t, "(?s)<!-- policy tour.*?-->\n```sh\n(.*?)```\n<!-- end policy tour -->", "policy tour block")
	dir := withExamples(t)
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
	m := readmeMatch(t, "(?s)<!-- sp-metadata.*?-->\n```sh\n(.*?)```\n<!-- end sp-metadata -->", "sp-metadata block")
	dir := withExamples(t)
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

// readmeMatch returns the submatches of pattern in the README, failing the
// test when the README has no such block (what names it).
func readmeMatch(t *testing.T, pattern, what string) []string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(pattern).FindStringSubmatch(string(readme))
	if m == nil {
		t.Fatal("README: no " + what)
	}
	return m
}

// withExamples is a fresh directory holding a copy of examples/, where the
// README's commands run as a reader would run them from a checkout.
func withExamples(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "examples"), os.DirFS("../../examples")); err != nil {
		t.Fatal(err)
	}
	return dir
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

var exitComment = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`#\s*exit (\d)`) })

func expectedStatus(line string) int {
	if m := exitComment().FindStringSubmatch(line); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// TestReadmeLockout checks the README's lockout example against what the
// built CLI prints for it on the sandbox: Okta removed from an account that
// prunes, with one application that allows only Okta and one that allows a
// second IdP too. Every line of the three blocks (the text plan, the
// Markdown plan and the refused apply) must be a line of the real output,
// in order, but for the IdP's id, which is random, and the "..." that
// trims the README's copy.
func TestReadmeLockout(t *testing.T) {
	t.Parallel()
	m := readmeMatch(t, "(?s)<!-- lockout example.*?-->\n```\n(.*?)```\n.*?```\n(.*?)```\n.*?```\n(.*?)```\n", "lockout example (a marker and three blocks)")
	dir := t.TempDir()
	const full = `version: 1
accounts:
  - id: 023e105f4ecef8ad9ca31a8372d0c353
    name: platform
    prune: true
    identity_providers:
      - name: Okta
        type: okta
        config:
          client_id: 0oa1example
          client_secret: ${env:OKTA_CLIENT_SECRET}
          okta_account: https://example.okta.com
      - name: One-time PIN
        type: onetimepin
        config: {}
`
	removed := strings.Replace(full, full[strings.Index(full, "      - name: Okta"):strings.Index(full, "      - name: One-time PIN")], "", 1)
	for name, body := range map[string]string{"full.yaml": full, "idp.yaml": removed} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "NO_COLOR=1", "OKTA_CLIENT_SECRET=readme-example"}
	run := func(want int, args ...string) string {
		t.Helper()
		cmd := exec.Command("idpsync", args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		got := 0
		if exitErr, ok := err.(*exec.ExitError); ok {
			got = exitErr.ExitCode()
		} else if err != nil {
			t.Fatalf("idpsync %s: %v", strings.Join(args, " "), err)
		}
		if got != want {
			t.Fatalf("idpsync %s exited %d, want %d:\n%s", strings.Join(args, " "), got, want, out)
		}
		return string(out)
	}
	run(0, "apply", "--sandbox=sb", "--auto-approve", "full.yaml")

	// The applications, written into the sandbox's data file: the CLI
	// manages no application, so none of its commands can make one.
	data := filepath.Join(dir, "sb", "emulator.json")
	b, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, v := range d["identity_providers"].([]any) {
		idp := v.(map[string]any)
		ids[idp["name"].(string)] = idp["id"].(string)
	}
	app := func(n int, name, domain string, allowed ...string) map[string]any {
		return map[string]any{
			"account_id": "023e105f4ecef8ad9ca31a8372d0c353", "id": fmt.Sprintf("a1b2c3d4-0000-4000-8000-00000000000%d", n),
			"name": name, "domain": domain, "type": "self_hosted", "aud": fmt.Sprintf("aud%d", n),
			"allowed_idps": allowed, "session_duration": "24h",
			"created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
		}
	}
	d["access_applications"] = []any{
		app(1, "Grafana", "grafana.example.com", ids["Okta"], ids["One-time PIN"]),
		app(2, "Wiki", "wiki.example.com", ids["Okta"]),
	}
	if b, err = json.Marshal(d); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(data, b, 0o600); err != nil {
		t.Fatal(err)
	}

	outputs := []string{
		run(0, "plan", "--sandbox=sb", "idp.yaml"),
		run(0, "plan", "--sandbox=sb", "--output", "markdown", "idp.yaml"),
		run(1, "apply", "--sandbox=sb", "--auto-approve", "idp.yaml"),
	}
	id := regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	for i, out := range outputs {
		got := strings.Split(id.ReplaceAllString(out, "ID"), "\n")
		at, checked := 0, 0
		for _, want := range strings.Split(m[i+1], "\n") {
			if strings.TrimSpace(want) == "" || strings.TrimSpace(want) == "..." || strings.HasPrefix(want, "$ ") {
				continue
			}
			want = id.ReplaceAllString(want, "ID")
			for at < len(got) && got[at] != want {
				at++
			}
			if at == len(got) {
				t.Errorf("README lockout block %d: %q is not in the real output (in this order):\n%s", i+1, want, out)
				break
			}
			checked++
		}
		if checked < 5 {
			t.Errorf("README lockout block %d: only %d lines checked", i+1, checked)
		}
	}
}
