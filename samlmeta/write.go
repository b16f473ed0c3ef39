package samlmeta

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"net/url"
	"strings"
)

// SP is a service provider's side of a SAML integration, as Cloudflare
// presents it for one SAML IdP.
type SP struct {
	// EntityID is the SP's entity id, the audience of the assertions.
	EntityID string
	// ACSURL is where the IdP posts its responses (HTTP-POST binding).
	ACSURL string
	// EncryptionCerts are the certificates the IdP encrypts assertions
	// with: none without assertion encryption, the current one, and the
	// previous one as well while a rotation is under way.
	EncryptionCerts []*x509.Certificate
}

// WriteSP renders sp as a SAML 2.0 metadata EntityDescriptor: well-formed,
// namespaced XML that an IdP admin can upload.
func WriteSP(sp SP) ([]byte, error) {
	if sp.EntityID == "" {
		return nil, errors.New("service provider metadata needs an entity id")
	}
	if u, err := url.Parse(sp.ACSURL); err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, errors.New("service provider metadata needs an https AssertionConsumerService URL")
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<md:EntityDescriptor xmlns:md="` + NSMetadata + `" xmlns:ds="` + NSDSig + `" entityID="`)
	escape(&b, sp.EntityID)
	b.WriteString("\">\n")
	b.WriteString(`  <md:SPSSODescriptor protocolSupportEnumeration="` + ProtocolSAML2 + "\">\n")
	// The schema orders KeyDescriptor before AssertionConsumerService
	// (saml-metadata-2.0-os, 2.4.2 and 2.4.4).
	for _, c := range sp.EncryptionCerts {
		b.WriteString("    <md:KeyDescriptor use=\"encryption\">\n")
		b.WriteString("      <ds:KeyInfo>\n        <ds:X509Data>\n          <ds:X509Certificate>")
		b.WriteString(wrap(base64.StdEncoding.EncodeToString(c.Raw), 64, "\n            "))
		b.WriteString("</ds:X509Certificate>\n        </ds:X509Data>\n      </ds:KeyInfo>\n")
		b.WriteString("    </md:KeyDescriptor>\n")
	}
	b.WriteString(`    <md:AssertionConsumerService Binding="` + BindingPOST + `" Location="`)
	escape(&b, sp.ACSURL)
	b.WriteString("\" index=\"0\" isDefault=\"true\"/>\n")
	b.WriteString("  </md:SPSSODescriptor>\n</md:EntityDescriptor>\n")
	return b.Bytes(), nil
}

func escape(b *bytes.Buffer, s string) {
	_ = xml.EscapeText(b, []byte(s)) // writes to a bytes.Buffer cannot fail
}

func wrap(s string, n int, sep string) string {
	var parts []string
	for len(s) > n {
		parts = append(parts, s[:n])
		s = s[n:]
	}
	return strings.Join(append(parts, s), sep)
}
