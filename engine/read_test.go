package engine_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/internal/testcert"
	"github.com/idpsync/idpsync/state"
)

// fakeLive serves fixed listings per account and counts the calls.
type fakeLive struct {
	mu         sync.Mutex
	idps       map[string][]cloudflare.IdentityProvider
	grants     map[string][]cloudflare.Grant
	shares     map[string][]cloudflare.Share
	recipients map[string][]cloudflare.Recipient // by share id
	fail       string                            // method that fails
	calls      map[string]int
	shareOpts  []cloudflare.ListSharesOptions
}

func (f *fakeLive) count(method string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[method]++
	if f.fail == method {
		return errors.New("boom")
	}
	return nil
}

func (f *fakeLive) ListIdentityProviders(ctx context.Context, accountID string) ([]cloudflare.IdentityProvider, error) {
	return f.idps[accountID], f.count("idps")
}

func (f *fakeLive) ListGrants(ctx context.Context, accountID string) ([]cloudflare.Grant, error) {
	return f.grants[accountID], f.count("grants")
}

func (f *fakeLive) ListShares(ctx context.Context, accountID string, opts cloudflare.ListSharesOptions) ([]cloudflare.Share, error) {
	f.mu.Lock()
	f.shareOpts = append(f.shareOpts, opts)
	f.mu.Unlock()
	return f.shares[accountID], f.count("shares")
}

func (f *fakeLive) ListRecipients(ctx context.Context, accountID, shareID string) ([]cloudflare.Recipient, error) {
	return f.recipients[shareID], f.count("recipients:" + shareID)
}

var t0 = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func grantShare(id, name, account, grantID string, status idptype.ShareStatus, created time.Time) cloudflare.Share {
	return cloudflare.Share{
		ID: id, Name: name, AccountID: account, OrganizationID: "org1", Status: status, TargetType: idptype.TargetAccount,
		Kind: idptype.ShareSent, Created: created, Modified: created.Add(time.Hour),
		Resources: []cloudflare.ShareResource{{ID: "res-" + id, ResourceID: grantID, ResourceType: idptype.ResourceFederationGrant, ResourceAccountID: account, Status: idptype.ShareActive}},
	}
}

