package render

import (
	"fmt"

	"github.com/idpsync/idpsync/plan"
)

const (
	platformID = "023e105f4ecef8ad9ca31a8372d0c353"
	partnerID  = "9a7806061c88ada191ed06f989cc3dac"
	vendorID   = "372e67954025e0ba6aaa6d586b9e0b59"
)

const metadataURL = "https://example.okta.com/app/exk1/sso/saml/metadata"

// The certificates of the fixtures are real (ed25519, made once for these
// tests), so that the views can show their facts: the encryption
// certificate that rotates, and the external IdP's signing certificate,
// read live as the API returns it (bare base64) and declared as PEM.
const oldPEM = `-----BEGIN CERTIFICATE-----
MIIBGTCBzKADAgECAgID6DAFBgMrZXAwNjEVMBMGA1UEChMMRXhhbXBsZSBDb3Jw
MR0wGwYDVQQDExRPa3RhIFNBTUwgZW5jcnlwdGlvbjAeFw0yNTA2MDEwMDAwMDBa
Fw0yNjA2MDEwMDAwMDBaMDYxFTATBgNVBAoTDEV4YW1wbGUgQ29ycDEdMBsGA1UE
AxMUT2t0YSBTQU1MIGVuY3J5cHRpb24wKjAFBgMrZXADIQCi+i9KNVui6QelMAnp
43yt33rH5moIugdjH1UwcrPyTDAFBgMrZXADQQDdLO0LWjBH9Xh8oniWWCEHhX50
iiB7GTSdzIPXEcEgr8SfebuDBlSvsPsznvNvZ3tGLeF93La0KxO1dXW+uy4O
-----END CERTIFICATE-----
`

const newPEM = `-----BEGIN CERTIFICATE-----
MIIBGTCBzKADAgECAgID6TAFBgMrZXAwNjEVMBMGA1UEChMMRXhhbXBsZSBDb3Jw
MR0wGwYDVQQDExRPa3RhIFNBTUwgZW5jcnlwdGlvbjAeFw0yNjA1MDIwMDAwMDBa
Fw0yNzA2MDEwMDAwMDBaMDYxFTATBgNVBAoTDEV4YW1wbGUgQ29ycDEdMBsGA1UE
AxMUT2t0YSBTQU1MIGVuY3J5cHRpb24wKjAFBgMrZXADIQCi+i9KNVui6QelMAnp
43yt33rH5moIugdjH1UwcrPyTDAFBgMrZXADQQBmakRyLgtQdoqEwdhabB2oTden
ZTIOmDcGN182jmfpRHe5FfHU0lggM7V+rDT/WOemZ1lLSlq4V43voLzLTvYG
-----END CERTIFICATE-----
`

const oldSigningBase64 = "MIIBATCBtKADAgECAgID6jAFBgMrZXAwKjENMAsGA1UEChMET2t0YTEZMBcGA1UEAxMQZXhhbXBsZS5va3RhLmNvbTAeFw0yNDAxMTUwMDAwMDBaFw0zNDAxMTUwMDAwMDBaMCoxDTALBgNVBAoTBE9rdGExGTAXBgNVBAMTEGV4YW1wbGUub2t0YS5jb20wKjAFBgMrZXADIQCi+i9KNVui6QelMAnp43yt33rH5moIugdjH1UwcrPyTDAFBgMrZXADQQCRuW1xCReUJLBjG7HZRQhOfcIlzDrBQUV3gP3cpBwz47up7tkeQNL5mLe+rcyigprEoIYFoM6mXvLzDfN3nFQN"

const newSigningPEM = `-----BEGIN CERTIFICATE-----
MIIBATCBtKADAgECAgID6zAFBgMrZXAwKjENMAsGA1UEChMET2t0YTEZMBcGA1UE
AxMQZXhhbXBsZS5va3RhLmNvbTAeFw0yNjAzMDEwMDAwMDBaFw0zNjAzMDEwMDAw
MDBaMCoxDTALBgNVBAoTBE9rdGExGTAXBgNVBAMTEGV4YW1wbGUub2t0YS5jb20w
KjAFBgMrZXADIQCi+i9KNVui6QelMAnp43yt33rH5moIugdjH1UwcrPyTDAFBgMr
ZXADQQAVGHedEUozJy2UR6nGhrKQCts1IGEfdPVuZh5CaO+6p9dlDRolVGYOj4wx
aTsJLO6FfwDrcFtyxWTkSpQDvggP
-----END CERTIFICATE-----
`

