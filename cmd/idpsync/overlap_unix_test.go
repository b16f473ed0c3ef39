//go:build unix

package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/idpsync/idpsync/emulator"
)

// sandboxSecondFile declares objects in an account federation.yaml does not
// touch, so that a write lost by either apply shows as a missing object.
const sandboxSecondFile = `version: 1
accounts:
  - id: 1a2b3c4d5e6f708192a3b4c5d6e7f809
    name: security
    identity_providers:
      - name: Okta Security
        type: saml
        config:
          issuer_url: http://www.okta.com/exk9security
          sso_target_url: https://example.okta.com/app/security/sso/saml
          idp_public_certs: ["${file:certs/okta.pem}"]
        encryption:
          enabled: true
        federation:
          share_with:
            - account: 023e105f4ecef8ad9ca31a8372d0c353
      - name: Passkeys Security
        type: passkeys
        config:
          login_page_auto_prompt: false
`

// waitingForSandbox is what an apply says while another process holds the
// sandbox.
const waitingForSandbox = "Waiting for another idpsync process to finish with the sandbox"

// TestSandboxConcurrentAppliesLoseNoWrite starts two `apply --sandbox=DIR`
// processes at once on two files with disjoint accounts. The test holds the
// sandbox's lock until both say they are waiting for it, so the message is
// shown whatever the scheduling; then the two applies contend for the lock
// between themselves. Without the lock each would start from the same data
// file and the one saving last would drop the other's objects: afterwards
// every object of both files must be present.
func TestSandboxConcurrentAppliesLoseNoWrite(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs idpsync processes; skipped with -short")
	}
	bin, err := exec.LookPath("idpsync")
	if err != nil {
		t.Fatalf("the idpsync test binary is not on PATH: %v", err)
	}
	dir := t.TempDir()
	copyExample(t, dir)
	if err := os.WriteFile(filepath.Join(dir, "security.yaml"), []byte(sandboxSecondFile), 0o644); err != nil {
		t.Fatal(err)
	}
	sandbox := filepath.Join(dir, "sandbox")
	if err := os.MkdirAll(sandbox, 0o700); err != nil {
		t.Fatal(err)
	}
	// No credentials in the environment: the sandbox needs none.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CLOUDFLARE_") && !strings.HasPrefix(kv, "IDPSYNC_") {
			env = append(env, kv)
		}
	}
	r := idpsyncRunner{bin: bin, dir: dir, env: append(env, "NO_COLOR=1")}

	// The lock file and protocol are the sandbox's (cli.sandboxLockFile).
	lock, err := os.OpenFile(filepath.Join(sandbox, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	files := []string{"federation.yaml", "security.yaml"}
	type started struct {
		cmd *exec.Cmd
		out *lockedBuffer
	}
	var procs []started
	for _, f := range files {
		cmd, out := r.start(t, "apply", "--sandbox=sandbox", "--auto-approve", f)
		procs = append(procs, started{cmd, out})
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if !slices.ContainsFunc(procs, func(p started) bool { return !strings.Contains(p.out.String(), waitingForSandbox) }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the applies never said they wait for the sandbox:\n%s\n%s", procs[0].out, procs[1].out)
		}
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	for i, p := range procs {
		if ra := finish(t, p.cmd, p.out); ra.code != 0 || !strings.Contains(ra.out, "Apply complete") {
			t.Fatalf("apply --sandbox %s exited %d:\n%s", files[i], ra.code, ra.out)
		}
	}

	// Every declared object is present: each file plans no change...
	for _, f := range files {
		if ra := r.run(t, "plan", "--sandbox=sandbox", "--detailed-exitcode", f); ra.code != 0 {
			t.Errorf("plan --sandbox %s after both applies exited %d, want 0 (a lost write):\n%s", f, ra.code, ra.out)
		}
	}
	// ...and the sandbox's data file, read directly, holds both files' IdPs
	// (two SAML IdPs with encryption, one each), their grants and shares,
	// once each.
	b, err := os.ReadFile(filepath.Join(sandbox, "emulator.json"))
	if err != nil {
		t.Fatal(err)
	}
	var data emulator.Data
	if err := json.Unmarshal(b, &data); err != nil {
		t.Fatal(err)
	}
	var idps []string
	for _, i := range data.IdentityProviders {
		if !i.ReadOnly {
			idps = append(idps, i.AccountID[:4]+"/"+i.Name)
		}
	}
	slices.Sort(idps)
	want := []string{"023e/JumpCloud", "023e/Okta", "1a2b/Okta Security", "1a2b/Passkeys Security"}
	if !slices.Equal(idps, want) {
		t.Errorf("IdPs in the sandbox = %v, want %v", idps, want)
	}
	if n := len(data.CertificateSets); n != 2 {
		t.Errorf("certificate sets in the sandbox: %d, want 2 (Okta, Okta Security)", n)
	}
	if len(data.Grants) != 3 {
		t.Errorf("grants in the sandbox: %d, want 3 (Okta, JumpCloud, Okta Security)", len(data.Grants))
	}
	if d := data.Duplicates(); len(d) != 0 {
		t.Errorf("duplicates in the sandbox: %v", d)
	}
}
