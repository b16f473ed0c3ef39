package importcmd

import (
	"bytes"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/state"
)

// The mapping from live state to YAML is pure: these tests drive it
// directly, without the CLI or an emulator.

func TestEnvName(t *testing.T) {
	const acct = "0123456789abcdef0123456789abcdef"
	tests := []struct {
		owner, idp, field, want string
	}{
		{acct, "GitHub", "client_secret", "IDPSYNC_0123456789ABCDEF0123456789ABCDEF_GITHUB_CLIENT_SECRET"},
		{acct, "Okta (prod) / EU", "client_secret", "IDPSYNC_0123456789ABCDEF0123456789ABCDEF_OKTA_PROD_EU_CLIENT_SECRET"},
		{idptype.ZoneKey(acct), "GitHub", "client_secret", "IDPSYNC_ZONE_0123456789ABCDEF0123456789ABCDEF_GITHUB_CLIENT_SECRET"},
	}
	for _, tt := range tests {
		if got := envName(tt.owner, tt.idp, tt.field); got != tt.want {
			t.Errorf("envName(%q, %q) = %q, want %q", tt.owner, tt.idp, got, tt.want)
		}
	}
}

func TestCheckSecretNames(t *testing.T) {
	ok := []secretVar{{"IDPSYNC_A_GITHUB_CLIENT_SECRET", "GitHub: config.client_secret"}, {"IDPSYNC_A_OKTA_CLIENT_SECRET", "Okta: config.client_secret"}}
	if err := checkSecretNames(ok); err != nil {
		t.Errorf("distinct names: %v", err)
	}
	// "Okta Prod" and "okta-prod" map to one variable: refused, naming both.
	clash := []secretVar{
		{envName("a", "Okta Prod", "client_secret"), "Okta Prod: config.client_secret"},
		{envName("a", "okta-prod", "client_secret"), "okta-prod: config.client_secret"},
	}
	err := checkSecretNames(clash)
	if err == nil || !strings.Contains(err.Error(), "Okta Prod: config.client_secret and okta-prod: config.client_secret") {
		t.Errorf("clash: %v", err)
	}
}

func TestValue(t *testing.T) {
	tests := []struct {
		in         any
		value, tag string
	}{
		{"plain", "plain", "!!str"},
		// A value from the API never becomes a reference when the YAML loads.
		{"${env:HOME}", "$${env:HOME}", "!!str"},
		{true, "true", "!!bool"},
		{float64(512), "512", "!!int"},
		{1.5, "1.5", "!!float"},
	}
	for _, tt := range tests {
		n := value(tt.in)
		if n.Value != tt.value || n.Tag != tt.tag {
			t.Errorf("value(%#v) = %q %s, want %q %s", tt.in, n.Value, n.Tag, tt.value, tt.tag)
		}
	}
}

func TestAccountDocument(t *testing.T) {
	const acct = "0123456789abcdef0123456789abcdef"
	const peer, gone = "11111111111111111111111111111111", "22222222222222222222222222222222"
	la := &state.LiveAccount{ID: acct, Organization: "org-1", IdentityProviders: []*state.LiveIdP{
		{ID: "gh-1", Name: "GitHub", Type: idptype.GitHub, Config: map[string]any{"client_id": "Iv1.abc", "redirect_url": "https://team/cb"},
			Grant: &state.LiveGrant{ID: "g1", Share: &state.LiveShare{TargetType: idptype.TargetAccount, Recipients: []*state.LiveRecipient{
				{AccountID: peer, Status: idptype.Associated}, {AccountID: gone, Status: idptype.Disassociated},
			}}}},
		// Two IdPs of one name are pinned by id.
		{ID: "otp-1", Name: "PIN", Type: idptype.OneTimePIN, Config: map[string]any{}},
		{ID: "otp-2", Name: "PIN", Type: idptype.OneTimePIN, Config: map[string]any{}},
		{ID: "saml-1", Name: "Okta", Type: idptype.SAML, EncryptionEnabled: true, Config: map[string]any{
			"issuer_url": "http://www.okta.com/x", "sso_target_url": "https://okta/sso", "idp_public_certs": []any{"MIIB"}, "sign_request": false, "enable_encryption": true,
		}},
		{ID: "recv", Name: "Shared", Type: idptype.GitHub, ReadOnly: true, Received: &state.Received{FromAccount: peer}},
	}}
	node, secrets := accountNode(la, nil)
	var b bytes.Buffer
	if err := writeDoc(&b, []*yaml.Node{node}, []string{acct}); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{
		"organization: org-1",
		"client_secret: ${env:IDPSYNC_0123456789ABCDEF0123456789ABCDEF_GITHUB_CLIENT_SECRET}",
		"client_id: Iv1.abc",
		`- account: "` + peer + `"`,
		"id: otp-1", "id: otp-2",
		"encryption:\n          enabled: true",
		`"Shared" (github), received from account ` + peer + " and managed there",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("document lacks %q:\n%s", want, got)
		}
	}
	for _, absent := range []string{gone, "redirect_url", "sign_request", "enable_encryption", "id: gh-1", "id: recv"} {
		if strings.Contains(got, absent) {
			t.Errorf("document holds %q:\n%s", absent, got)
		}
	}
	if len(secrets) != 1 || secrets[0].where != "GitHub: config.client_secret" {
		t.Errorf("secrets = %+v", secrets)
	}
}