// fullPlan has every action kind, every resource kind, warnings, unmanaged,
// received and pending IdPs, a sensitive write-only field, LosesAccess and
// Notes, a PEM certificate change, and a name full of Markdown specials.
func fullPlan() *plan.Plan {
	okta := func(a plan.Action) plan.Action {
		a.AccountID, a.Account = platformID, "platform"
		if a.IdP == "" {
			a.IdP, a.IdPName = "account[platform].idp[Okta]", "Okta"
		}
		return a
	}
	return &plan.Plan{
		FormatVersion: plan.FormatVersion,
		Accounts: []plan.AccountRef{
			{ID: platformID, Label: "platform", Prune: true},
			{ID: partnerID, Label: "partner"},
		},
		Actions: []plan.Action{
			okta(plan.Action{
				Address: "account[platform].idp[GitHub]", Action: plan.Create, Resource: plan.ResourceIdP, Reason: plan.ReasonMissing,
				IdP: "account[platform].idp[GitHub]", IdPName: "GitHub",
				After: map[string]any{
					"name": "GitHub", "type": "github",
					"config": map[string]any{"client_id": "Iv1.8a61f9b3a7aba766", "client_secret": plan.SensitiveValue},
				},
				Request: &plan.IdPRequest{Name: "GitHub", Type: "github", Config: map[string]any{"client_id": "Iv1.8a61f9b3a7aba766", "client_secret": plan.SensitiveValue},
					Secrets: []plan.SecretRef{{Key: "client_secret", Ref: "${env:GITHUB_CLIENT_SECRET}", Hash: "9c1e"}}},
			}),
			okta(plan.Action{
				Address: "account[platform].idp[Okta]", Action: plan.Update, Resource: plan.ResourceIdP, Reason: plan.ReasonChanged,
				IDs: plan.IDs{IdP: "f174e90a-fafe-4643-bbbc-4a0ed4fc8415"}, SCIMSecret: true,
				Changes: []plan.Change{
					{Path: "config.claims", Before: []any{"email"}, After: []any{"email", "groups"}},
					{Path: "config.client_secret", Before: plan.SensitiveValue, After: plan.SensitiveValue, Sensitive: true, WriteOnly: true},
					{Path: "config.issuer_url", Before: "https://dev-1.okta.com", After: "https://dev-2.okta.com"},
					{Path: "config.pkce_enabled", After: true},
					{Path: "config.support_groups", Before: true},
				},
			}),
			okta(plan.Action{
				Address: "account[platform].idp[Legacy SAML]", Action: plan.Delete, Resource: plan.ResourceIdP, Reason: plan.ReasonPruned,
				IdP: "account[platform].idp[Legacy SAML]", IdPName: "Legacy SAML", IDs: plan.IDs{IdP: "6b1cd4f6-0d57-4b6e-bc4d-8bbd1e7cbbd1"},
				Before:      map[string]any{"name": "Legacy SAML", "type": "saml", "config": map[string]any{"issuer_url": "https://idp.example.com"}},
				Destructive: true,
				Lockout: []plan.Lockout{
					{Kind: plan.LockoutApplication, AccountID: platformID, ID: "f1e2d3c4-0000-4000-8000-000000000001", Name: "Wiki", Domain: "wiki.example.com", IdPID: "6b1cd4f6-0d57-4b6e-bc4d-8bbd1e7cbbd1", Only: true},
					{Kind: plan.LockoutApplication, AccountID: platformID, ID: "f1e2d3c4-0000-4000-8000-000000000002", Name: "Docs | *internal*", Domain: "docs.example.com", IdPID: "6b1cd4f6-0d57-4b6e-bc4d-8bbd1e7cbbd1"},
				},
			}),
			okta(plan.Action{
				Address: "account[platform].idp[Azure]", Action: plan.Replace, Resource: plan.ResourceIdP, Reason: plan.ReasonTypeChanged,
				IdP: "account[platform].idp[Azure]", IdPName: "Azure", IDs: plan.IDs{IdP: "0b7d3d31-64b2-4d5c-b3f5-1a4d5e6f7a8b"},
				Changes:     []plan.Change{{Path: "type", Before: "oidc", After: "azureAD"}},
				Destructive: true,
				Notes:       []string{"Users signed in through this IdP must sign in again; its id changes, so policies naming it are updated by the next apply."},
			}),
			okta(plan.Action{
				Address: "account[platform].idp[Okta SAML].encryption.certificate_set", Action: plan.Rotate, Resource: plan.ResourceCertificateSet, Reason: plan.ReasonCertificateExpiring,
				IdP: "account[platform].idp[Okta SAML]", IdPName: "Okta SAML",
				IDs:     plan.IDs{IdP: "c6a2e4f0-1111-4b2a-9c3d-2e4f6a8b0c1d", CertificateSet: "a3c0b9e2-7e0f-4d5a-8f61-3e2d1c0b9a87"},
				Changes: []plan.Change{{Path: "certificates[0].certificate", Before: oldPEM, After: newPEM}},
			}),
			okta(plan.Action{
				Address: "account[platform].idp[Okta SAML]", Action: plan.Update, Resource: plan.ResourceIdP, Reason: plan.ReasonChanged,
				IdP: "account[platform].idp[Okta SAML]", IdPName: "Okta SAML", IDs: plan.IDs{IdP: "c6a2e4f0-1111-4b2a-9c3d-2e4f6a8b0c1d"},
				// Filled from metadata at a URL: the issuer is outside the
				// repository and shows by its source; certificates show.
				Changes: []plan.Change{
					{Path: "config.idp_public_certs", Before: []any{oldSigningBase64}, After: []any{newSigningPEM}},
					{Path: "config.issuer_url", Before: plan.SensitiveValue, After: plan.SensitiveValue, Sensitive: true, Ref: "metadata " + metadataURL},
				},
				Sources: map[string]string{
					"config.idp_public_certs": "metadata " + metadataURL,
					"config.issuer_url":       "metadata " + metadataURL,
					"config.sso_target_url":   "metadata " + metadataURL,
				},
			}),
			okta(plan.Action{
				Address: "account[platform].idp[Okta SAML].encryption", Action: plan.Update, Resource: plan.ResourceEncryption, Reason: plan.ReasonEncryptionEnabled,
				IdP: "account[platform].idp[Okta SAML]", IdPName: "Okta SAML", IDs: plan.IDs{IdP: "c6a2e4f0-1111-4b2a-9c3d-2e4f6a8b0c1d"},
				Changes: []plan.Change{{Path: "config.enable_encryption", Before: false, After: true}},
			}),
			okta(plan.Action{
				Address: "account[platform].idp[Okta].grant", Action: plan.Create, Resource: plan.ResourceGrant, Reason: plan.ReasonMissing,
				DependsOn: []string{"account[platform].idp[Okta]"},
			}),
			okta(plan.Action{
				Address: "account[platform].idp[Okta].share", Action: plan.Create, Resource: plan.ResourceShare, Reason: plan.ReasonMissing,
				Share:     &plan.ShareRequest{Name: "idpsync-Okta", Accounts: []string{partnerID}},
				After:     map[string]any{"name": "idpsync-Okta", "accounts": []any{partnerID}},
				DependsOn: []string{"account[platform].idp[Okta].grant"},
			}),
			okta(plan.Action{
				Address: "account[platform].idp[Okta].share.recipient[" + partnerID + "]", Action: plan.Create, Resource: plan.ResourceRecipient, Reason: plan.ReasonMissing,
				RecipientAccount: partnerID,
			}),
			okta(plan.Action{
				Address: "account[platform].idp[Okta].share.recipient[" + vendorID + "]", Action: plan.Delete, Resource: plan.ResourceRecipient, Reason: plan.ReasonRecipientRemoved,
				RecipientAccount: vendorID, IDs: plan.IDs{Share: "3fa85f64-5717-4562-b3fc-2c963f66afa6", Recipient: "7c9e6679-7425-40de-944b-e07fc1f90ae7"},
				LosesAccess: []string{vendorID},
				Destructive: true,
				Lockout: []plan.Lockout{
					{Kind: plan.LockoutOrganization, AccountID: vendorID, Name: "vendor", Domain: "vendor.cloudflareaccess.com", IdPID: "9d5ed678-fe57-4cca-b1b9-cd7e4d2c7a11", Only: true},
				},
			}),
			okta(plan.Action{Address: "account[platform].idp[Google]", Action: plan.NoOp, Resource: plan.ResourceIdP, Reason: plan.ReasonInSync,
				IdP: "account[platform].idp[Google]", IdPName: "Google", IDs: plan.IDs{IdP: "d1"}}),
			okta(plan.Action{Address: "account[platform].idp[Google].grant", Action: plan.NoOp, Resource: plan.ResourceGrant, Reason: plan.ReasonInSync,
				IdP: "account[platform].idp[Google]", IdPName: "Google", IDs: plan.IDs{Grant: "g1"}}),
			{
				Address: "account[partner].idp[Contractors_*|<b>`x`]", Action: plan.Create, Resource: plan.ResourceIdP, Reason: plan.ReasonMissing,
				AccountID: partnerID, Account: "partner", IdP: "account[partner].idp[Contractors_*|<b>`x`]", IdPName: "Contractors_*|<b>`x`",
				Changes: []plan.Change{{Path: "name", After: "Contractors_*|<b>`x`"}, {Path: "type", After: "onetimepin"}},
			},
			{
				Address: "account[partner].idp[Old].grant", Action: plan.Delete, Resource: plan.ResourceGrant, Reason: plan.ReasonFederationRemoved,
				AccountID: partnerID, Account: "partner", IdP: "account[partner].idp[Old]", IdPName: "Old", IDs: plan.IDs{IdP: "e2", Grant: "5d8f"},
				LosesAccess: []string{platformID, vendorID},
				Destructive: true,
			},
			{
				Address: "account[partner].idp[Old]", Action: plan.NoOp, Resource: plan.ResourceIdP, Reason: plan.ReasonInSync,
				AccountID: partnerID, Account: "partner", IdP: "account[partner].idp[Old]", IdPName: "Old", IDs: plan.IDs{IdP: "e2"},
			},
		},
		Blockers: []plan.Blocker{
			{Code: plan.BlockAllowDestroy, Addresses: []string{"account[platform].idp[Legacy SAML]", "account[platform].idp[Okta].share.recipient[" + vendorID + "]", "account[partner].idp[Old].grant"},
				Message: "3 destructive actions are blocked, and some lock users out, which only --allow-destroy allows", Resolve: "--allow-destroy"},
			{Code: plan.BlockSecretsOut, Addresses: []string{"account[platform].idp[Okta]"},
				Message: "the API returns a SCIM secret only once, and apply refuses to start without somewhere to write it", Resolve: "--secrets-out DIR"},
			{Code: plan.BlockSecret, Addresses: []string{"account[platform].idp[GitHub]"}, Refs: []string{"${env:GITHUB_CLIENT_SECRET}"}, Expected: true,
				Message: "secrets not available to this plan are read at apply: ${env:GITHUB_CLIENT_SECRET}", Resolve: "the apply job must provide ${env:GITHUB_CLIENT_SECRET}"},
		},
		Warnings: []plan.Warning{
			{Address: "account[platform].idp[Okta SAML].encryption", Code: "certificate_expiring",
				Message: "the encryption certificate expires on 2026-06-01, within rotate_within (30 days); it is rotated by this plan",
				Detail:  "new certificate SHA-256 fingerprint 4F:1A:77:0C:93:5E:21:8B:D2:6C:0E:11:9A:3B:45:7D"},
			{Address: "account[partner].idp[Old]", Code: "rotation_in_progress", Message: "a certificate rotation is under way"},
		},
		Unmanaged: []plan.Unmanaged{
			{Address: "account[platform].idp[Manual]", AccountID: platformID, ID: "77aa", Name: "Manual", Type: "saml"},
		},
		Received: []plan.Received{
			{Address: "account[partner].idp[Okta]", AccountID: partnerID, ID: "f174e90a", Name: "Okta", FromAccount: platformID},
		},
		Pending: []plan.Pending{
			{Address: "account[platform].idp[Okta].share.recipient[" + partnerID + "]", AccountID: platformID, Status: "associating"},
		},
		Reads: []plan.Read{{Address: "account[platform].idp[Okta]", AccountID: platformID, ID: "f174e90a-fafe-4643-bbbc-4a0ed4fc8415", Version: "2026-05-01T10:00:00Z"}},
	}
}