func TestReadLiveNormalizes(t *testing.T) {
	const acc, peer = "acc1", "acc2"
	cert := testcert.New(t, testcert.Options{NotBefore: t0, NotAfter: t0.AddDate(1, 0, 0)})
	certPEM, der := cert.PEM, cert.DER
	f := &fakeLive{
		idps: map[string][]cloudflare.IdentityProvider{
			acc: {
				{ID: "i-okta", Name: "Okta", Type: "okta", Config: map[string]any{"client_id": "c", "client_secret": nil, "okta_account": "https://x.okta.com"}},
				{ID: "i-saml", Name: "Corp", Type: "saml", Config: map[string]any{"issuer_url": "https://i", "enable_encryption": true, "max_sso_url_length": 1024},
					SCIMConfig:           map[string]any{"enabled": true, "secret": "******"},
					SAMLCertificateSetID: "set1",
					SAMLCertificateSet: &cloudflare.CertificateSet{UID: "set1", UpdatedAt: t0,
						CurrentCertificate: &cloudflare.Certificate{UID: "c1", PublicCertificate: certPEM, NotAfter: t0.AddDate(1, 0, 0), IsCurrent: true}}},
				{ID: "i-gh", Name: "GitHub", Type: "github", Config: map[string]any{"client_id": "g"}},
				{ID: "i-fed", Name: "Partner IdP", Type: "saml", Config: map[string]any{}, ReadOnly: true},
				{ID: "i-fed2", Name: "Mystery", Type: "oidc", Config: map[string]any{}, ReadOnly: true},
			},
			peer: {{ID: "p-fed", Name: "Corp", Type: "saml", Config: map[string]any{}, ReadOnly: true}},
		},
		grants: map[string][]cloudflare.Grant{
			acc: {{ID: "g-okta", IdPID: "i-okta"}, {ID: "g-saml", IdPID: "i-saml"}, {ID: "g-gh", IdPID: "i-gh"}},
		},
		shares: map[string][]cloudflare.Share{
			acc: {
				grantShare("s-new", "Identity provider: Okta", acc, "g-okta", idptype.ShareActive, t0.Add(2*time.Hour)),
				grantShare("s-old", "Identity provider: Okta", acc, "g-okta", idptype.ShareActive, t0),
				grantShare("s-del", "Identity provider: Corp", acc, "g-saml", idptype.ShareDeleting, t0),
				grantShare("s-gone", "Identity provider: Corp", acc, "g-saml", idptype.ShareDeleted, t0),
				grantShare("s-gh", "Identity provider: GitHub", acc, "g-gh", idptype.ShareActive, t0),
				{ID: "s-other", Name: "rules", AccountID: acc, OrganizationID: "org1", Status: idptype.ShareActive, Kind: idptype.ShareSent},
				{ID: "s-in", Name: "Identity provider: Partner IdP", AccountID: "acc9", Status: idptype.ShareActive, Kind: idptype.ShareReceived,
					Resources: []cloudflare.ShareResource{{ResourceType: idptype.ResourceFederationGrant, ResourceID: "g9"}}},
				{ID: "s-in2", Name: "Something else", AccountID: "acc8", Status: idptype.ShareActive, Kind: idptype.ShareReceived,
					Resources: []cloudflare.ShareResource{{ResourceType: idptype.ResourceFederationGrant, ResourceID: "g8"}}},
			},
			peer: {
				{ID: "s-x", Name: "renamed by hand", AccountID: acc, Status: idptype.ShareActive, Kind: idptype.ShareReceived,
					Resources: []cloudflare.ShareResource{{ResourceType: idptype.ResourceFederationGrant, ResourceID: "g-saml"}}},
			},
		},
		recipients: map[string][]cloudflare.Recipient{
			"s-old": {
				{ID: "r2", AccountID: "zz", AssociationStatus: idptype.Associating, Modified: t0},
				{ID: "r1", AccountID: peer, AssociationStatus: idptype.Associated, Modified: t0},
			},
		},
	}
	managed := func(accountID string, idp *state.LiveIdP) bool { return idp.Name != "GitHub" }
	live, err := engine.ReadLive(context.Background(), f, []string{acc, peer, acc}, engine.ReadOptions{Concurrency: 2, Managed: managed})
	if err != nil {
		t.Fatal(err)
	}
	a := live.Accounts[acc]
	if a == nil || len(live.Accounts) != 2 {
		t.Fatalf("accounts %v", live.Accounts)
	}

	t.Run("IdPs sorted and normalized", func(t *testing.T) {
		var names []string
		for _, p := range a.IdentityProviders {
			names = append(names, p.Name)
		}
		if got := strings.Join(names, ","); got != "Corp,GitHub,Mystery,Okta,Partner IdP" {
			t.Fatalf("order %s", got)
		}
		okta := a.IdentityProviders[3]
		if _, has := okta.Config["client_secret"]; has {
			t.Error("write-only client_secret kept in the live config")
		}
		corp := a.IdentityProviders[0]
		if !corp.EncryptionEnabled || corp.Config["max_sso_url_length"] != float64(1024) {
			t.Errorf("corp %+v", corp)
		}
		if _, has := corp.SCIMConfig["secret"]; has || corp.SCIMConfig["enabled"] != true {
			t.Errorf("scim %+v", corp.SCIMConfig)
		}
		cs := corp.CertificateSet
		if cs == nil || cs.UID != "set1" || cs.Current == nil || cs.Current.SHA256 != testcert.Fingerprint(der) || cs.Previous != nil || !cs.UpdatedAt.Equal(t0) {
			t.Errorf("certificate set %+v", cs)
		}
		for _, p := range a.IdentityProviders {
			if len(p.Version) != 32 {
				t.Errorf("%s version %q", p.Name, p.Version)
			}
		}
	})

	t.Run("grants and shares linked", func(t *testing.T) {
		okta, corp, gh := a.IdentityProviders[3], a.IdentityProviders[0], a.IdentityProviders[1]
		if okta.Grant == nil || okta.Grant.ID != "g-okta" || okta.Grant.Share == nil || okta.Grant.Share.ID != "s-old" {
			t.Fatalf("okta grant %+v", okta.Grant)
		}
		if corp.Grant == nil || corp.Grant.Share != nil {
			t.Fatalf("a deleting share is linked: %+v", corp.Grant)
		}
		if gh.Grant == nil || gh.Grant.Share == nil || gh.Grant.Share.Recipients != nil {
			t.Fatalf("unmanaged github share %+v", gh.Grant)
		}
		var ids []string
		for _, s := range a.Shares {
			ids = append(ids, s.ID)
		}
		if got := strings.Join(ids, ","); got != "s-del,s-gh,s-old,s-new" {
			t.Fatalf("shares %s", got)
		}
		s := okta.Grant.Share
		if s.GrantID != "g-okta" || s.ResourceID != "res-s-old" || s.OrganizationID != "org1" || !s.Modified.Equal(t0.Add(time.Hour)) {
			t.Errorf("share %+v", s)
		}
		if len(s.Recipients) != 2 || s.Recipients[0].AccountID != peer || s.Recipients[0].Status != idptype.Associated || s.Recipients[1].ID != "r2" {
			t.Errorf("recipients %+v", s.Recipients)
		}
		if a.Organization != "org1" {
			t.Errorf("organization %q", a.Organization)
		}
	})

	t.Run("received connections", func(t *testing.T) {
		byName := map[string]*state.LiveIdP{}
		for _, p := range a.IdentityProviders {
			byName[p.Name] = p
		}
		if r := byName["Partner IdP"].Received; r == nil || r.FromAccount != "acc9" || r.ShareID != "s-in" {
			t.Errorf("by name: %+v", r)
		}
		if r := byName["Mystery"].Received; r == nil || !reflect.DeepEqual(*r, state.Received{}) {
			t.Errorf("ambiguous origin: %+v, want empty", r)
		}
		if byName["Okta"].Received != nil {
			t.Error("an owned IdP has Received")
		}
		p := live.Accounts[peer].IdentityProviders[0]
		if p.Received == nil || p.Received.FromAccount != acc || p.Received.ShareID != "s-x" {
			t.Errorf("only received share: %+v", p.Received)
		}
		if live.Accounts[peer].Organization != "" {
			t.Errorf("organization from a received share: %q", live.Accounts[peer].Organization)
		}
	})

	t.Run("minimum requests", func(t *testing.T) {
		want := map[string]int{"idps": 2, "grants": 2, "shares": 2, "recipients:s-old": 1, "recipients:s-new": 1}
		if fmt.Sprint(f.calls) != fmt.Sprint(want) {
			t.Errorf("calls %v, want %v", f.calls, want)
		}
		for _, o := range f.shareOpts {
			if o != (cloudflare.ListSharesOptions{IncludeResources: true}) {
				t.Errorf("share listing options %+v", o)
			}
		}
	})
}

