package emulator

import (
	"net/http"
	"testing"
)

// TestAccessPolicies covers what the contract test does not: an
// application's listing holds its own policies and the reusable ones it
// uses, in precedence order; app_count follows; deleting the application
// takes its own policies and leaves the reusable ones; bad rules are refused.
func TestAccessPolicies(t *testing.T) {
	s := start(t, Options{AutoAccounts: true}, false)
	idp := do(t, s, "POST", idpPath(acctA), map[string]any{"name": "GH", "type": "github", "config": map[string]any{"client_id": "c", "client_secret": "x"}}).str("id")
	apps := "/accounts/" + acctA + "/access/apps"
	reusable := do(t, s, "POST", "/accounts/"+acctA+"/access/policies", map[string]any{"name": "Staff", "decision": "allow",
		"include": []any{map[string]any{"email_domain": map[string]any{"domain": "example.com"}}}}).str("id")
	app := do(t, s, "POST", apps, map[string]any{"name": "Vault", "domain": "vault.example.com", "type": "self_hosted", "policies": []any{map[string]any{"id": reusable}}}).str("id")
	own := do(t, s, "POST", apps+"/"+app+"/policies", map[string]any{"name": "GH users", "decision": "allow",
		"include": []any{map[string]any{"login_method": map[string]any{"id": idp}}}})
	if own.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", own.Status, own.Body)
	}

	var listed []wirePolicy
	do(t, s, "GET", apps+"/"+app+"/policies", nil).result(t, &listed)
	if len(listed) != 2 || listed[0].ID != reusable || listed[1].ID != own.str("id") || *listed[0].Precedence != 1 || *listed[1].Precedence != 2 {
		t.Fatalf("application policies = %+v", listed)
	}
	var shared []wirePolicy
	do(t, s, "GET", "/accounts/"+acctA+"/access/policies", nil).result(t, &shared)
	if len(shared) != 1 || shared[0].AppCount == nil || *shared[0].AppCount != 1 || !shared[0].Reusable {
		t.Fatalf("reusable policies = %+v", shared)
	}

	for _, tt := range []struct {
		name string
		body map[string]any
		code int
	}{
		{"no include", map[string]any{"name": "x", "decision": "allow"}, CodeMissingField},
		{"bad decision", map[string]any{"name": "x", "decision": "maybe", "include": []any{map[string]any{"everyone": map[string]any{}}}}, CodeInvalidValue},
		{"a rule with two kinds", map[string]any{"name": "x", "decision": "allow", "include": []any{map[string]any{"everyone": map[string]any{}, "email": map[string]any{"email": "a@b"}}}}, CodeInvalidValue},
		{"an unknown IdP", map[string]any{"name": "x", "decision": "allow", "include": []any{map[string]any{"saml": map[string]any{"attribute_name": "g", "attribute_value": "v", "identity_provider_id": "00000000-0000-4000-8000-000000000000"}}}}, CodeIdPNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			expect(t, do(t, s, "POST", apps+"/"+app+"/policies", tt.body), http.StatusBadRequest, tt.code)
		})
	}
	expect(t, do(t, s, "POST", apps, map[string]any{"name": "X", "domain": "x.example.com", "type": "self_hosted", "policies": []any{"nope"}}), http.StatusBadRequest, CodeInvalidValue)

	do(t, s, "DELETE", apps+"/"+app, nil)
	d := s.Emulator.Snapshot()
	if len(d.AccessPolicies) != 1 || d.AccessPolicies[0].ID != reusable {
		t.Fatalf("after the application's delete: %+v, want the reusable policy only", d.AccessPolicies)
	}
	do(t, s, "GET", "/accounts/"+acctA+"/access/policies", nil).result(t, &shared)
	if *shared[0].AppCount != 0 {
		t.Errorf("app_count after the delete = %d", *shared[0].AppCount)
	}
}
