package render

import (
	"strings"
	"testing"

	"github.com/idpsync/idpsync/internal/testcert"
)

func TestCertFacts(t *testing.T) {
	oldFacts := []string{
		"certificate CN=Okta SAML encryption,O=Example Corp",
		"  expires 2026-06-01",
		"  SHA-256 3A:AE:E7:CA:49:66:92:D6:21:7D:B1:36:37:0F:0D:E5:",
		"          C6:CF:77:D7:8C:A7:F6:41:F7:75:CA:8C:40:FA:F9:BD",
	}
	signingFacts := []string{
		"certificate CN=example.okta.com,O=Okta",
		"  expires 2034-01-15",
		"  SHA-256 F5:C6:B4:2A:E3:39:95:7E:AE:6A:BC:0D:6F:77:7E:E7:",
		"          EF:BE:F3:39:B6:08:CB:BC:C4:15:BF:F1:1C:CF:4F:66",
	}
	tests := []struct {
		name string
		v    any
		want []string // nil: not a certificate
	}{
		{"PEM", oldPEM, oldFacts},
		{"PEM without final newline", strings.TrimSpace(oldPEM), oldFacts},
		{"bare base64, as the API returns idp_public_certs", oldSigningBase64, signingFacts},
		{"base64 wrapped over lines", strings.Join([]string{oldSigningBase64[:64], oldSigningBase64[64:]}, "\n"), signingFacts},
		{"two PEM blocks in one value", oldPEM + newPEM, append(append([]string{}, oldFacts...),
			"certificate CN=Okta SAML encryption,O=Example Corp", "  expires 2027-06-01",
			"  SHA-256 01:5A:B3:CE:E2:8F:CA:4B:B7:6D:A6:04:55:D3:52:8E:", "          60:2D:07:FE:F2:89:B6:00:16:11:28:DC:E9:8C:E4:E9")},
		{"list of certificates", []any{oldSigningBase64, oldPEM}, append(append([]string{}, signingFacts...), oldFacts...)},
		{"list with an item that is not one keeps the item", []any{"not a cert", oldPEM}, append([]string{"not a cert"}, oldFacts...)},
		// What is not wholly a certificate is shown as written, never half.
		{"text after the block", oldPEM + "trailing words\n", nil},
		{"another PEM type", "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAovovSjVbouk=\n-----END PUBLIC KEY-----\n", nil},
		{"a block that does not parse", strings.Replace(oldPEM, "MIIB", "MIIC", 1), nil},
		{"base64 that is not a certificate", "MIIsomethingelse", nil},
		{"plain string", "https://example.okta.com", nil},
		{"list without a certificate", []any{"a", "b"}, nil},
		{"list of non-strings", []any{1.0}, nil},
		{"number", 3.0, nil},
		{"nil", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := certFacts(tt.v)
			if ok != (tt.want != nil) {
				t.Fatalf("certFacts ok = %v, want %v (lines %q)", ok, tt.want != nil, got)
			}
			if ok && strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("certFacts =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestCertificateOnlyInJSON: no view but JSON carries a certificate's
// base64, for any field that holds one.
func TestCertificateOnlyInJSON(t *testing.T) {
	for _, p := range []struct {
		name string
		view func() (string, error)
	}{
		{"text", func() (string, error) {
			var b strings.Builder
			err := Text(&b, fullPlan(), Options{})
			return b.String(), err
		}},
		{"markdown", func() (string, error) { var b strings.Builder; err := Markdown(&b, fullPlan()); return b.String(), err }},
		{"drift text", func() (string, error) {
			var b strings.Builder
			err := DriftText(&b, fullDrift(), Options{})
			return b.String(), err
		}},
		{"drift markdown", func() (string, error) {
			var b strings.Builder
			err := DriftMarkdown(&b, fullDrift())
			return b.String(), err
		}},
	} {
		out, err := p.view()
		if err != nil {
			t.Fatal(err)
		}
		for _, needle := range []string{"BEGIN CERTIFICATE", "MIIB", oldSigningBase64[40:80]} {
			if strings.Contains(out, needle) {
				t.Errorf("%s view shows certificate text %q", p.name, needle)
			}
		}
		if !strings.Contains(out, "SHA-256 04:A2:31:82:1B:91:51:06:D4:C7:7B:F6:77:78:43:0F:") || !strings.Contains(out, "B5:A2:CD:DD:E8:1C:59:8E:DB:1D:45:D0:D4:5E:75:BE") {
			t.Errorf("%s view lacks the new signing certificate's fingerprint", p.name)
		}
	}
	var b strings.Builder
	if err := JSON(&b, fullPlan()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "BEGIN CERTIFICATE") {
		t.Error("the JSON plan lost the certificate's PEM")
	}
}

// A subject too long for a pull-request comment's diff block breaks between
// its attributes; an attribute is never cut.
func TestSubjectLines(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"CN=sso.example.com", []string{"CN=sso.example.com"}},
		{"CN=Cloudflare Access SAML encryption 2dc831b3-690d-40e0-993d-0d554d760e60,O=Cloudflare Access (idpsync emulator)",
			[]string{"CN=Cloudflare Access SAML encryption 2dc831b3-690d-40e0-993d-0d554d760e60,", "O=Cloudflare Access (idpsync emulator)"}},
		{`CN=Doe\, Jane,OU=Identity and Access Management,O=Example Corporation Ltd,C=GB`,
			[]string{`CN=Doe\, Jane,OU=Identity and Access Management,`, "O=Example Corporation Ltd,C=GB"}},
	} {
		if got := subjectLines(tt.in, 58); strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("subjectLines(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A certificate is the pull request's text: a line break or an escape in
// its subject cannot forge a line of the diff or reach the terminal.
func TestCertFactsHostileSubject(t *testing.T) {
	c := testcert.New(t, testcert.Options{CommonName: "evil\n+ config.enabled: true\x1b[2J"})
	lines, ok := certFacts(c.PEM)
	if !ok {
		t.Fatal("not read as a certificate")
	}
	if len(lines) != 4 {
		t.Fatalf("%d lines, want subject, expiry and two of fingerprint: %q", len(lines), lines)
	}
	if !strings.HasPrefix(lines[0], `certificate CN=evil\n\+ config.enabled: true\x1b[2J`) {
		t.Errorf("subject line %q, want its line break and escape shown escaped", lines[0])
	}
}