// emptyPlan covers declared accounts that are fully in sync.
func emptyPlan() *plan.Plan {
	return &plan.Plan{
		FormatVersion: plan.FormatVersion,
		Accounts:      []plan.AccountRef{{ID: platformID, Label: "platform"}},
		Actions: []plan.Action{
			{Address: "account[platform].idp[Okta]", Action: plan.NoOp, Resource: plan.ResourceIdP, Reason: plan.ReasonInSync, AccountID: platformID, Account: "platform"},
		},
	}
}

// undeliveredPlan has nothing to change, but an apply asked the API for a
// SCIM secret and never wrote it down: nobody holds it.
func undeliveredPlan() *plan.Plan {
	addr := "account[platform].idp[Partners]"
	cmd := "idpsync apply --rotate-scim-secret '" + addr + "' --secrets-out out idp.yaml"
	return &plan.Plan{
		FormatVersion: plan.FormatVersion,
		Accounts:      []plan.AccountRef{{ID: platformID, Label: "platform"}},
		Actions: []plan.Action{
			{Address: addr, Action: plan.NoOp, Resource: plan.ResourceIdP, Reason: plan.ReasonInSync, AccountID: platformID, Account: "platform"},
		},
		UndeliveredSCIM: []plan.UndeliveredSCIMSecret{{Address: addr, AccountID: platformID, IdPID: "5e1f", Records: []string{"platform-Partners.pending"}, Command: cmd}},
		Warnings: []plan.Warning{{Address: addr, Code: plan.WarnSCIMSecretUndelivered,
			Message: "SCIM is on and its secret was never delivered: an apply asked the API for it and was interrupted, lost the answer or got no secret back, so nobody holds it and the external IdP cannot provision users",
			Detail:  "deliver a new one (the old one is unknown to anyone, so nothing that works stops working) with: " + cmd + "; if the secret was handed over another way, remove platform-Partners.pending from out"}},
	}
}

