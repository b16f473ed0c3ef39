package samlmeta

import (
	"encoding/xml"
	"errors"
	"regexp"
	"strings"
	"testing"
)

// canaryTemplates are documents with CANARY where a hostile server can put
// text of its choosing: element names (start and end tags, prefixes), entity
// names, the XML declaration's version and encoding, attribute names and
// values, processing-instruction targets, comments, text and certificates.
var canaryTemplates = []string{
	`<a>x</CANARY>`,
	`<CANARY>x</a>`,
	`<p:a xmlns:p="urn:x"></q:CANARY>`,
	`<CANARY:a></CANARY:b>`,
	`</CANARY>`,
	`<a>&CANARY;</a>`,
	`<a b="&CANARY;"/>`,
	`<a>&#CANARY;</a>`,
	`<!DOCTYPE a [<!ENTITY CANARY "x">]><a>&CANARY;</a>`,
	`<?xml version="CANARY"?><a/>`,
	`<?xml version="1.0" encoding="CANARY"?><a/>`,
	`<?xml version="1.0" encoding="utf-8" standalone="CANARY"?><a/>`,
	`<?CANARY x?><a/>`,
	`<a CANARY/>`,
	`<a CANARY=x/>`,
	`<a b=CANARY/>`,
	`<a b="CANARY`,
	`<a><!-CANARY--></a>`,
	`<a><![CANARY[x]]></a>`,
	`<a>CANARY</a>`,
	`<a/>CANARY`,
	`CANARY<a/>`,
	`<a>]]>CANARY</a>`,
	`<a CANARY="1" CANARY="2"/>`,
	`<` + "\x00" + `CANARY/>`,
	`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="CANARY&#10;"/>`,
	`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><md:IDPSSODescriptor protocolSupportEnumeration="CANARY"/></md:EntityDescriptor>`,
	`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="CANARY"/></md:IDPSSODescriptor></md:EntityDescriptor>`,
	`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>CANARY</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor></md:IDPSSODescriptor></md:EntityDescriptor>`,
	`<CANARY:EntityDescriptor xmlns:CANARY="urn:oasis:names:tc:SAML:2.0:metadata"/>`,
	`<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"><CANARY/></md:EntitiesDescriptor>`,
}

// knownMessages are the only texts a Parse error may carry, digits aside:
// errAt's formats with their constant arguments, and the fixed descriptions
// of syntax errors.
func knownMessages() map[string]bool {
	known := map[string]bool{}
	add := func(s string) { known[digits.ReplaceAllString(s, "N")] = true }
	for _, m := range []string{
		"metadata is larger than 1 KiB",
		"elements are nested more than 1 deep",
		"metadata has more than one root element",
		"text outside the root element",
		"metadata has no root element, expected an EntityDescriptor",
		"the root element is not an EntityDescriptor or EntitiesDescriptor of namespace " + NSMetadata,
		"the EntitiesDescriptor holds no EntityDescriptor",
		"metadata holds 2 EntityDescriptors, expected one",
		"the EntityDescriptor has no entityID",
		"the entityID is not a single line of at most 1 characters",
		"the IDPSSODescriptor does not support SAML 2.0 (protocolSupportEnumeration lacks " + ProtocolSAML2 + ")",
		"the EntityDescriptor has no IDPSSODescriptor: it describes no identity provider",
		"the IDPSSODescriptor has no SingleSignOnService with the HTTP-POST or HTTP-Redirect binding",
		"the SingleSignOnService Location is not an absolute http(s) URL",
		`the IDPSSODescriptor has no signing certificate (a KeyDescriptor with use="signing" or no use, holding ds:X509Certificate)`,
		"the X509Certificate is not base64",
		"the X509Certificate is not a valid X.509 certificate",
		"metadata is not well-formed XML: a syntax error",
	} {
		add(m)
	}
	for _, p := range syntaxProblems {
		add("metadata is not well-formed XML: " + p.say)
	}
	return known
}

var digits = regexp.MustCompile(`[0-9]+`)

