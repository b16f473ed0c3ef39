package plan

import (
	"time"

	"github.com/idpsync/idpsync/state"
)

// The fixtures describe one small organization in both vocabularies: a desired
// state and the live state an apply of it leaves behind, as the API returns it
// (server-computed keys present, false booleans left out, secrets not returned).

const (
	acctPlatform = "0123456789abcdef0123456789abcdef"
	acctApps     = "11111111111111111111111111111111"
	acctData     = "22222222222222222222222222222222"
	orgID        = "99999999999999999999999999999999"
	secretCanary = "s3cr3t-CANARY-value-4242"
	pemA         = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ\n-----END CERTIFICATE-----\n"
)

var now = time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)

func desiredOkta() *state.IdP {
	return &state.IdP{
		Name: "Okta",
		Type: "saml",
		Config: map[string]any{
			"issuer_url":       "https://okta.example.com/abc",
			"sso_target_url":   "https://okta.example.com/sso",
			"idp_public_certs": []any{pemA},
			"sign_request":     false,
			"attributes":       []any{"email", "groups"},
			"header_attributes": []any{
				map[string]any{"attribute_name": "groups", "header_name": "X-Groups"},
			},
			"max_sso_url_length": float64(4096),
		},
		Encryption: &state.Encryption{Enabled: true},
		Federation: &state.Federation{Accounts: []string{acctApps, acctData}},
	}
}

func desiredGitHub() *state.IdP {
	return &state.IdP{
		Name:    "GitHub",
		Type:    "github",
		Config:  map[string]any{"client_id": "Iv1.abc", "client_secret": secretCanary},
		Secrets: map[string]state.SecretSource{"client_secret": {Ref: "${env:GITHUB_CLIENT_SECRET}"}},
	}
}

func desiredState(idps ...*state.IdP) *state.Desired {
	return &state.Desired{Accounts: []*state.Account{{ID: acctPlatform, Name: "platform", IdentityProviders: idps}}}
}

func liveOkta() *state.LiveIdP {
	grant := &state.LiveGrant{ID: "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", IdPID: "idp-okta"}
	grant.Share = &state.LiveShare{
		ID: "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a", Name: "Identity provider: Okta", Status: "active",
		TargetType: "account", OrganizationID: orgID, Modified: now.Add(-47 * time.Hour),
		GrantID: grant.ID, ResourceID: "r1",
		Recipients: []*state.LiveRecipient{
			{ID: "rc-apps", AccountID: acctApps, Status: "associated", Modified: now.Add(-46 * time.Hour)},
			{ID: "rc-data", AccountID: acctData, Status: "associated", Modified: now.Add(-46 * time.Hour)},
		},
	}
	return &state.LiveIdP{
		ID:   "idp-okta",
		Name: "Okta",
		Type: "saml",
		Config: map[string]any{
			"issuer_url":       "https://okta.example.com/abc",
			"sso_target_url":   "https://okta.example.com/sso",
			"idp_public_certs": []any{"-----BEGIN CERTIFICATE-----\r\nMIIBszCCAVmgAwIBAgIUQ\r\n-----END CERTIFICATE-----  \r\n"},
			"attributes":       []any{"email", "groups"},
			"header_attributes": []any{
				map[string]any{"attribute_name": "groups", "header_name": "X-Groups"},
			},
			"max_sso_url_length":   float64(4096),
			"enable_encryption":    true,
			"redirect_url":         "https://team.cloudflareaccess.com/cdn-cgi/access/callback",
			"email_attribute_name": "mail",
		},
		SCIMConfig: map[string]any{
			"enabled": true, "user_deprovision": true, "seat_deprovision": false,
			"identity_update_behavior": "automatic", "scim_base_url": "https://scim.example", "secret": "****",
		},
		EncryptionEnabled: true,
		CertificateSet: &state.LiveCertificateSet{
			UID: "set-okta", UpdatedAt: now.Add(-100 * 24 * time.Hour),
			Current: &state.LiveCertificate{UID: "cert-1", PEM: pemA, NotAfter: now.Add(265 * 24 * time.Hour), SHA256: "AA:BB"},
		},
		Grant:   grant,
		Version: "v-okta",
	}
}

func liveGitHub() *state.LiveIdP {
	return &state.LiveIdP{
		ID: "idp-github", Name: "GitHub", Type: "github",
		Config:  map[string]any{"client_id": "Iv1.abc", "redirect_url": "https://team.cloudflareaccess.com/cdn-cgi/access/callback"},
		Version: "v-github",
	}
}

func liveState(idps ...*state.LiveIdP) *state.Live {
	la := &state.LiveAccount{ID: acctPlatform, Organization: orgID, IdentityProviders: idps}
	for _, l := range idps {
		if l.Grant != nil {
			la.Grants = append(la.Grants, l.Grant)
			if l.Grant.Share != nil {
				la.Shares = append(la.Shares, l.Grant.Share)
			}
		}
	}
	return &state.Live{Accounts: map[string]*state.LiveAccount{acctPlatform: la}}
}

func opts() Options { return Options{Now: now, SecretKey: []byte("salt-0001")} }
