package samlmeta

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"strings"
	"testing"
)

// spMetadata is the shape WriteSP promises, read back with encoding/xml and
// full namespace names, so a wrong or missing namespace fails the test.
type spMetadata struct {
	XMLName  xml.Name `xml:"urn:oasis:names:tc:SAML:2.0:metadata EntityDescriptor"`
	EntityID string   `xml:"entityID,attr"`
	SP       []struct {
		Protocols string `xml:"protocolSupportEnumeration,attr"`
		Keys      []struct {
			Use   string   `xml:"use,attr"`
			Certs []string `xml:"http://www.w3.org/2000/09/xmldsig# KeyInfo>X509Data>X509Certificate"`
		} `xml:"urn:oasis:names:tc:SAML:2.0:metadata KeyDescriptor"`
		ACS []struct {
			Binding  string `xml:"Binding,attr"`
			Location string `xml:"Location,attr"`
			Index    string `xml:"index,attr"`
		} `xml:"urn:oasis:names:tc:SAML:2.0:metadata AssertionConsumerService"`
	} `xml:"urn:oasis:names:tc:SAML:2.0:metadata SPSSODescriptor"`
}

func TestWriteSP(t *testing.T) {
	cur, prev := newCert(t, "current"), newCert(t, "previous")
	const acs = "https://team.cloudflareaccess.com/cdn-cgi/access/callback"
	tests := []struct {
		name  string
		sp    SP
		certs []*x509.Certificate
	}{
		{"no encryption", SP{EntityID: acs, ACSURL: acs}, nil},
		{"encryption", SP{EntityID: acs, ACSURL: acs, EncryptionCerts: []*x509.Certificate{cur}}, []*x509.Certificate{cur}},
		{"rotation", SP{EntityID: acs, ACSURL: acs, EncryptionCerts: []*x509.Certificate{cur, prev}}, []*x509.Certificate{cur, prev}},
		{"escaped", SP{EntityID: `urn:a&b"<c>`, ACSURL: acs + "?a=1&b=2"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := WriteSP(tt.sp)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(out, []byte(xml.Header)) {
				t.Errorf("no XML declaration")
			}
			var got spMetadata
			d := xml.NewDecoder(bytes.NewReader(out))
			d.Strict = true
			if err := d.Decode(&got); err != nil {
				t.Fatalf("not well-formed: %v\n%s", err, out)
			}
			if got.EntityID != tt.sp.EntityID || len(got.SP) != 1 {
				t.Fatalf("entityID %q, %d SPSSODescriptors\n%s", got.EntityID, len(got.SP), out)
			}
			sp := got.SP[0]
			if sp.Protocols != ProtocolSAML2 {
				t.Errorf("protocolSupportEnumeration %q", sp.Protocols)
			}
			if len(sp.ACS) != 1 || sp.ACS[0].Binding != BindingPOST || sp.ACS[0].Location != tt.sp.ACSURL || sp.ACS[0].Index != "0" {
				t.Errorf("AssertionConsumerService %+v", sp.ACS)
			}
			if len(sp.Keys) != len(tt.certs) {
				t.Fatalf("%d KeyDescriptors, want %d", len(sp.Keys), len(tt.certs))
			}
			for i, k := range sp.Keys {
				if k.Use != "encryption" || len(k.Certs) != 1 {
					t.Fatalf("KeyDescriptor %d: use %q, %d certificates", i, k.Use, len(k.Certs))
				}
				der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(k.Certs[0]), ""))
				if err != nil || !bytes.Equal(der, tt.certs[i].Raw) {
					t.Errorf("KeyDescriptor %d does not hold %s", i, tt.certs[i].Subject.CommonName)
				}
			}
		})
	}
}

func TestWriteSPRefuses(t *testing.T) {
	for _, sp := range []SP{
		{ACSURL: "https://a.example/cb"},
		{EntityID: "x", ACSURL: "http://a.example/cb"},
		{EntityID: "x", ACSURL: "/cb"},
	} {
		if _, err := WriteSP(sp); err == nil {
			t.Errorf("WriteSP(%+v) succeeded", sp)
		}
	}
}

// TestRoundTrip checks that the SP side is not mistaken for an IdP.
func TestRoundTrip(t *testing.T) {
	out, err := WriteSP(SP{EntityID: "urn:sp", ACSURL: "https://a.example/cb", EncryptionCerts: []*x509.Certificate{newCert(t, "c")}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse(out)
	if e, ok := err.(*Error); !ok || e.Position != (Position{2, 1}) || !strings.Contains(e.Msg, "no IDPSSODescriptor") {
		t.Errorf("Parse(SP metadata) = %v", err)
	}
}