// checkQuiet fails when err is not an *Error drawn from the fixed messages,
// or when its text holds the canary.
func checkQuiet(t *testing.T, data []byte, err error, known map[string]bool, canary string) {
	t.Helper()
	if err == nil {
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Parse(%q) = %v, want an *Error", data, err)
	}
	if canary != "" && (strings.Contains(err.Error(), canary) || strings.Contains(e.Hint, canary)) {
		t.Fatalf("Parse(%q) echoes the canary: %v (hint %q)", data, err, e.Hint)
	}
	if !known[digits.ReplaceAllString(e.Msg, "N")] {
		t.Fatalf("Parse(%q): message %q is not one of the fixed texts", data, e.Msg)
	}
}

// TestCanariesNeverEchoed runs every template with a canary and checks the
// error, if any, quotes none of it.
func TestCanariesNeverEchoed(t *testing.T) {
	known := knownMessages()
	const canary = "SECRET-CANARY"
	for _, tpl := range canaryTemplates {
		data := []byte(strings.ReplaceAll(tpl, "CANARY", canary))
		_, err := Parse(data)
		if err == nil {
			t.Errorf("Parse(%q) succeeded", data)
			continue
		}
		checkQuiet(t, data, err, known, canary)
	}
}

// TestSyntaxProblemsCoverEncodingXML feeds encoding/xml the inputs behind
// each of its messages and checks that every one maps to a description of
// its own rather than the generic one, so a message Go adds or rewords shows
// up here.
func TestSyntaxProblemsCoverEncodingXML(t *testing.T) {
	for _, in := range []string{
		`<a>`, `<a><![CDATA[x`, `</a>`, `<a></b>`, `<p:a xmlns:p="urn:x"></q:a>`, `<a></>`, `<a></a b>`,
		`<??>`, `<?xml version="2.0"?><a/>`, `<?xml version="1.0" encoding="latin1"?><a/>`,
		`<a><!-x--></a>`, `<a><![x[</a>`, `<a b="1"c/>`, `<a ="1"/>`, `<a b/>`, `<a b=1/>`,
		`<a>]]></a>`, `<a b="<"/>`, `<a>&x;</a>`, "<a>\xff</a>", "<a>\x01</a>", `<1/>`,
	} {
		d := xml.NewDecoder(strings.NewReader(in))
		d.Strict = true
		var err error
		for err == nil {
			_, err = d.Token()
		}
		if got := syntaxProblem(err); got == "a syntax error" {
			t.Errorf("%q: encoding/xml says %q, which no description matches", in, err)
		}
	}
}

// FuzzParseNeverEchoes: whatever the document, a Parse error is positioned,
// drawn from the fixed texts, and free of the canary the fuzzer's string is
// wrapped in, wherever a template puts it.
func FuzzParseNeverEchoes(f *testing.F) {
	for i := range canaryTemplates {
		f.Add(uint8(i), "CANARY")
		f.Add(uint8(i), "a")
		f.Add(uint8(i), "x:y")
	}
	f.Add(uint8(0), "\x1b[31m")
	f.Add(uint8(9), "1.0\" encoding=\"x")
	known := knownMessages()
	f.Fuzz(func(t *testing.T, tpl uint8, s string) {
		// The canary marks the fuzzer's text so that a fixed message that
		// happens to contain it is not mistaken for an echo.
		canary := "QZX" + s + "XZQ"
		data := []byte(strings.ReplaceAll(canaryTemplates[int(tpl)%len(canaryTemplates)], "CANARY", canary))
		_, err := Parse(data)
		checkQuiet(t, data, err, known, "QZX")
	})
}

// FuzzParse: on any bytes, Parse returns a result or an *Error with a fixed
// text; it never panics.
func FuzzParse(f *testing.F) {
	f.Add([]byte(oktaMetadata))
	for _, tpl := range canaryTemplates {
		f.Add([]byte(tpl))
	}
	known := knownMessages()
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := Parse(data)
		checkQuiet(t, data, err, known, "")
	})
}
