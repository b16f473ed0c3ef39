package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idpsync/idpsync/emulator"
)

// interruptState declares n SAML IdPs with encryption per account over three
// accounts, federated to the other two when shared is set. (The SIGKILL loop
// is scenario 6 of the bench, tested in bench/.)
func interruptState(n int, shared bool) string {
	accounts := []string{"023e105f4ecef8ad9ca31a8372d0c353", "1a2b3c4d5e6f708192a3b4c5d6e7f809", "4d5e6f708192a3b4c5d6e7f8091a2b3c"}
	var b bytes.Buffer
	b.WriteString("version: 1\naccounts:\n")
	for ai, a := range accounts {
		fmt.Fprintf(&b, "  - id: %s\n    prune: true\n    identity_providers:\n", a)
		for j := range n {
			fmt.Fprintf(&b, "      - name: SAML %d\n        type: saml\n        config:\n", j)
			fmt.Fprintf(&b, "          issuer_url: https://idp%d.example.com/%d\n", j, ai)
			fmt.Fprintf(&b, "          sso_target_url: https://idp%d.example.com/sso\n", j)
			b.WriteString("          idp_public_certs: [\"${file:okta.pem}\"]\n")
			b.WriteString("        encryption:\n          enabled: true\n")
			if shared && j < 2 {
				b.WriteString("        federation:\n          share_with:\n")
				for bi, other := range accounts {
					if bi != ai {
						fmt.Fprintf(&b, "            - account: %s\n", other)
					}
				}
			}
		}
	}
	return b.String()
}

// TestInterrupt sends apply one Ctrl-C: it lets the requests in flight
// finish, starts nothing new, says so, and the next apply converges.
func TestInterrupt(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("signals a real process; skipped with -short")
	}
	bin, err := exec.LookPath("idpsync")
	if err != nil {
		t.Fatalf("the idpsync test binary is not on PATH: %v", err)
	}
	srv, err := emulator.Start(emulator.Options{Tokens: []string{testToken}, Keys: []emulator.APIKey{{Email: testEmail, Key: testKey}}, AutoAccounts: true, Latency: 100 * time.Millisecond}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	pem, _ := os.ReadFile("testdata/okta.pem")
	os.WriteFile(filepath.Join(dir, "okta.pem"), pem, 0o644)
	os.WriteFile(filepath.Join(dir, "idp.yaml"), []byte(interruptState(4, true)), 0o644)
	env := append(os.Environ(), "CLOUDFLARE_BASE_URL="+srv.URL, "CLOUDFLARE_API_TOKEN="+testToken, "CLOUDFLARE_EMAIL="+testEmail, "CLOUDFLARE_API_KEY="+testKey, "NO_COLOR=1")

	cmd := exec.Command(bin, "apply", "--auto-approve", "--parallelism", "2", "idp.yaml")
	cmd.Dir, cmd.Env = dir, env
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the first write has been answered, then interrupt.
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(out.String(), "✓"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("apply never got going:\n%s", out.String())
		}
	}
	cmd.Process.Signal(os.Interrupt)
	err = cmd.Wait()
	exitErr, ok := err.(*exec.ExitError)
	if !ok || exitErr.ExitCode() != 1 {
		t.Fatalf("interrupted apply: %v, want exit status 1\n%s", err, out.String())
	}
	for _, want := range []string{"Interrupted: stopping once the requests in flight finish", "Apply interrupted:", "not started. Run apply again to finish."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "failed") {
		t.Errorf("a graceful stop failed an action:\n%s", out.String())
	}

	again := exec.Command(bin, "apply", "--auto-approve", "idp.yaml")
	again.Dir, again.Env = dir, env
	if b, err := again.CombinedOutput(); err != nil {
		t.Fatalf("apply after the interrupt: %v\n%s", err, b)
	}
	if dups := srv.Emulator.Snapshot().Duplicates(); len(dups) > 0 {
		t.Errorf("duplicates: %v", dups)
	}
}

// lockedBuffer is written by exec's copying goroutine while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