func fullDrift() *plan.DriftReport {
	return &plan.DriftReport{
		FormatVersion: plan.FormatVersion,
		Accounts:      []plan.AccountRef{{ID: platformID, Label: "platform"}, {ID: partnerID, Label: "partner"}},
		Drifted:       true,
		Items: []plan.DriftItem{
			{Category: plan.DriftUnverifiable, Address: "account[platform].idp[Okta]", AccountID: platformID, Message: "client_secret is write-only",
				Changes: []plan.Change{{Path: "config.client_secret", Before: plan.SensitiveValue, After: plan.SensitiveValue, Sensitive: true, WriteOnly: true}}},
			{Category: plan.DriftMissing, Address: "account[platform].idp[GitHub]", AccountID: platformID, Message: "declared, absent live"},
			{Category: plan.DriftChanged, Address: "account[platform].idp[Okta]", AccountID: platformID, Message: "live differs from declared",
				Changes: []plan.Change{{Path: "config.issuer_url", Before: "https://dev-1.okta.com", After: "https://dev-2.okta.com"}}},
			// A signing certificate changed live: shown by its facts.
			{Category: plan.DriftChanged, Address: "account[platform].idp[Okta SAML]", AccountID: platformID, Message: "live differs from declared",
				Changes: []plan.Change{{Path: "config.idp_public_certs", Before: []any{oldSigningBase64}, After: []any{newSigningPEM}}}},
			{Category: plan.DriftMissing, Address: "account[partner].idp[Contractors]", AccountID: partnerID, Message: "declared, absent live"},
			{Category: plan.DriftUnmanaged, Address: "account[platform].idp[Manual]", AccountID: platformID, Message: "present live, not declared (saml, id 77aa)"},
			{Category: plan.DriftPending, Address: "account[platform].idp[Okta].share.recipient[" + partnerID + "]", AccountID: platformID, Message: "associating"},
			{Category: plan.DriftCertificate, Address: "account[platform].idp[Okta SAML].encryption", AccountID: platformID,
				Message: "the encryption certificate expires on 2026-06-01, within rotate_within (30 days)"},
		},
	}
}

