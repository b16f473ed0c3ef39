package samlmeta

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/idpsync/idpsync/internal/testcert"
)

// newCert makes a self-signed certificate; the tests need real DER only.
func newCert(t *testing.T, cn string) *x509.Certificate {
	t.Helper()
	c, err := x509.ParseCertificate(testcert.New(t, testcert.Options{CommonName: cn}).DER)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func b64(c *x509.Certificate) string { return base64.StdEncoding.EncodeToString(c.Raw) }

func pemOf(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

// doc fills the placeholders of a metadata document (certificates) and lets
// a case change one piece.
func doc(body string, r *strings.Replacer) []byte { return []byte(r.Replace(body)) }

const oktaMetadata = `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="http://www.okta.com/exk1">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:X509Data>
          <ds:X509Certificate>
            SIGNING1
          </ds:X509Certificate>
        </ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:KeyDescriptor use="encryption">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>ENCRYPTION</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:KeyDescriptor>
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>SIGNING2</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://example.okta.com/app/redirect"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://example.okta.com/app/sso/saml"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`

func TestParse(t *testing.T) {
	s1, s2, enc := newCert(t, "signing one"), newCert(t, "signing two"), newCert(t, "encryption")
	base := strings.NewReplacer("SIGNING1", b64(s1), "SIGNING2", b64(s2), "ENCRYPTION", b64(enc))
	tests := []struct {
		name      string
		data      []byte
		entityID  string
		sso       string
		binding   string
		certs     []*x509.Certificate
		ssoAt     Position
		entityAt  Position
		firstCert Position
	}{
		{
			name: "okta", data: doc(oktaMetadata, base),
			entityID: "http://www.okta.com/exk1", sso: "https://example.okta.com/app/sso/saml", binding: BindingPOST,
			certs: []*x509.Certificate{s1, s2}, entityAt: Position{2, 1}, ssoAt: Position{21, 5}, firstCert: Position{7, 11},
		},
		{
			name:     "redirect only",
			data:     doc(strings.Replace(oktaMetadata, `Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"`, `Binding="urn:oasis:names:tc:SAML:2.0:bindings:SOAP"`, 1), base),
			entityID: "http://www.okta.com/exk1", sso: "https://example.okta.com/app/redirect", binding: BindingRedirect,
			certs: []*x509.Certificate{s1, s2}, entityAt: Position{2, 1}, ssoAt: Position{20, 5}, firstCert: Position{7, 11},
		},
		{
			name: "one entity in an EntitiesDescriptor, default namespace, duplicate certificate",
			data: []byte(`<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
 <EntityDescriptor entityID="urn:idp">
  <IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol urn:oasis:names:tc:SAML:2.0:protocol">
   <KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>` + b64(s1) + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>
   <KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>` + b64(s1) + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>
   <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example/sso"/>
  </IDPSSODescriptor>
 </EntityDescriptor>
</EntitiesDescriptor>`),
			entityID: "urn:idp", sso: "https://idp.example/sso", binding: BindingPOST,
			certs: []*x509.Certificate{s1}, entityAt: Position{2, 2}, ssoAt: Position{6, 4}, firstCert: Position{4, 58},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got.EntityID != tt.entityID || got.SSOURL != tt.sso || got.SSOBinding != tt.binding {
				t.Errorf("got %q %q %q, want %q %q %q", got.EntityID, got.SSOURL, got.SSOBinding, tt.entityID, tt.sso, tt.binding)
			}
			if got.EntityIDAt != tt.entityAt || got.SSOAt != tt.ssoAt || got.SigningCerts[0].At != tt.firstCert {
				t.Errorf("positions: entity %v sso %v cert %v, want %v %v %v", got.EntityIDAt, got.SSOAt, got.SigningCerts[0].At, tt.entityAt, tt.ssoAt, tt.firstCert)
			}
			for _, p := range []struct {
				at   Position
				elem string
			}{{got.EntityIDAt, "EntityDescriptor"}, {got.SSOAt, "SingleSignOnService"}, {got.SigningCerts[0].At, "X509Certificate"}} {
				if rest := from(tt.data, p.at); !strings.HasPrefix(rest, "<") || !strings.HasPrefix(rest[strings.Index(rest, ":")+1:], p.elem) && !strings.HasPrefix(rest[1:], p.elem) {
					t.Errorf("%v does not point at <%s", p.at, p.elem)
				}
			}
			if len(got.SigningCerts) != len(tt.certs) {
				t.Fatalf("%d signing certificates, want %d", len(got.SigningCerts), len(tt.certs))
			}
			for i, c := range tt.certs {
				if got.SigningCerts[i].PEM != pemOf(c) || !got.SigningCerts[i].Cert.Equal(c) {
					t.Errorf("signing certificate %d is not %s", i+1, c.Subject.CommonName)
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	s1 := newCert(t, "signing")
	base := strings.NewReplacer("SIGNING1", b64(s1), "SIGNING2", b64(s1), "ENCRYPTION", b64(s1))
	okta := string(doc(oktaMetadata, base))
	entity := func(inner string) []byte {
		return []byte(`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="urn:idp">
  ` + inner + `
</md:EntityDescriptor>`)
	}
	key := func(use, cert string) string {
		return `<md:KeyDescriptor` + use + `><ds:KeyInfo><ds:X509Data><ds:X509Certificate>` + cert + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`
	}
	post := `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example/sso"/>`
	role := func(inner string) string {
		return `<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` + inner + `</md:IDPSSODescriptor>`
	}
	tests := []struct {
		name string
		data []byte
		at   Position
		msg  string
	}{
		{"empty", nil, Position{1, 1}, "no root element"},
		{"not xml", []byte("{\"entityID\": 1}"), Position{1, 1}, "text outside the root element"},
		{"unclosed", []byte("<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\">\n  <md:IDPSSODescriptor>\n"), Position{3, 1}, "not well-formed XML"},
		{"mismatched end", []byte("<a>\n <b></c>\n</a>"), Position{2, 9}, "not well-formed XML"},
		{"undefined entity", []byte("<a>\n &secret;</a>"), Position{2, 10}, "not well-formed XML"},
		{"two roots", []byte("<a/>\n<b/>"), Position{2, 1}, "more than one root element"},
		{"wrong root", []byte("<?xml version=\"1.0\"?>\n<html/>"), Position{2, 1}, "root element is not an EntityDescriptor"},
		{"wrong namespace", []byte(`<x:EntityDescriptor xmlns:x="urn:other" entityID="a"/>`), Position{1, 1}, "root element is not an EntityDescriptor"},
		{"several entities", []byte("<md:EntitiesDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\">\n  <md:EntityDescriptor entityID=\"a\"/>\n  <md:EntityDescriptor entityID=\"b\"/>\n</md:EntitiesDescriptor>"), Position{3, 3}, "holds 2 EntityDescriptors"},
		{"nested entities", []byte("<md:EntitiesDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\">\n <md:EntityDescriptor entityID=\"a\"/>\n <md:EntitiesDescriptor>\n  <md:EntityDescriptor entityID=\"b\"/>\n  <md:EntityDescriptor entityID=\"c\"/>\n </md:EntitiesDescriptor>\n</md:EntitiesDescriptor>"), Position{4, 3}, "holds 3 EntityDescriptors"},
		{"no entities", []byte("<md:EntitiesDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\">\n</md:EntitiesDescriptor>"), Position{1, 1}, "holds no EntityDescriptor"},
		{"no entityID", []byte("\n\n  <md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\"/>"), Position{3, 3}, "has no entityID"},
		{"multi-line entityID", []byte("<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"a&#10;b\"/>"), Position{1, 1}, "not a single line"},
		{"no IdP role", entity(`<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/>`), Position{1, 1}, "has no IDPSSODescriptor"},
		{"IdP role without SAML 2.0", entity(`<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol"/>`), Position{2, 3}, "does not support SAML 2.0"},
		{"no usable binding", entity(role(key("", b64(s1)) + `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:SOAP" Location="https://idp.example/soap"/>`)), Position{2, 3}, "no SingleSignOnService"},
		// The certificate's length varies (an ECDSA signature does), so the
		// element after it starts a line of its own.
		{"relative location", entity(role(key("", b64(s1)) + "\n" + `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="/sso"/>`)), Position{3, 1}, "not an absolute http(s) URL"},
		{"no signing key", entity(role(key(` use="encryption"`, b64(s1)) + post)), Position{2, 3}, "no signing certificate"},
		{"no key at all", entity(role(post)), Position{2, 3}, "no signing certificate"},
		{"certificate not base64", entity(role(key("", "not base64!") + post)), Position{2, 133}, "not base64"},
		{"certificate not X.509", entity(role(key(` use="signing"`, base64.StdEncoding.EncodeToString([]byte("garbage"))) + post)), Position{2, 147}, "not a valid X.509"},
		{"too deep", []byte(strings.Repeat("<a>", 70) + strings.Repeat("</a>", 70)), Position{1, 193}, "nested more than 64 deep"},
		{"too large", []byte(okta + strings.Repeat(" ", MaxSize)), Position{1, 1}, "larger than 1024 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.data)
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("Parse: got %v, want an *Error", err)
			}
			if e.Position != tt.at || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("got %v, want %v: …%s…", e, tt.at, tt.msg)
			}
			// Errors about an element point at its "<"; syntax errors
			// point just past the offending byte.
			elementAt := !strings.Contains(tt.msg, "well-formed") && tt.name != "empty" && tt.name != "not xml" && tt.name != "too large"
			if elementAt && !strings.HasPrefix(from(tt.data, e.Position), "<") {
				t.Errorf("%v does not point at an element", e.Position)
			}
		})
	}
}

// TestParseNeverEchoes checks that an error about a hostile value does not
// repeat it: metadata from a URL is untrusted and errors reach PR comments.
func TestParseNeverEchoes(t *testing.T) {
	const canary = "CANARY-7f3a"
	for _, data := range []string{
		`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="` + canary + `&#10;"/>`,
		`<` + canary + `/>`,
		`<a>` + canary + `</b>`,
		`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>` + canary + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor></md:IDPSSODescriptor></md:EntityDescriptor>`,
	} {
		_, err := Parse([]byte(data))
		if err == nil || strings.Contains(err.Error(), canary) {
			t.Errorf("Parse(%q) = %v, want an error without the canary", data, err)
		}
	}
}

// from is the rest of data from a position.
func from(data []byte, p Position) string {
	lines := strings.SplitAfter(string(data), "\n")
	if p.Line < 1 || p.Line > len(lines) || p.Column < 1 || p.Column > len(lines[p.Line-1])+1 {
		return ""
	}
	return strings.Join(lines[p.Line-1:], "")[p.Column-1:]
}