func TestReadLiveErrors(t *testing.T) {
	tests := []struct{ fail, want string }{
		{"idps", "account acc1: list identity providers: boom"},
		{"grants", "account acc1: list grants: boom"},
		{"shares", "account acc1: list shares: boom"},
		{"recipients:s1", "account acc1: list recipients of share s1: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.fail, func(t *testing.T) {
			f := &fakeLive{
				fail:   tt.fail,
				idps:   map[string][]cloudflare.IdentityProvider{"acc1": {{ID: "i1", Name: "A", Type: "github"}}},
				grants: map[string][]cloudflare.Grant{"acc1": {{ID: "g1", IdPID: "i1"}}},
				shares: map[string][]cloudflare.Share{"acc1": {grantShare("s1", "x", "acc1", "g1", idptype.ShareActive, t0)}},
			}
			_, err := engine.ReadLive(context.Background(), f, []string{"acc1"}, engine.ReadOptions{})
			if err == nil || err.Error() != tt.want {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestVersionMarker(t *testing.T) {
	base := func() cloudflare.IdentityProvider {
		return cloudflare.IdentityProvider{ID: "i", Name: "Okta", Type: "okta",
			Config: map[string]any{"client_id": "a", "okta_account": "https://x", "claims": []any{"email", "groups"}}}
	}
	v := engine.VersionMarker(base())
	tests := []struct {
		name string
		mod  func(*cloudflare.IdentityProvider)
		same bool
	}{
		{"identical", func(*cloudflare.IdentityProvider) {}, true},
		{"secret ignored", func(p *cloudflare.IdentityProvider) { p.Config["client_secret"] = "s3cr3t" }, true},
		{"scim secret ignored", func(p *cloudflare.IdentityProvider) { p.SCIMConfig = map[string]any{"secret": "x"} }, true},
		{"scim change", func(p *cloudflare.IdentityProvider) { p.SCIMConfig = map[string]any{"enabled": true} }, false},
		{"config change", func(p *cloudflare.IdentityProvider) { p.Config["client_id"] = "b" }, false},
		{"list order", func(p *cloudflare.IdentityProvider) { p.Config["claims"] = []any{"groups", "email"} }, false},
		{"rename", func(p *cloudflare.IdentityProvider) { p.Name = "Okta 2" }, false},
		{"certificate rotated", func(p *cloudflare.IdentityProvider) {
			p.SAMLCertificateSet = &cloudflare.CertificateSet{UID: "s", UpdatedAt: t0}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base()
			tt.mod(&p)
			if got := engine.VersionMarker(p); (got == v) != tt.same {
				t.Fatalf("VersionMarker = %s vs %s; want same=%v", got, v, tt.same)
			}
		})
	}
	// Map iteration order must not matter.
	for range 20 {
		if engine.VersionMarker(base()) != v {
			t.Fatal("VersionMarker is not stable")
		}
	}
}
