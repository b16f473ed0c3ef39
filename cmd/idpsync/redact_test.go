package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idpsync/idpsync/emulator"
)

// TestAPIErrorsRedactReferencedValues makes the API refuse every IdP write
// with a message that echoes the whole request body, as a real API may echo a
// field it refuses, and checks that apply's output, in every format and with
// --debug, never holds a value read from the environment or from a file:
// each shows as (redacted).
func TestAPIErrorsRedactReferencedValues(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("idpsync")
	if err != nil {
		t.Fatalf("the idpsync test binary is not on PATH: %v", err)
	}
	const (
		secretCanary = "CANARY-secret-e41c"
		envCanary    = "CANARY-env-client-id-77d2"
		fileCanary   = "CANARY-file-attr-90b3"
	)
	echo := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if (r.Method == http.MethodPost || r.Method == http.MethodPut) && strings.Contains(r.URL.Path, "/access/identity_providers") {
				body, _ := io.ReadAll(r.Body)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				json.NewEncoder(w).Encode(map[string]any{
					"success": false, "result": nil, "messages": []any{},
					"errors": []any{map[string]any{"code": 12000, "message": "invalid identity provider: " + string(body)}},
				})
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	srv, err := emulator.Start(emulator.Options{Tokens: []string{testToken}, Keys: []emulator.APIKey{{Email: testEmail, Key: testKey}}, AutoAccounts: true, Wrap: echo}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "attr.txt"), []byte(fileCanary+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "idp.yaml"), []byte(`version: 1
accounts:
  - id: 023e105f4ecef8ad9ca31a8372d0c353
    identity_providers:
      - name: Okta
        type: okta
        config:
          client_id: ${env:OKTA_CLIENT_ID}
          client_secret: ${env:OKTA_SECRET}
          okta_account: https://example.okta.com
          email_claim_name: ${file:attr.txt}
`), 0o644)
	env := append(os.Environ(), "CLOUDFLARE_BASE_URL="+srv.URL, "CLOUDFLARE_API_TOKEN="+testToken, "CLOUDFLARE_EMAIL="+testEmail, "CLOUDFLARE_API_KEY="+testKey, "NO_COLOR=1",
		"OKTA_CLIENT_ID="+envCanary, "OKTA_SECRET="+secretCanary)
	for _, args := range [][]string{
		{"apply", "--auto-approve", "idp.yaml"},
		{"apply", "--auto-approve", "--output", "json", "idp.yaml"},
		{"apply", "--auto-approve", "--debug", "idp.yaml"},
	} {
		cmd := exec.Command(bin, args...)
		cmd.Dir, cmd.Env = dir, env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err == nil {
			t.Fatalf("%v succeeded against an API that refuses every write:\n%s", args, out.String())
		}
		if !strings.Contains(out.String(), "invalid identity provider") || !strings.Contains(out.String(), "(redacted)") {
			t.Errorf("%v: the refusal, redacted, is not shown:\n%s", args, out.String())
		}
		for _, canary := range []string{secretCanary, envCanary, fileCanary, testToken} {
			if strings.Contains(out.String(), canary) {
				t.Errorf("%v: output holds %s:\n%s", args, canary, out.String())
			}
		}
	}
}