func noDrift() *plan.DriftReport {
	return &plan.DriftReport{
		FormatVersion: plan.FormatVersion,
		Accounts:      []plan.AccountRef{{ID: platformID, Label: "platform"}},
		Items: []plan.DriftItem{
			{Category: plan.DriftUnverifiable, Address: "account[platform].idp[Okta]", AccountID: platformID, Message: "client_secret is write-only"},
		},
	}
}

// bigPlan is n IdPs' worth of actions in a mix of kinds, across 4 accounts.
func bigPlan(n int) *plan.Plan {
	p := &plan.Plan{FormatVersion: plan.FormatVersion}
	for i := range 4 {
		p.Accounts = append(p.Accounts, plan.AccountRef{ID: fmt.Sprintf("%032x", i+1), Label: fmt.Sprintf("acct%d", i)})
	}
	for i := range n {
		acc := p.Accounts[i%4]
		name := fmt.Sprintf("idp-%05d", i)
		addr := "account[" + acc.Label + "].idp[" + name + "]"
		a := plan.Action{Address: addr, Resource: plan.ResourceIdP, AccountID: acc.ID, Account: acc.Label, IdP: addr, IdPName: name, IDs: plan.IDs{IdP: fmt.Sprintf("%08x-0000-4000-8000-000000000000", i)}}
		switch i % 6 {
		case 0:
			a.Action, a.Reason, a.IDs = plan.Create, plan.ReasonMissing, plan.IDs{}
			a.After = map[string]any{"name": name, "type": "oidc", "config": map[string]any{"client_id": "abc", "client_secret": plan.SensitiveValue, "issuer_url": "https://x.example.com"}}
		case 1:
			a.Action, a.Reason = plan.Update, plan.ReasonChanged
			a.Changes = []plan.Change{
				{Path: "config.issuer_url", Before: "https://a.example.com", After: "https://b.example.com"},
				{Path: "config.client_secret", Before: plan.SensitiveValue, After: plan.SensitiveValue, Sensitive: true, WriteOnly: true},
			}
		case 2:
			a.Action, a.Reason, a.Destructive = plan.Delete, plan.ReasonPruned, true
			a.Before = map[string]any{"name": name, "type": "saml"}
		case 3:
			a.Action, a.Reason, a.Resource, a.Address = plan.Rotate, plan.ReasonCertificateExpiring, plan.ResourceCertificateSet, addr+".encryption.certificate_set"
			a.Changes = []plan.Change{{Path: "certificates[0].certificate", Before: oldPEM, After: newPEM}}
		case 4:
			a.Action, a.Reason, a.Resource, a.Address = plan.Delete, plan.ReasonRecipientRemoved, plan.ResourceRecipient, addr+".share.recipient["+partnerID+"]"
			a.RecipientAccount, a.LosesAccess, a.Destructive = partnerID, []string{partnerID}, true
		default:
			a.Action, a.Reason = plan.NoOp, plan.ReasonInSync
		}
		p.Actions = append(p.Actions, a)
	}
	return p
}
