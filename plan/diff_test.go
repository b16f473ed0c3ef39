package plan

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/idpsync/idpsync/state"
)

const (
	oktaAddr   = "account[platform].idp[Okta]"
	githubAddr = "account[platform].idp[GitHub]"
)

// changed lists a plan's actions other than no-ops as "address kind reason".
func changed(p *Plan) []string {
	var out []string
	for _, a := range p.Actions {
		if a.Action != NoOp {
			out = append(out, fmt.Sprintf("%s %s %s", a.Address, a.Action, a.Reason))
		}
	}
	return out
}

func find(t *testing.T, p *Plan, addr string, k Kind) Action {
	t.Helper()
	for _, a := range p.Actions {
		if a.Address == addr && a.Action == k {
			return a
		}
	}
	t.Fatalf("no %s action at %s; plan has %v", k, addr, changed(p))
	return Action{}
}

func account0(l *state.Live) *state.LiveAccount { return l.Accounts[acctPlatform] }

func TestDiff(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(d *state.Desired, l *state.Live, o *Options)
		want   []string
		check  func(t *testing.T, p *Plan)
	}{
		{
			name: "converged state plans nothing",
			want: nil,
			check: func(t *testing.T, p *Plan) {
				var noops []string
				for _, a := range p.Actions {
					noops = append(noops, a.Address)
					if len(a.DependsOn) > 0 {
						t.Errorf("no-op %s has DependsOn %v", a.Address, a.DependsOn)
					}
				}
				want := []string{
					githubAddr, oktaAddr,
					oktaAddr + ".encryption", oktaAddr + ".encryption.certificate_set",
					oktaAddr + ".grant", oktaAddr + ".share",
					oktaAddr + ".share.recipient[" + acctApps + "]", oktaAddr + ".share.recipient[" + acctData + "]",
				}
				if !slices.Equal(noops, want) {
					t.Errorf("no-op addresses\n got %q\nwant %q", noops, want)
				}
				if p.HasChanges() || len(p.Warnings) > 0 || len(p.Pending) > 0 {
					t.Errorf("converged plan has changes %v, warnings %v, pending %v", changed(p), p.Warnings, p.Pending)
				}
				if len(p.Reads) != 7 {
					t.Errorf("got %d reads, want 7 (2 IdPs, set, grant, share, 2 recipients): %+v", len(p.Reads), p.Reads)
				}
			},
		},
		{
			name: "absent boolean equals false but not true",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				d.Accounts[0].IdentityProviders[0].Config["force_authn"] = true
			},
			want: []string{oktaAddr + " update changed"},
			check: func(t *testing.T, p *Plan) {
				a := find(t, p, oktaAddr, Update)
				if len(a.Changes) != 1 || a.Changes[0].Path != "config.force_authn" || a.Changes[0].After != true || a.Changes[0].Before != nil {
					t.Errorf("changes = %+v", a.Changes)
				}
			},
		},
		{
			name: "update preserves undeclared keys, keeps encryption on, sends the live scim_config back",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				d.Accounts[0].IdentityProviders[0].Config["sso_target_url"] = "https://okta.example.com/sso2"
			},
			want: []string{oktaAddr + " update changed"},
			check: func(t *testing.T, p *Plan) {
				a := find(t, p, oktaAddr, Update)
				r := a.Request
				if r.Config["email_attribute_name"] != "mail" {
					t.Errorf("undeclared key lost: %v", r.Config)
				}
				if r.Config["sso_target_url"] != "https://okta.example.com/sso2" {
					t.Errorf("declared key not overlaid: %v", r.Config)
				}
				for _, k := range []string{"redirect_url", "enable_encryption"} {
					if _, ok := r.Config[k]; ok {
						t.Errorf("request carries %s", k)
					}
				}
				if !r.EnableEncryption || a.IDs.CertificateSet != "set-okta" {
					t.Errorf("EnableEncryption = %v, set = %q; want true, set-okta", r.EnableEncryption, a.IDs.CertificateSet)
				}
				// Undeclared, the live settings go back unchanged (less the
				// computed scim_base_url): a PUT replaces the whole object.
				wantSCIM := map[string]any{"enabled": true, "identity_update_behavior": "automatic", "seat_deprovision": false, "user_deprovision": true}
				if !equalValue(r.SCIMConfig, wantSCIM) {
					t.Errorf("SCIMConfig = %v, want the live settings %v", r.SCIMConfig, wantSCIM)
				}
				if a.Changes[0].Before != "https://okta.example.com/sso" {
					t.Errorf("change before = %v", a.Changes[0].Before)
				}
			},
		},
		{
			name: "lists compare in order",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				d.Accounts[0].IdentityProviders[0].Config["attributes"] = []any{"groups", "email"}
			},
			want: []string{oktaAddr + " update changed"},
		},
		{
			name: "pinned id compares the name",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				d.Accounts[0].IdentityProviders[1].ID = "idp-github"
				d.Accounts[0].IdentityProviders[1].Name = "GitHub SSO"
			},
			want: []string{"account[platform].idp[GitHub SSO] update changed"},
			check: func(t *testing.T, p *Plan) {
				a := find(t, p, "account[platform].idp[GitHub SSO]", Update)
				if a.Changes[0].Path != "config.client_secret" || a.Changes[1].Path != "name" || a.Changes[1].Before != "GitHub" {
					t.Errorf("changes = %+v", a.Changes)
				}
				if a.Request.Name != "GitHub SSO" || a.IDs.IdP != "idp-github" {
					t.Errorf("request name %q, id %q", a.Request.Name, a.IDs.IdP)
				}
			},
		},
		{
			name: "resend secrets forces an update that sends them",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				o.ResendSecrets = []string{githubAddr}
			},
			want: []string{githubAddr + " update resend_secrets"},
			check: func(t *testing.T, p *Plan) {
				a := find(t, p, githubAddr, Update)
				c := a.Changes[0]
				if c.Path != "config.client_secret" || !c.Sensitive || !c.WriteOnly || c.After != SensitiveValue {
					t.Errorf("change = %+v", c)
				}
				if a.Request.Config["client_secret"] != SensitiveValue || len(a.Request.Secrets) != 1 {
					t.Fatalf("request = %+v", a.Request)
				}
				s := a.Request.Secrets[0]
				if s.Key != "client_secret" || s.Ref != "${env:GITHUB_CLIENT_SECRET}" || s.Hash != SecretHash([]byte("salt-0001"), secretCanary) {
					t.Errorf("secret ref = %+v", s)
				}
				if a.Request.Config["client_id"] != "Iv1.abc" {
					t.Errorf("request config = %v", a.Request.Config)
				}
			},
		},
		{
			name: "create sends the declared config only, with secrets",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				la := account0(l)
				la.IdentityProviders = la.IdentityProviders[:1] // only Okta is live
			},
			want: []string{githubAddr + " create missing"},
			check: func(t *testing.T, p *Plan) {
				a := find(t, p, githubAddr, Create)
				if len(a.Request.Config) != 2 || a.Request.Config["client_secret"] != SensitiveValue || len(a.Request.Secrets) != 1 {
					t.Errorf("request = %+v", a.Request)
				}
				if a.Request.SCIMConfig != nil || a.Request.EnableEncryption {
					t.Errorf("create request = %+v", a.Request)
				}
			},
		},
		{
			name: "a new SAML IdP with encryption and federation is created in dependency order",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				*l = *liveState(liveGitHub())
			},
			want: []string{
				oktaAddr + " create missing",
				oktaAddr + ".encryption.certificate_set create missing",
				oktaAddr + ".encryption update encryption_enabled",
				oktaAddr + ".grant create missing",
				oktaAddr + ".share create missing",
			},
			check: func(t *testing.T, p *Plan) {
				deps := map[string][]string{}
				for _, a := range p.Actions {
					deps[a.Address] = a.DependsOn
				}
				want := map[string][]string{
					oktaAddr + ".encryption.certificate_set": {oktaAddr},
					oktaAddr + ".encryption":                 {oktaAddr + ".encryption.certificate_set"},
					oktaAddr + ".grant":                      {oktaAddr + ".encryption"},
					oktaAddr + ".share":                      {oktaAddr + ".grant"},
				}
				for addr, w := range want {
					if !slices.Equal(deps[addr], w) {
						t.Errorf("%s depends on %v, want %v", addr, deps[addr], w)
					}
				}
				sh := find(t, p, oktaAddr+".share", Create)
				if sh.Share.Name != "Identity provider: Okta" || !slices.Equal(sh.Share.Accounts, []string{acctApps, acctData}) || sh.Share.Organization {
					t.Errorf("share request = %+v", sh.Share)
				}
				enc := find(t, p, oktaAddr+".encryption", Update)
				if !enc.Request.EnableEncryption || enc.Request.Config["issuer_url"] == nil {
					t.Errorf("encryption request = %+v", enc.Request)
				}
				if c := find(t, p, oktaAddr, Create); c.Request.EnableEncryption {
					t.Error("create request enables encryption before the set exists")
				}
			},
		},
		{
			name: "type change replaces the IdP and recreates its children",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				okta := d.Accounts[0].IdentityProviders[0]
				okta.Type = "okta"
				okta.Config = map[string]any{"client_id": "abc", "okta_account": "https://x.okta.com"}
				okta.Encryption = nil
			},
			want: []string{
				oktaAddr + ".share (deposed) delete parent_replaced",
				oktaAddr + ".grant (deposed) delete parent_replaced",
				oktaAddr + " replace type_changed",
				oktaAddr + ".grant create parent_replaced",
				oktaAddr + ".share create parent_replaced",
			},
			check: func(t *testing.T, p *Plan) {
				r := find(t, p, oktaAddr, Replace)
				if !slices.Equal(r.DependsOn, []string{oktaAddr + ".grant (deposed)"}) || r.IDs.IdP != "idp-okta" || !r.Destructive {
					t.Errorf("replace = %+v", r)
				}
				if r.Request.SCIMConfig != nil || len(r.Request.Config) != 2 {
					t.Errorf("replace request = %+v", r.Request)
				}
				g := find(t, p, oktaAddr+".grant", Create)
				if g.IDs.IdP != "" {
					t.Errorf("new grant names the old IdP id %q", g.IDs.IdP)
				}
				gd := find(t, p, oktaAddr+".grant (deposed)", Delete)
				if !slices.Equal(gd.DependsOn, []string{oktaAddr + ".share (deposed)"}) {
					t.Errorf("old grant delete depends on %v", gd.DependsOn)
				}
				if !slices.Equal(gd.LosesAccess, []string{acctApps, acctData}) {
					t.Errorf("grant delete loses access = %v", gd.LosesAccess)
				}
			},
		},
		{
			name: "prune deletes an undeclared IdP with its share and grant",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				d.Accounts[0].Prune = true
				legacy := liveOkta()
				legacy.ID, legacy.Name, legacy.Version = "idp-legacy", "Legacy", "v-legacy"
				legacy.Grant.ID = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
				legacy.Grant.IdPID = legacy.ID
				legacy.Grant.Share.ID = "6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b"
				legacy.Grant.Share.GrantID = legacy.Grant.ID
				legacy.Grant.Share.TargetType = "organization"
				legacy.Grant.Share.Recipients = nil
				*l = *liveState(liveOkta(), liveGitHub(), legacy)
			},
			want: []string{
				"account[platform].idp[Legacy].share delete pruned",
				"account[platform].idp[Legacy].grant delete pruned",
				"account[platform].idp[Legacy] delete pruned",
			},
			check: func(t *testing.T, p *Plan) {
				for _, a := range p.Actions {
					if a.Reason == ReasonPruned && !a.Destructive {
						t.Errorf("%s is not destructive", a.Address)
					}
				}
				sh := find(t, p, "account[platform].idp[Legacy].share", Delete)
				if !slices.Equal(sh.LosesAccess, []string{orgID}) || !strings.Contains(sh.Notes[0], "every account of organization "+orgID) {
					t.Errorf("share delete = %+v", sh)
				}
				del := find(t, p, "account[platform].idp[Legacy]", Delete)
				if !slices.Equal(del.DependsOn, []string{"account[platform].idp[Legacy].grant"}) || del.IDs.IdP != "idp-legacy" {
					t.Errorf("idp delete = %+v", del)
				}
				if len(p.Unmanaged) != 0 {
					t.Errorf("pruned IdP also listed unmanaged: %v", p.Unmanaged)
				}
			},
		},
		{
			name: "undeclared IdP without prune is unmanaged; read-only one is received",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				la := account0(l)
				la.IdentityProviders = append(la.IdentityProviders,
					&state.LiveIdP{ID: "idp-otp", Name: "One-time PIN", Type: "onetimepin"},
					&state.LiveIdP{ID: "idp-fed", Name: "Okta", Type: "saml", ReadOnly: true, Received: &state.Received{FromAccount: acctData}},
				)
			},
			want: nil,
			check: func(t *testing.T, p *Plan) {
				want := []Unmanaged{{Address: "account[platform].idp[One-time PIN]", AccountID: acctPlatform, ID: "idp-otp", Name: "One-time PIN", Type: "onetimepin"}}
				if !slices.Equal(p.Unmanaged, want) {
					t.Errorf("unmanaged = %+v", p.Unmanaged)
				}
				wantR := []Received{{Address: oktaAddr, AccountID: acctPlatform, ID: "idp-fed", Name: "Okta", FromAccount: acctData}}
				if !reflect.DeepEqual(p.Received, wantR) {
					t.Errorf("received = %+v", p.Received)
				}
			},
		},
		{
			name: "recipients added and removed",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				d.Accounts[0].IdentityProviders[0].Federation.Accounts = []string{acctApps, "33333333333333333333333333333333"}
			},
			want: []string{
				oktaAddr + ".share.recipient[22222222222222222222222222222222] delete recipient_removed",
				oktaAddr + ".share.recipient[33333333333333333333333333333333] create missing",
			},
			check: func(t *testing.T, p *Plan) {
				del := find(t, p, oktaAddr+".share.recipient["+acctData+"]", Delete)
				if !del.Destructive || !slices.Equal(del.LosesAccess, []string{acctData}) || del.IDs.Recipient != "rc-data" || del.IDs.Share == "" || len(del.Notes) == 0 {
					t.Errorf("recipient delete = %+v", del)
				}
				add := find(t, p, oktaAddr+".share.recipient[33333333333333333333333333333333]", Create)
				if add.RecipientAccount != "33333333333333333333333333333333" || add.IDs.Share != "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a" {
					t.Errorf("recipient create = %+v", add)
				}
			},
		},
		{
			name: "a disassociated recipient that is declared again is re-added; transitions are pending",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				sh := account0(l).Shares[0]
				sh.Recipients[0].Status = "disassociated"
				sh.Recipients[1].Status = "associating"
			},
			want: []string{oktaAddr + ".share.recipient[11111111111111111111111111111111] create missing"},
			check: func(t *testing.T, p *Plan) {
				want := []Pending{{Address: oktaAddr + ".share.recipient[" + acctData + "]", AccountID: acctPlatform, Status: "associating"}}
				if !slices.Equal(p.Pending, want) {
					t.Errorf("pending = %+v", p.Pending)
				}
			},
		},
		{
			name: "share switched to the organization is replaced",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				d.Accounts[0].IdentityProviders[0].Federation = &state.Federation{Organization: true}
			},
			want: []string{oktaAddr + ".share replace target_changed"},
			check: func(t *testing.T, p *Plan) {
				a := find(t, p, oktaAddr+".share", Replace)
				if !a.Share.Organization || len(a.Share.Accounts) != 0 || a.IDs.Share == "" || a.IDs.Grant == "" {
					t.Errorf("share replace = %+v", a)
				}
			},
		},
		{
			name: "federation removed deletes share then grant",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				d.Accounts[0].IdentityProviders[0].Federation = nil
			},
			want: []string{
				oktaAddr + ".share delete federation_removed",
				oktaAddr + ".grant delete federation_removed",
			},
			check: func(t *testing.T, p *Plan) {
				g := find(t, p, oktaAddr+".grant", Delete)
				if !g.Destructive || !slices.Equal(g.LosesAccess, []string{acctApps, acctData}) || !slices.Equal(g.DependsOn, []string{oktaAddr + ".share"}) {
					t.Errorf("grant delete = %+v", g)
				}
				if !strings.Contains(g.Notes[0], acctApps+", "+acctData+" lose this login option at once") {
					t.Errorf("notes = %q", g.Notes)
				}
			},
		},
		{
			name: "grant without an active share gets a share; the deleting one is pending",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				account0(l).Shares[0].Status = "deleting"
			},
			want: []string{oktaAddr + ".share create missing"},
			check: func(t *testing.T, p *Plan) {
				if len(p.Pending) != 1 || p.Pending[0].Status != "deleting" || p.Pending[0].Address != oktaAddr+".share" {
					t.Errorf("pending = %+v", p.Pending)
				}
				sh := find(t, p, oktaAddr+".share", Create)
				if sh.IDs.Grant == "" || len(sh.DependsOn) != 0 {
					t.Errorf("share create = %+v", sh)
				}
			},
		},
		{
			name: "encryption enabled on an existing set only switches it on",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				lo := account0(l).IdentityProviders[0]
				lo.EncryptionEnabled = false
				delete(lo.Config, "enable_encryption")
			},
			want: []string{oktaAddr + ".encryption update encryption_enabled"},
			check: func(t *testing.T, p *Plan) {
				a := find(t, p, oktaAddr+".encryption", Update)
				if !a.Request.EnableEncryption || a.IDs.CertificateSet != "set-okta" || len(a.Notes) == 0 {
					t.Errorf("encryption update = %+v", a)
				}
				if a.Request.Config["email_attribute_name"] != "mail" {
					t.Errorf("encryption update drops undeclared keys: %v", a.Request.Config)
				}
			},
		},
		{
			name: "encryption enabled without a set creates one, after an IdP update",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				lo := account0(l).IdentityProviders[0]
				lo.EncryptionEnabled, lo.CertificateSet = false, nil
				delete(lo.Config, "enable_encryption")
				d.Accounts[0].IdentityProviders[0].Config["force_authn"] = true
			},
			want: []string{
				oktaAddr + " update changed",
				oktaAddr + ".encryption.certificate_set create missing",
				oktaAddr + ".encryption update encryption_enabled",
			},
			check: func(t *testing.T, p *Plan) {
				a := find(t, p, oktaAddr+".encryption", Update)
				if !slices.Equal(a.DependsOn, []string{oktaAddr, oktaAddr + ".encryption.certificate_set"}) {
					t.Errorf("encryption depends on %v", a.DependsOn)
				}
				if u := find(t, p, oktaAddr, Update); u.Request.EnableEncryption {
					t.Error("the IdP update switches encryption on itself")
				}
			},
		},
		{
			name: "encryption removed switches it off",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				d.Accounts[0].IdentityProviders[0].Encryption = nil
			},
			want: []string{oktaAddr + ".encryption update encryption_disabled"},
			check: func(t *testing.T, p *Plan) {
				a := find(t, p, oktaAddr+".encryption", Update)
				if a.Request.EnableEncryption || !strings.Contains(a.Notes[0], "stop encrypting at the same moment") {
					t.Errorf("encryption update = %+v", a)
				}
				for _, x := range p.Actions {
					if x.Resource == ResourceCertificateSet {
						t.Errorf("certificate set action %s %s", x.Action, x.Address)
					}
				}
			},
		},
		{
			name: "rotate_within rotates an expiring certificate",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				d.Accounts[0].IdentityProviders[0].Encryption.RotateWithin = 60 * 24 * time.Hour
				account0(l).IdentityProviders[0].CertificateSet.Current.NotAfter = now.Add(45 * 24 * time.Hour)
			},
			want: []string{oktaAddr + ".encryption.certificate_set rotate certificate_expiring"},
			check: func(t *testing.T, p *Plan) {
				a := find(t, p, oktaAddr+".encryption.certificate_set", Rotate)
				if a.IDs.CertificateSet != "set-okta" || len(a.Notes) == 0 {
					t.Errorf("rotate = %+v", a)
				}
				if len(p.Warnings) != 0 {
					t.Errorf("warnings = %+v", p.Warnings)
				}
			},
		},
		{
			name: "rotate_within with a previous certificate warns instead",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				d.Accounts[0].IdentityProviders[0].Encryption.RotateWithin = 400 * 24 * time.Hour
				set := account0(l).IdentityProviders[0].CertificateSet
				set.Previous = &state.LiveCertificate{UID: "cert-0", NotAfter: now.Add(20 * 24 * time.Hour), SHA256: "CC:DD"}
			},
			want: nil,
			check: func(t *testing.T, p *Plan) {
				var codes []string
				for _, w := range p.Warnings {
					codes = append(codes, string(w.Code))
					// The address names the IdP; the views print it beside the message.
					if !strings.HasPrefix(w.Address, oktaAddr) || strings.Contains(w.Message, oktaAddr) {
						t.Errorf("warning %s: address %q, message %q: want the IdP in the address only", w.Code, w.Address, w.Message)
					}
				}
				if !slices.Equal(codes, []string{"rotation_deferred", "rotation_in_progress"}) {
					t.Errorf("warning codes = %v", codes)
				}
				if w := p.Warnings[1]; !strings.Contains(w.Detail, "AA:BB") || !strings.Contains(w.Detail, "2027-06-23") {
					t.Errorf("rotation_in_progress detail = %q", w.Detail)
				}
			},
		},
		{
			name: "certificate expiring within 30 days warns",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				account0(l).IdentityProviders[0].CertificateSet.Current.NotAfter = now.Add(10 * 24 * time.Hour)
			},
			want: nil,
			check: func(t *testing.T, p *Plan) {
				if len(p.Warnings) != 1 || p.Warnings[0].Code != "certificate_expiring" || p.Warnings[0].Address != oktaAddr+".encryption.certificate_set" {
					t.Errorf("warnings = %+v", p.Warnings)
				}
			},
		},
		{
			name: "expired certificate warns",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				account0(l).IdentityProviders[0].CertificateSet.Current.NotAfter = now.Add(-time.Hour)
			},
			want: nil,
			check: func(t *testing.T, p *Plan) {
				if len(p.Warnings) != 1 || p.Warnings[0].Code != "expired_certificate" {
					t.Errorf("warnings = %+v", p.Warnings)
				}
			},
		},
		{
			name: "recipients not read are not compared",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				account0(l).Shares[0].Recipients = nil
			},
			want: nil,
			check: func(t *testing.T, p *Plan) {
				if len(p.Warnings) != 1 || p.Warnings[0].Code != "recipients_not_read" {
					t.Errorf("warnings = %+v", p.Warnings)
				}
			},
		},
		{
			name: "organization-wide federation of a new IdP",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				d.Accounts[0].IdentityProviders[0].Federation = &state.Federation{Organization: true}
				d.Accounts[0].IdentityProviders[0].Encryption = nil
				*l = *liveState(liveGitHub())
			},
			want: []string{
				oktaAddr + " create missing",
				oktaAddr + ".grant create missing",
				oktaAddr + ".share create missing",
			},
			check: func(t *testing.T, p *Plan) {
				sh := find(t, p, oktaAddr+".share", Create)
				if !sh.Share.Organization || sh.Share.Accounts != nil {
					t.Errorf("share request = %+v", sh.Share)
				}
				if g := find(t, p, oktaAddr+".grant", Create); !slices.Equal(g.DependsOn, []string{oktaAddr}) {
					t.Errorf("grant depends on %v", g.DependsOn)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := desiredState(desiredOkta(), desiredGitHub())
			l := liveState(liveOkta(), liveGitHub())
			o := opts()
			if tt.mutate != nil {
				tt.mutate(d, l, &o)
			}
			p, err := Diff(d, l, o)
			if err != nil {
				t.Fatal(err)
			}
			if got := changed(p); !slices.Equal(got, tt.want) {
				t.Errorf("actions\n got %q\nwant %q", got, tt.want)
			}
			checkInvariants(t, p)
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
}

// checkInvariants holds for every plan: header fields, dependency order, and
// no secret anywhere.
func checkInvariants(t *testing.T, p *Plan) {
	t.Helper()
	if p.FormatVersion != FormatVersion || len(p.Accounts) == 0 {
		t.Errorf("header = %q %v", p.FormatVersion, p.Accounts)
	}
	seen := map[string]bool{}
	for _, a := range p.Actions {
		if seen[a.Address] {
			t.Errorf("two actions at %s", a.Address)
		}
		for _, dep := range a.DependsOn {
			if !seen[dep] {
				t.Errorf("%s %s runs before its dependency %s", a.Action, a.Address, dep)
			}
		}
		seen[a.Address] = true
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), secretCanary) {
		t.Errorf("the plan holds a secret value")
	}
	if !slices.IsSortedFunc(p.Reads, func(x, y Read) int { return strings.Compare(x.Address, y.Address) }) {
		t.Errorf("reads are not sorted")
	}
}

