package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idpsync/idpsync/cloudflare"
)

// lockedBuffer is an ErrOut two goroutines can share with the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func sandboxFactory(errOut *lockedBuffer) *Factory {
	ios, _, _, _ := Test()
	ios.ErrOut = errOut
	return &Factory{IO: ios, Version: "test", Getenv: func(string) (string, bool) { return "", false }, Now: time.Now}
}

// TestSandboxConcurrentRunsLoseNoWrite runs two sandbox sessions on one data
// directory at once. The second waits for the first (and says so), so it
// starts from what the first wrote; without the lock it would start from the
// old data file and overwrite the first one's IdP when it saves.
func TestSandboxConcurrentRunsLoseNoWrite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	const account = "023e105f4ecef8ad9ca31a8372d0c353"
	api := API{Sandbox: dir, RateLimit: "1200/5m", Concurrency: 4, Timeout: 10 * time.Second}
	create := func(conn *Connection, name string) {
		t.Helper()
		if _, err := conn.Client.CreateIdentityProvider(ctx, account, cloudflare.IdentityProvider{Name: name, Type: "onetimepin", Config: map[string]any{}}); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
	}

	first, err := api.Connect(ctx, sandboxFactory(&lockedBuffer{}))
	if err != nil {
		t.Fatal(err)
	}
	secondOut := &lockedBuffer{}
	second := make(chan *Connection)
	go func() {
		conn, err := api.Connect(ctx, sandboxFactory(secondOut))
		if err != nil {
			t.Error(err)
			close(second)
			return
		}
		second <- conn
	}()
	// The first session writes only once the second is known to be waiting.
	for !strings.Contains(secondOut.String(), "Waiting for another idpsync process to finish with the sandbox") {
		time.Sleep(10 * time.Millisecond)
	}
	create(first, "One")
	first.Close()

	conn := <-second
	if conn == nil {
		t.FailNow()
	}
	create(conn, "Two")
	conn.Close()

	check, err := api.Connect(ctx, sandboxFactory(&lockedBuffer{}))
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	idps, err := check.Client.ListIdentityProviders(ctx, account)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, i := range idps {
		names = append(names, i.Name)
	}
	if strings.Join(names, ",") != "One,Two" && strings.Join(names, ",") != "Two,One" {
		t.Errorf("IdPs after two concurrent sessions = %v, want One and Two", names)
	}
}

// TestSandboxWaitStopsOnCancel: a session waiting for the lock gives up when
// its context ends (Ctrl-C), with a clear error.
func TestSandboxWaitStopsOnCancel(t *testing.T) {
	dir := t.TempDir()
	api := API{Sandbox: dir, RateLimit: "1200/5m", Concurrency: 4, Timeout: 10 * time.Second}
	first, err := api.Connect(context.Background(), sandboxFactory(&lockedBuffer{}))
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := api.Connect(ctx, sandboxFactory(&lockedBuffer{})); err == nil || !strings.Contains(err.Error(), "another idpsync process is using") {
		t.Fatalf("err = %v", err)
	}
}

func TestSandboxPlanKeyIsStable(t *testing.T) {
	dir := t.TempDir()
	a, err := SandboxPlanKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := SandboxPlanKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID() != b.ID() || !bytes.Equal(a.SecretKey(), b.SecretKey()) {
		t.Error("the sandbox key changes between runs")
	}
	other, _ := SandboxPlanKey(t.TempDir())
	if other.ID() == a.ID() {
		t.Error("two sandboxes share a key")
	}
}

// TestSandboxPlanKeyFirstRunsRace: processes started together on a new
// sandbox each read the key before any takes the sandbox's lock. One writes
// it; none may read it half-written (an empty file: "the key is too short"),
// and all use the same key.
func TestSandboxPlanKeyFirstRunsRace(t *testing.T) {
	for range 50 {
		dir := t.TempDir()
		const n = 8
		keys := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				k, err := SandboxPlanKey(dir)
				keys[i], errs[i] = k.ID(), err
			})
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("a first run racing others: %v", errs[i])
			}
			if keys[i] != keys[0] {
				t.Fatalf("runs racing on a new sandbox use different keys")
			}
		}
	}
}

func TestConnectionFlagsAndShellJoin(t *testing.T) {
	a := API{Sandbox: "my sandbox", URL: "http://127.0.0.1:8787/client/v4", TokenFile: "tok.txt"}
	got := ShellJoin(append(a.ConnectionFlags(), "it's.plan"))
	want := `'--sandbox=my sandbox' --api-url=http://127.0.0.1:8787/client/v4 --api-token-file=tok.txt 'it'\''s.plan'`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := (&API{Sandbox: DefaultSandboxDir}).ConnectionFlags(); len(got) != 1 || got[0] != "--sandbox" {
		t.Errorf("default sandbox = %q", got)
	}
}

// The sandbox's plan key is read bounded: a huge file there is refused.
func TestSandboxPlanKeyIsReadBounded(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, sandboxKeyFile), make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := SandboxPlanKey(dir); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("err = %v, want the oversized key refused", err)
	}
}
