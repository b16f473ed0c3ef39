package cloudflare_test

import (
	"encoding/json"
	"testing"

	"github.com/idpsync/idpsync/cloudflare"
)

func TestAccessRule(t *testing.T) {
	const idp = "11111111-1111-4111-8111-111111111111"
	tests := []struct {
		json     string
		kind     string
		bound    string
		readable bool
	}{
		{`{"email":{"email":"a@example.com"}}`, "email", "", true},
		{`{"everyone":{}}`, "everyone", "", true},
		{`{"login_method":{"id":"` + idp + `"}}`, "login_method", idp, true},
		{`{"saml":{"attribute_name":"g","attribute_value":"v","identity_provider_id":"` + idp + `"}}`, "saml", idp, true},
		{`{"azureAD":{"id":"group","identity_provider_id":"` + idp + `"}}`, "azureAD", idp, true},
		{`{"okta":{"name":"sre","identity_provider_id":"` + idp + `"}}`, "okta", idp, true},
		{`{"gsuite":{"email":"g@example.com","identity_provider_id":"` + idp + `"}}`, "gsuite", idp, true},
		{`{"github-organization":{"name":"acme","identity_provider_id":"` + idp + `"}}`, "github-organization", idp, true},
		{`{"oidc":{"claim_name":"c","claim_value":"v","identity_provider_id":"` + idp + `"}}`, "oidc", idp, true},
		{`{"auth_context":{"id":"x","ac_id":"c1","identity_provider_id":"` + idp + `"}}`, "auth_context", idp, true},
		// An azureAD group's own id is not the IdP.
		{`{"azureAD":{"id":"` + idp + `"}}`, "azureAD", "", true},
		{`{"login_method":"` + idp + `"}`, "login_method", "", false},
		{`{"email":{"email":"a"},"everyone":{}}`, "email", "", false},
		{`{}`, "", "", false},
	}
	for _, tt := range tests {
		var r cloudflare.AccessRule
		if err := json.Unmarshal([]byte(tt.json), &r); err != nil {
			t.Fatal(err)
		}
		if got := r.Kind(); got != tt.kind {
			t.Errorf("%s: Kind = %q, want %q", tt.json, got, tt.kind)
		}
		if got := r.IdentityProviderID(); got != tt.bound {
			t.Errorf("%s: IdentityProviderID = %q, want %q", tt.json, got, tt.bound)
		}
		if got := r.Readable(); got != tt.readable {
			t.Errorf("%s: Readable = %v, want %v", tt.json, got, tt.readable)
		}
	}
}
