package emulatorcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/emulator"
)

// syncBuffer lets the test read what the command writes from its goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var (
	urlRE   = regexp.MustCompile(`listening on (http://\S+/client/v4)`)
	tokenRE = regexp.MustCompile(`Authorization: Bearer ([0-9a-f]{40})`)
)

// serve runs the command in a goroutine until the test ends and returns its
// base URL and its output.
func serve(t *testing.T, args ...string) (string, *syncBuffer, *syncBuffer) {
	t.Helper()
	ios, _, _, _ := cli.Test()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	ios.Out, ios.ErrOut = out, errOut
	cmd := NewCmd(ios)
	cmd.SetArgs(append([]string{"--listen", "127.0.0.1:0"}, args...))
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("command returned %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("command did not stop after its context ended")
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := urlRE.FindStringSubmatch(out.String()); m != nil {
			return m[1], out, errOut
		}
		select {
		case err := <-done:
			t.Fatalf("command ended early: %v\n%s%s", err, out, errOut)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("no URL printed:\n%s", out)
	return "", nil, nil
}

func post(t *testing.T, url, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest("POST", url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var env map[string]any
	if err := json.NewDecoder(res.Body).Decode(&env); err != nil {
		t.Fatal(err)
	}
	result, _ := env["result"].(map[string]any)
	return res.StatusCode, result
}

func TestServeGeneratedToken(t *testing.T) {
	base, out, _ := serve(t, "--auto-accounts")
	m := tokenRE.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("generated token not printed:\n%s", out)
	}
	token := m[1]
	acct := base + "/accounts/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/access"

	// The banner names the organization auto-created accounts join, so that
	// files can declare it.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), "Press Ctrl-C") && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "in organization "+emulator.SandboxOrganizationID) {
		t.Errorf("the banner does not name organization %s:\n%s", emulator.SandboxOrganizationID, out)
	}

	status, idp := post(t, acct+"/identity_providers", token, map[string]any{"name": "GH", "type": "github", "config": map[string]any{"client_id": "c", "client_secret": "s"}})
	if status != 201 {
		t.Fatalf("create IdP: %d", status)
	}
	status, grant := post(t, acct+"/idp_federation_grants", token, map[string]any{"idp_id": idp["id"]})
	if status != 201 || !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(grant["id"].(string)) {
		t.Fatalf("create grant: %d %v", status, grant)
	}

	status, saml := post(t, acct+"/identity_providers", token, map[string]any{"name": "SAML", "type": "saml", "config": map[string]any{"issuer_url": "i", "sso_target_url": "s"}})
	if status != 201 {
		t.Fatalf("create SAML IdP: %d", status)
	}
	certURL := acct + "/identity_providers/" + saml["id"].(string) + "/saml_certificate"
	status, first := post(t, certURL, token, nil)
	if status != 201 {
		t.Fatalf("first certificate set: %d", status)
	}
	status, second := post(t, certURL, token, nil)
	if status != 200 || second["uid"] != first["uid"] || first["uid"] == "" {
		t.Fatalf("second certificate set: %d %v, first %v", status, second["uid"], first["uid"])
	}

	if status, _ := post(t, acct+"/identity_providers", "wrong", map[string]any{}); status != 403 {
		t.Fatalf("wrong token: %d", status)
	}
	if !strings.Contains(out.String(), "in memory") {
		t.Errorf("output does not say where state lives:\n%s", out)
	}
}

func TestServeGivenTokenIsNotEchoed(t *testing.T) {
	const secret = "given-token-9f8e7d"
	const key = "given-key-1a2b3c"
	_, out, errOut := serve(t, "--token", secret, "--email", "ops@example.com", "--key", key)
	all := out.String() + errOut.String()
	if strings.Contains(all, secret) || strings.Contains(all, key) {
		t.Fatalf("credentials echoed:\n%s", all)
	}
	if !strings.Contains(all, "the token given with --token") {
		t.Errorf("output does not explain authentication:\n%s", all)
	}
}

func TestFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"email without key", []string{"--email", "a@b.c"}, "--email and --key go together"},
		{"bad rate limit", []string{"--rate-limit", "fast"}, "rate limit"},
		{"bad listen", []string{"--listen", "nowhere"}, "--listen"},
		{"bad max", []string{"--max-federated-idps", "0"}, "at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := cli.Test()
			cmd := NewCmd(ios)
			cmd.SetArgs(tt.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.ExecuteContext(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestIsLoopback(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"127.0.0.1:8787", true},
		{"localhost:1", true},
		{"[::1]:80", true},
		{"0.0.0.0:8787", false},
		{":8787", false},
		{"192.168.1.10:80", false},
	}
	for _, tt := range tests {
		got, err := isLoopback(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("isLoopback(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestHelpText(t *testing.T) {
	cmd := NewCmd(&cli.IOStreams{})
	if cmd.Short == "" || cmd.Long == "" || !strings.Contains(cmd.Example, "idpsync emulator") {
		t.Fatal("help text incomplete")
	}
}
