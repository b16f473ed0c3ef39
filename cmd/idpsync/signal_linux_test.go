package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSignalsEndValidateAndPlan sends SIGINT or SIGTERM to the built CLI while
// it is blocked in a real stage, and checks that it ends with exit status 1
// and says it was interrupted. Two stages block: loading a configuration of
// thousands of files (a minute or more of work, interrupted once the process
// has read its first files), and reading live state from an API that accepts the
// connection and never answers (interrupted once the connection is accepted).
// Nothing asserts on time; the deadline only keeps a hung process from
// hanging the test.
func TestSignalsEndValidateAndPlan(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("signals real processes; skipped with -short")
	}
	bin, err := exec.LookPath("idpsync")
	if err != nil {
		t.Fatalf("the idpsync test binary is not on PATH: %v", err)
	}

	// The file set: one valid file of 100 KB linked under thousands of names.
	// Each name is a file of its own to the loader (it deduplicates paths,
	// not inodes), so the load would take a minute or more (about 25 ms of
	// CPU a file), and the set takes the disk space of one file. The loader
	// stops between files: a small file keeps short what each process reads
	// before and after its signal.
	set := t.TempDir()
	var b strings.Builder
	b.WriteString("version: 1\naccounts:\n")
	for i := 0; b.Len() < 100<<10; i++ {
		fmt.Fprintf(&b, "  - id: %032x\n    identity_providers:\n      - name: Okta %d\n        type: okta\n        config:\n          client_id: id%d\n          client_secret: ${env:OKTA_SECRET}\n          okta_account: https://x%d.okta.com\n", i, i, i, i)
	}
	first := filepath.Join(set, "f00000.yaml")
	if err := os.WriteFile(first, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 3000; i++ {
		if err := os.Link(first, filepath.Join(set, fmt.Sprintf("f%05d.yaml", i))); err != nil {
			t.Fatal(err)
		}
	}
	// Having read two of the files proves the process is past its start
	// (so its signal handler is installed) and inside the load.
	loading := func(p *os.Process) bool { return bytesRead(p.Pid) > int64(2*b.Len()) }

	small := t.TempDir()
	if err := os.WriteFile(filepath.Join(small, "idp.yaml"), []byte("version: 1\naccounts:\n  - id: 023e105f4ecef8ad9ca31a8372d0c353\n    identity_providers:\n      - name: GitHub\n        type: github\n        config:\n          client_id: abc\n          client_secret: ${env:OKTA_SECRET}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "CLOUDFLARE_API_TOKEN="+testToken, "OKTA_SECRET=s3cret", "NO_COLOR=1")
	for _, tc := range []struct {
		name string
		args []string
		api  bool // the stage to interrupt is a request to the API
	}{
		{"validate/loading", []string{"validate", set}, false},
		{"plan/loading", []string{"plan", set}, false},
		{"plan/reading live state", []string{"plan", filepath.Join(small, "idp.yaml")}, true},
	} {
		for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
			t.Run(tc.name+"/"+sig.String(), func(t *testing.T) {
				ready := loading
				cmd := exec.Command(bin, tc.args...)
				cmd.Dir, cmd.Env = set, env
				if tc.api {
					var url string
					ready, url = silentAPI(t)
					cmd.Env = append(cmd.Env, "CLOUDFLARE_BASE_URL="+url)
				}
				out := &lockedBuffer{}
				cmd.Stdout, cmd.Stderr = out, out
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				done := make(chan error, 1)
				go func() { done <- cmd.Wait() }()
				deadline := time.After(60 * time.Second)
				for !ready(cmd.Process) {
					select {
					case err := <-done:
						t.Fatalf("%v ended before the signal: %v\n%s", tc.args, err, out.String())
					case <-deadline:
						cmd.Process.Kill()
						t.Fatalf("%v never reached the stage to interrupt", tc.args)
					case <-time.After(5 * time.Millisecond):
					}
				}
				cmd.Process.Signal(sig)
				var err error
				select {
				case err = <-done:
				case <-deadline:
					cmd.Process.Kill()
					t.Fatalf("%v ignored %v:\n%s", tc.args, sig, out.String())
				}
				exitErr, ok := err.(*exec.ExitError)
				if !ok || exitErr.ExitCode() != 1 {
					t.Fatalf("%v after %v: %v, want exit status 1\n%s", tc.args, sig, err, out.String())
				}
				for _, want := range []string{"Interrupted", "Error: interrupted"} {
					if !strings.Contains(out.String(), want) {
						t.Errorf("output lacks %q:\n%s", want, out.String())
					}
				}
				if strings.Contains(out.String(), "s3cret") || strings.Contains(out.String(), testToken) {
					t.Errorf("output holds a secret:\n%s", out.String())
				}
			})
		}
	}
}

// silentAPI starts an API that accepts connections and never answers. ready
// reports whether a request has arrived.
func silentAPI(t *testing.T) (ready func(*os.Process) bool, url string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	arrived := make(chan struct{})
	go func() {
		for first := true; ; first = false {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
			if first {
				go func() {
					// The request has been sent once its first line arrives.
					if _, err := bufio.NewReader(c).ReadString('\n'); err == nil {
						close(arrived)
					}
				}()
			}
		}
	}()
	return func(*os.Process) bool {
		select {
		case <-arrived:
			return true
		default:
			return false
		}
	}, "http://" + ln.Addr().String()
}

// bytesRead is what a process has read so far (rchar of /proc/PID/io), or 0.
func bytesRead(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "rchar: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}