func TestDiffErrors(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(d *state.Desired, l *state.Live, o *Options)
		want   string
	}{
		{
			name: "two live IdPs with the declared name",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				la := account0(l)
				la.IdentityProviders = append(la.IdentityProviders, &state.LiveIdP{ID: "idp-github-2", Name: "GitHub", Type: "github"})
			},
			want: `two live IdPs named "GitHub" in account platform differ (idp-github, idp-github-2): pin the one to manage with id:`,
		},
		{
			name: "pinned id that does not exist",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				d.Accounts[0].IdentityProviders[1].ID = "nope"
			},
			want: "account[platform].idp[GitHub]: pinned id nope does not exist in account platform",
		},
		{
			name: "resend for an unknown IdP",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				o.ResendSecrets = []string{"account[platform].idp[Nope]"}
			},
			want: "resend secrets: account[platform].idp[Nope] matches no declared identity provider",
		},
		{
			name: "encryption on a type other than saml",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				d.Accounts[0].IdentityProviders[1].Encryption = &state.Encryption{Enabled: true}
			},
			want: "account[platform].idp[GitHub]: encryption applies only to saml identity providers",
		},
		{
			name: "a pinned id of a read-only IdP",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				la := account0(l)
				la.IdentityProviders = append(la.IdentityProviders, &state.LiveIdP{ID: "idp-ro", Name: "Fed", Type: "saml", ReadOnly: true})
				d.Accounts[0].IdentityProviders[1].ID = "idp-ro"
			},
			want: "account[platform].idp[GitHub]: pinned id idp-ro is a read-only IdP",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := desiredState(desiredOkta(), desiredGitHub())
			l := liveState(liveOkta(), liveGitHub())
			o := opts()
			tt.mutate(d, l, &o)
			_, err := Diff(d, l, o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestDiffPinnedIDWinsOverName(t *testing.T) {
	d := desiredState(desiredGitHub())
	d.Accounts[0].IdentityProviders[0].ID = "idp-github-2"
	l := liveState(liveGitHub(), &state.LiveIdP{ID: "idp-github-2", Name: "GitHub", Type: "github", Config: map[string]any{"client_id": "Iv1.abc"}})
	p, err := Diff(d, l, opts())
	if err != nil {
		t.Fatal(err)
	}
	if got := changed(p); len(got) != 0 {
		t.Errorf("actions = %v", got)
	}
	// The other live IdP of that name is undeclared, so it is addressed by id.
	want := []Unmanaged{{Address: "account[platform].idp[idp-github]", AccountID: acctPlatform, ID: "idp-github", Name: "GitHub", Type: "github"}}
	if !slices.Equal(p.Unmanaged, want) {
		t.Errorf("unmanaged = %+v", p.Unmanaged)
	}
}

func TestDiffNoSecretInPlan(t *testing.T) {
	d := desiredState(desiredOkta(), desiredGitHub())
	gl := desiredGitHub()
	gl.Name = "GitHub 2"
	d.Accounts[0].IdentityProviders = append(d.Accounts[0].IdentityProviders, gl)
	l := liveState(liveOkta(), liveGitHub())
	// A live value that happens to equal the secret must not leak through Before either.
	account0(l).IdentityProviders[1].Config["client_secret"] = secretCanary
	o := opts()
	o.ResendSecrets = []string{githubAddr}
	p, err := Diff(d, l, o)
	if err != nil {
		t.Fatal(err)
	}
	if got := changed(p); !slices.Equal(got, []string{"account[platform].idp[GitHub 2] create missing", githubAddr + " update resend_secrets"}) {
		t.Errorf("actions = %v", got)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), secretCanary) {
		t.Fatalf("secret found in the marshalled plan: %s", b)
	}
	b, err = json.Marshal(Drift(p))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), secretCanary) {
		t.Fatalf("secret found in the drift report: %s", b)
	}
}

