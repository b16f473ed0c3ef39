package cloudflare

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRefreshSCIMSecretShapes: no source documents refresh_scim_secret's
// answer, so each plausible one is read, and an answer without a secret is
// a success without one (the caller says so), never a guess or a retry.
func TestRefreshSCIMSecretShapes(t *testing.T) {
	const secret = "scim-CANARY-0f9e"
	env := func(result string) string {
		return `{"success":true,"errors":[],"messages":[],"result":` + result + `}`
	}
	tests := []struct {
		name       string
		status     int
		body       string
		wantSecret string
		wantBase   string
		wantErr    string
	}{
		{name: "the IdP object with scim_config.secret", status: 200,
			body:       env(`{"id":"i1","name":"Okta","type":"okta","config":{},"scim_config":{"enabled":true,"secret":"` + secret + `","scim_base_url":"https://b/scim"}}`),
			wantSecret: secret, wantBase: "https://b/scim"},
		{name: "a top-level secret", status: 200, body: env(`{"secret":"` + secret + `"}`), wantSecret: secret},
		{name: "the IdP with a top-level secret beside a redacted one", status: 200,
			body:       env(`{"id":"i1","scim_config":{"enabled":true,"secret":"******"},"secret":"` + secret + `"}`),
			wantSecret: secret},
		{name: "a bare string", status: 200, body: env(`"` + secret + `"`), wantSecret: secret},
		{name: "a redacted secret is none", status: 200, body: env(`{"id":"i1","scim_config":{"enabled":true,"secret":"*****"}}`)},
		{name: "a null result", status: 200, body: env(`null`)},
		{name: "an empty object", status: 200, body: env(`{}`)},
		{name: "an empty body", status: 200, body: ""},
		{name: "204 No Content", status: 204, body: ""},
		{name: "201 with the IdP", status: 201, body: env(`{"id":"i1","scim_config":{"secret":"` + secret + `"}}`), wantSecret: secret},
		{name: "a number is no shape", status: 200, body: env(`42`), wantErr: "neither an object nor a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls++
				if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/accounts/acc/access/identity_providers/i1/refresh_scim_secret") {
					t.Errorf("request %s %s", r.Method, r.URL.Path)
				}
				if tt.body != "" {
					w.Header().Set("Content-Type", "application/json")
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			c, _ := newTestClient(t, srv, nil)
			got, err := c.RefreshSCIMSecret(context.Background(), "acc", "i1")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if calls != 1 {
				t.Errorf("%d requests: an answer without a secret must not be retried (each call replaces the secret)", calls)
			}
			if got.SCIMSecret != tt.wantSecret {
				t.Errorf("secret = %q, want %q", got.SCIMSecret, tt.wantSecret)
			}
			if base, _ := got.SCIMConfig["scim_base_url"].(string); base != tt.wantBase {
				t.Errorf("base URL = %q, want %q", base, tt.wantBase)
			}
			if _, in := got.SCIMConfig["secret"]; in {
				t.Error("the secret stayed in SCIMConfig, where an encoding would carry it")
			}
		})
	}
}
