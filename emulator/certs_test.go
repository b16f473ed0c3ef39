package emulator

import (
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/idpsync/idpsync/cloudflare"
)

func TestSAMLCertificateSet(t *testing.T) {
	s := start(t, Options{}, true)
	certPath := idpPath(acctA) + "/" + samlID + "/saml_certificate"

	r := do(t, s, "POST", certPath, nil)
	expect(t, r, 201, 0)
	checkFamily(t, r, false)
	var set cloudflare.CertificateSet
	r.result(t, &set)
	if len(set.UID) != 36 || set.CurrentCertificate == nil || !set.CurrentCertificate.IsCurrent || set.PreviousCertificate != nil {
		t.Fatalf("new set: %s", r.Body)
	}
	if !strings.Contains(string(r.Body), `"previous_certificate":null`) {
		t.Errorf("previous_certificate should be null: %s", r.Body)
	}
	block, _ := pem.Decode([]byte(set.CurrentCertificate.PublicCertificate))
	if block == nil {
		t.Fatal("public_certificate is not PEM")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("parse certificate: %v", err)
	}
	if !cert.NotAfter.Equal(set.CurrentCertificate.NotAfter) {
		t.Errorf("not_after %v, certificate says %v", set.CurrentCertificate.NotAfter, cert.NotAfter)
	}
	if d := cert.NotAfter.Sub(s.Emulator.Now()); d < 364*24*time.Hour || d > 366*24*time.Hour {
		t.Errorf("certificate valid for %v, want a year", d)
	}

	// Idempotent: the same set with 200.
	r = do(t, s, "POST", certPath, nil)
	expect(t, r, 200, 0)
	if r.str("uid") != set.UID {
		t.Fatalf("second create returned %q, want %q", r.str("uid"), set.UID)
	}

	// The IdP shows the assignment, expanded.
	r = do(t, s, "GET", idpPath(acctA)+"/"+samlID, nil)
	var idp cloudflare.IdentityProvider
	r.result(t, &idp)
	if idp.SAMLCertificateSetID != set.UID || idp.SAMLCertificateSet == nil || idp.SAMLCertificateSet.UID != set.UID {
		t.Fatalf("IdP does not show its set: %s", r.Body)
	}

	// Turning encryption on needs the set ID; a PUT without it keeps the assignment.
	samlBody := func(enc bool, setID string) map[string]any {
		b := map[string]any{"name": "Corporate SAML", "type": "saml", "config": map[string]any{
			"issuer_url": "https://idp.example.com/entity", "sso_target_url": "https://idp.example.com/sso", "enable_encryption": enc,
		}}
		if setID != "" {
			b["saml_certificate_set_id"] = setID
		}
		return b
	}
	expect(t, do(t, s, "PUT", idpPath(acctA)+"/"+samlID, samlBody(true, "")), 400, CodeEncryptionNeedsSet)
	expect(t, do(t, s, "PUT", idpPath(acctA)+"/"+samlID, samlBody(true, set.UID)), 200, 0)
	r = do(t, s, "PUT", idpPath(acctA)+"/"+samlID, samlBody(false, ""))
	expect(t, r, 200, 0)
	r.result(t, &idp)
	if idp.SAMLCertificateSetID != set.UID || idp.Config["enable_encryption"] != false {
		t.Fatalf("PUT without set ID: %s", r.Body)
	}

	// Lists, get, pem.
	r = do(t, s, "GET", "/accounts/"+acctA+"/access/saml_certificates", nil)
	expect(t, r, 200, 0)
	if r.Env["result_info"].(map[string]any)["per_page"].(float64) != 25 {
		t.Errorf("default per_page: %s", r.Body)
	}
	r = do(t, s, "GET", "/accounts/"+acctA+"/access/saml_certificates?id=00000000-0000-4000-8000-000000000000", nil)
	if n := len(r.Env["result"].([]any)); n != 0 {
		t.Errorf("id filter kept %d sets", n)
	}
	expect(t, do(t, s, "GET", "/accounts/"+acctA+"/access/saml_certificates?per_page=1001", nil), 400, CodeInvalidPagination)
	expect(t, do(t, s, "GET", "/accounts/"+acctA+"/access/saml_certificates/"+set.UID, nil), 200, 0)
	expect(t, do(t, s, "GET", "/accounts/"+acctB+"/access/saml_certificates/"+set.UID, nil), 404, CodeCertSetNotFound)
	r = do(t, s, "GET", "/accounts/"+acctA+"/access/saml_certificates/"+set.UID+"/pem", nil)
	expect(t, r, 200, 0)
	if ct := r.Header.Get("Content-Type"); ct != "application/x-pem-file" {
		t.Errorf("pem content type %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename="saml_certificate.pem"` {
		t.Errorf("pem disposition %q", cd)
	}
	if string(r.Body) != set.CurrentCertificate.PublicCertificate {
		t.Error("pem body is not the current certificate")
	}
	r = do(t, s, "GET", "/accounts/"+acctA+"/access/saml_certificates/00000000-0000-4000-8000-000000000000/pem", nil)
	expect(t, r, 404, CodeCertSetNotFound)
	checkFamily(t, r, false)

	// Rotation: current to previous; a second rotation drops the older one.
	rot := "/accounts/" + acctA + "/access/saml_certificates/" + set.UID + "/rotate"
	r = do(t, s, "POST", rot, nil)
	expect(t, r, 200, 0)
	var once cloudflare.CertificateSet
	r.result(t, &once)
	if once.PreviousCertificate == nil || once.PreviousCertificate.UID != set.CurrentCertificate.UID || once.PreviousCertificate.IsCurrent {
		t.Fatalf("after rotation: %s", r.Body)
	}
	if once.CurrentCertificate.UID == set.CurrentCertificate.UID || once.UpdatedAt.Before(set.UpdatedAt) {
		t.Fatalf("rotation kept the current certificate: %s", r.Body)
	}
	r = do(t, s, "POST", rot, nil)
	var twice cloudflare.CertificateSet
	r.result(t, &twice)
	if twice.PreviousCertificate.UID != once.CurrentCertificate.UID {
		t.Fatalf("second rotation: previous %s, want %s", twice.PreviousCertificate.UID, once.CurrentCertificate.UID)
	}
	expect(t, do(t, s, "POST", "/accounts/"+acctA+"/access/saml_certificates/00000000-0000-4000-8000-000000000000/rotate", nil), 404, CodeCertSetNotFound)

	// Automatic rotation once the clock passes not_after - 30 days.
	s.Emulator.AdvanceClock(300 * 24 * time.Hour)
	r = do(t, s, "GET", "/accounts/"+acctA+"/access/saml_certificates/"+set.UID, nil)
	var same cloudflare.CertificateSet
	r.result(t, &same)
	if same.CurrentCertificate.UID != twice.CurrentCertificate.UID {
		t.Fatal("rotated before not_after - 30 days")
	}
	s.Emulator.AdvanceClock(40 * 24 * time.Hour)
	r = do(t, s, "GET", "/accounts/"+acctA+"/access/saml_certificates/"+set.UID, nil)
	var auto cloudflare.CertificateSet
	r.result(t, &auto)
	if auto.CurrentCertificate.UID == twice.CurrentCertificate.UID || auto.PreviousCertificate.UID != twice.CurrentCertificate.UID {
		t.Fatalf("no automatic rotation: %s", r.Body)
	}
	if !auto.CurrentCertificate.NotAfter.After(s.Emulator.Now().Add(360 * 24 * time.Hour)) {
		t.Errorf("rotated certificate expires %v", auto.CurrentCertificate.NotAfter)
	}
}

func TestSAMLCertificateRules(t *testing.T) {
	s := start(t, Options{}, true)
	tests := []struct {
		name         string
		path         string
		status, code int
	}{
		{"non-saml IdP", idpPath(acctA) + "/" + oktaID + "/saml_certificate", 400, CodeNotSAML},
		{"unknown IdP", idpPath(acctA) + "/00000000-0000-4000-8000-000000000000/saml_certificate", 404, CodeIdPNotFound},
		{"unknown account", idpPath("dddddddddddddddddddddddddddddddd") + "/" + samlID + "/saml_certificate", 404, CodeAccountNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, "POST", tt.path, nil)
			expect(t, r, tt.status, tt.code)
			checkFamily(t, r, false)
		})
	}
}