func TestDiffDeterministicOrder(t *testing.T) {
	build := func(reverse bool) *Plan {
		d := desiredState(desiredOkta(), desiredGitHub())
		d.Accounts = append(d.Accounts, &state.Account{ID: acctApps, Name: "apps", Prune: true, IdentityProviders: []*state.IdP{desiredGitHub()}})
		d.Accounts[0].IdentityProviders[0].Config["force_authn"] = true
		l := liveState(liveOkta(), liveGitHub(), &state.LiveIdP{ID: "x1", Name: "Zed", Type: "github"}, &state.LiveIdP{ID: "x2", Name: "Alpha", Type: "github"})
		l.Accounts[acctPlatform].Shares[0].Recipients[0].Status = "associating"
		if reverse {
			slices.Reverse(d.Accounts)
			for _, a := range d.Accounts {
				slices.Reverse(a.IdentityProviders)
			}
			la := account0(l)
			slices.Reverse(la.IdentityProviders)
			slices.Reverse(la.Shares[0].Recipients)
			slices.Reverse(d.Accounts[1].IdentityProviders[1].Federation.Accounts)
		}
		p, err := Diff(d, l, opts())
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, err := json.Marshal(build(false))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(build(true))
	if err != nil {
		t.Fatal(err)
	}
	if string(a) != string(b) {
		t.Errorf("plans differ with input order:\n%s\n%s", a, b)
	}
}
