package plan

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/idpsync/idpsync/internal/testcert"
	"github.com/idpsync/idpsync/state"
)

// testCert is valid for the year before notAfter; the tests tell
// certificates apart by their expiry.
func testCert(t *testing.T, cn string, notAfter time.Time) testcert.Cert {
	t.Helper()
	return testcert.New(t, testcert.Options{CommonName: cn, NotBefore: notAfter.Add(-365 * 24 * time.Hour), NotAfter: notAfter})
}

func TestSigningCertificates(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	const acct = "023e105f4ecef8ad9ca31a8372d0c353"
	oldCert := testCert(t, "old.example.com", now.Add(10*24*time.Hour))
	oldPEM, oldBare := oldCert.PEM, base64.StdEncoding.EncodeToString(oldCert.DER)
	newPEM := testCert(t, "new.example.com", now.Add(400*24*time.Hour)).PEM
	d := &state.Desired{Accounts: []*state.Account{{ID: acct, Name: "platform", IdentityProviders: []*state.IdP{
		{Name: "Vendor", Type: "saml", Config: map[string]any{"idp_public_certs": []any{newPEM}}},
		{Name: "Planned", Type: "saml", Config: map[string]any{"idp_public_certs": []any{oldPEM}}},
		{Name: "GitHub", Type: "github", Config: map[string]any{}},
	}}}}
	live := &state.Live{Accounts: map[string]*state.LiveAccount{acct: {ID: acct, IdentityProviders: []*state.LiveIdP{
		// The declared certificate changed, the live IdP still has the old
		// one, written the API's way (bare base64).
		{ID: "v", Name: "Vendor", Type: "saml", Config: map[string]any{"idp_public_certs": []any{oldBare, "not a certificate"}}},
	}}}}
	certs := SigningCertificates(d, live, []string{acct}, map[string]string{acct: "platform"}, now)
	type row struct {
		idp, source, subject string
		days                 int
		bad                  bool
	}
	var got []row
	for _, c := range certs {
		got = append(got, row{c.IdP, c.Source, c.Subject, c.DaysLeft, c.Error != ""})
	}
	want := []row{
		{"Planned", SourceDeclared, "CN=old.example.com", 10, false},
		{"Vendor", SourceDeclared, "CN=new.example.com", 400, false},
		{"Vendor", SourceLive, "CN=old.example.com", 10, false},
		{"Vendor", SourceLive, "", 0, true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if certs[0].Fingerprint == "" || certs[0].Fingerprint != certs[2].Fingerprint {
		t.Errorf("the same certificate as PEM and as bare base64 has fingerprints %q and %q", certs[0].Fingerprint, certs[2].Fingerprint)
	}

	// Warnings: the live certificate of Vendor (not its declared one), and
	// Planned's declared one since it has no live IdP yet.
	ws := SigningWarnings(certs, now, 30*24*time.Hour)
	if len(ws) != 2 || ws[0].Address != "account[platform].idp[Planned]" || ws[1].Address != "account[platform].idp[Vendor]" {
		t.Fatalf("warnings = %+v", ws)
	}
	if ws := SigningWarnings(certs, now, 5*24*time.Hour); len(ws) != 0 {
		t.Errorf("a 5-day window warned: %+v", ws)
	}
	if ws := SigningWarnings(certs, now.Add(20*24*time.Hour), 0); len(ws) != 2 || ws[0].Code != "signing_certificate_expiring" {
		t.Errorf("expired certificates: %+v", ws)
	}

	// Without files (certs --account), every live SAML IdP is listed.
	if got := SigningCertificates(nil, live, []string{acct}, nil, now); len(got) != 2 || got[0].Source != SourceLive || got[0].Address != "account["+acct+"].idp[Vendor]" {
		t.Errorf("live only: %+v", got)
	}
}
