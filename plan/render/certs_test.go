package render

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/idpsync/idpsync/internal/golden"
	"github.com/idpsync/idpsync/plan"
)

const (
	fpCurrent  = "2E:A6:13:AF:D5:6B:C2:C0:A7:30:58:B8:34:72:8F:67:D8:C4:2F:33:66:B6:C5:8B:5A:B5:6D:23:4C:1F:97:10"
	fpPrevious = "E8:B4:4D:DA:25:55:C0:A0:B1:19:67:9B:74:8C:1A:5E:BD:1D:99:E8:F7:EC:DF:8A:D8:AE:B2:30:D3:36:42:05"
	fpSigning  = "0E:90:86:84:B0:6C:86:F3:84:BB:DA:6A:AB:69:5B:CF:B6:7B:3A:68:C3:B2:7A:BE:23:DB:DB:F5:DA:9B:CB:B1"
)

// certsReport has what makes the table wide: Cloudflare's long encryption
// subjects, a rotation under way, a set whose encryption is off, a signing
// certificate that does not parse, and a name with a terminal escape.
func certsReport() *CertsReport {
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	cfSubject := "CN=Cloudflare Access SAML encryption 2dc831b3-690d-40e0-993d-0d554d760e60,O=Cloudflare Access"
	r := &CertsReport{
		Now: now,
		Sets: []plan.CertificateSet{
			{Address: "account[payments].idp[Vendor SAML]", AccountID: platformID, IdP: "Vendor SAML", IdPID: "e05b", UID: "6326", EncryptionOn: true,
				Current:          &plan.EncryptionCertificate{UID: "2dc8", Subject: cfSubject, NotAfter: now.AddDate(1, 0, 0), DaysLeft: 365, Fingerprint: fpCurrent},
				Previous:         &plan.EncryptionCertificate{UID: "91aa", Subject: "CN=Cloudflare Access SAML encryption 91aa0c4e-1b7e-4f0e-9d1c-5a4c3b2a1f00,O=Cloudflare Access", NotAfter: now.AddDate(0, 0, 20), DaysLeft: 20, Fingerprint: fpPrevious},
				RotationUnderWay: true, PEM: "-----BEGIN CERTIFICATE-----\nnever shown\n-----END CERTIFICATE-----\n"},
			{Address: "account[payments].idp[Off\x1b[2J]", AccountID: platformID, IdP: "Off\x1b[2J", IdPID: "77aa", UID: "88bb",
				Current: &plan.EncryptionCertificate{UID: "99cc", Subject: cfSubject, NotAfter: now.AddDate(1, 0, 0), DaysLeft: 365, Fingerprint: fpCurrent}},
		},
		Signing: []plan.SigningCertificate{
			{Address: "account[payments].idp[Vendor SAML]", AccountID: platformID, IdP: "Vendor SAML", Source: plan.SourceDeclared, Index: 0, Subject: "CN=sso.example.com", Fingerprint: fpSigning, NotAfter: now.AddDate(0, 0, 11), DaysLeft: 11},
			{Address: "account[payments].idp[Vendor SAML]", AccountID: platformID, IdP: "Vendor SAML", Source: plan.SourceLive, Index: 0, Subject: "CN=sso.example.com", Fingerprint: fpSigning, NotAfter: now.AddDate(0, 0, 11), DaysLeft: 11},
			{Address: "account[payments].idp[Vendor SAML]", AccountID: platformID, IdP: "Vendor SAML", Source: plan.SourceLive, Index: 1, Error: "not an X.509 certificate"},
		},
		Window: "30d",
	}
	r.Expiring = plan.ExpiringWithin(r.Sets, r.Signing, now, 30*24*time.Hour)
	return r
}

func TestCertsGolden(t *testing.T) {
	views := map[string]func(*bytes.Buffer, *CertsReport) error{
		"text":      func(b *bytes.Buffer, r *CertsReport) error { return Certs(b, r, FormatText, CertsOptions{}) },
		"wide.text": func(b *bytes.Buffer, r *CertsReport) error { return Certs(b, r, FormatText, CertsOptions{Wide: true}) },
		"md":        func(b *bytes.Buffer, r *CertsReport) error { return Certs(b, r, FormatMarkdown, CertsOptions{}) },
		"json":      func(b *bytes.Buffer, r *CertsReport) error { return Certs(b, r, FormatJSON, CertsOptions{}) },
	}
	reports := map[string]*CertsReport{"certs": certsReport(), "certs_none": {Now: certsReport().Now}}
	for rname, r := range reports {
		for vname, view := range views {
			t.Run(rname+"_"+vname, func(t *testing.T) {
				var buf bytes.Buffer
				if err := view(&buf, r); err != nil {
					t.Fatal(err)
				}
				golden.Check(t, goldenPath(rname+"."+vname), buf.Bytes())
			})
		}
	}
}

// TestCertsFit: the terminal table fits CertsWidth; every fingerprint is
// whole in --wide, in Markdown and in JSON; no view shows the PEM; text
// from the API cannot reach the terminal as an escape.
func TestCertsFit(t *testing.T) {
	r := certsReport()
	render := func(format Format, opts CertsOptions) string {
		var b bytes.Buffer
		if err := Certs(&b, r, format, opts); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	text := render(FormatText, CertsOptions{})
	for _, l := range strings.Split(text, "\n") {
		if n := utf8.RuneCountInString(l); n > CertsWidth {
			t.Errorf("line of %d columns, more than %d:\n%s", n, CertsWidth, l)
		}
	}
	if !strings.Contains(text, "2E:A6:13:AF:D5:6B:C2:C0…") {
		t.Errorf("the table lacks the short fingerprint:\n%s", text)
	}
	// The rotation note gives the whole fingerprint, on its own line.
	if !strings.Contains(text, "\n"+fpCurrent+").") {
		t.Errorf("the rotation note lacks the whole fingerprint:\n%s", text)
	}
	// A narrower width is honoured by cutting subjects further.
	narrow := 115
	for _, l := range strings.Split(render(FormatText, CertsOptions{Width: narrow}), "\n") {
		if n := utf8.RuneCountInString(l); n > narrow {
			t.Errorf("at width %d, a line of %d columns:\n%s", narrow, n, l)
		}
	}
	md := render(FormatMarkdown, CertsOptions{})
	for name, out := range map[string]string{"wide": render(FormatText, CertsOptions{Wide: true}), "markdown": strings.ReplaceAll(md, ":`<br>`", ":"), "json": render(FormatJSON, CertsOptions{})} {
		for _, fp := range []string{fpCurrent, fpPrevious, fpSigning} {
			if !strings.Contains(out, fp) {
				t.Errorf("%s view lacks the whole fingerprint %s", name, fp)
			}
		}
	}
	for format, out := range map[Format]string{FormatText: text, FormatMarkdown: md, FormatJSON: render(FormatJSON, CertsOptions{})} {
		if strings.Contains(out, "never shown") || strings.Contains(out, "BEGIN CERTIFICATE") {
			t.Errorf("%s view shows the PEM", format)
		}
		if strings.Contains(out, "\x1b") {
			t.Errorf("%s view passes an escape through", format)
		}
	}
}

func TestShortFingerprint(t *testing.T) {
	for in, want := range map[string]string{
		fpCurrent:                 "2E:A6:13:AF:D5:6B:C2:C0…",
		"2E:A6:13:AF:D5:6B:C2:C0": "2E:A6:13:AF:D5:6B:C2:C0",
		"":                        "",
		"not-a-fingerprint":       "not-a-fingerprint",
	} {
		if got := shortFingerprint(in); got != want {
			t.Errorf("shortFingerprint(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSCIMGolden(t *testing.T) {
	entries := []plan.SCIMEntry{
		{Address: "account[platform].idp[Okta]", AccountID: platformID, IdP: "Okta", IdPID: "e05b", Type: "okta", Enabled: true,
			BaseURL: "https://team.cloudflareaccess.com/populate/scim/v2/e05b", UserDeprovision: true, IdentityUpdateBehavior: "automatic"},
		{Address: "account[platform].idp[GitHub\x1b[2J]", AccountID: platformID, IdP: "GitHub\x1b[2J", IdPID: "94e7", Type: "github"},
	}
	// What the API gives a team with a long name: a host per team and a
	// path ending in a UUID, beside an address of long names.
	long := []plan.SCIMEntry{
		{Address: "account[platform-production].idp[Okta Workforce]", AccountID: platformID, IdP: "Okta Workforce",
			IdPID: "edab8f77-6743-4639-beda-c199e36ca5f1", Type: "okta", Enabled: true,
			BaseURL:         "https://platform-engineering-production.cloudflareaccess.com/populate/scim/v2/edab8f77-6743-4639-beda-c199e36ca5f1",
			UserDeprovision: true, SeatDeprovision: true, IdentityUpdateBehavior: "no_action"},
		{Address: "account[platform-production].idp[Entra\x1b]0;x\a]", AccountID: platformID, IdP: "Entra\x1b]0;x\a",
			IdPID: "d3048701-3532-4ce7-9201-f772fa8c3ed3", Type: "azureAD", Enabled: true,
			BaseURL:                "https://platform-engineering-production.cloudflareaccess.com/populate/scim/v2/\x1b[2Jd3048701-3532-4ce7-9201-f772fa8c3ed3",
			IdentityUpdateBehavior: "reauth"},
		{Address: "account[platform-production].idp[PIN]", AccountID: platformID, IdP: "PIN", IdPID: "0b1c", Type: "onetimepin"},
	}
	for name, tc := range map[string]struct {
		entries []plan.SCIMEntry
		format  Format
		wide    bool
	}{
		"scim.text": {entries, FormatText, false}, "scim.json": {entries, FormatJSON, false},
		"scim_none.text": {nil, FormatText, false}, "scim_none.json": {nil, FormatJSON, false},
		"scim_long.text": {long, FormatText, false}, "scim_long.wide.text": {long, FormatText, true},
		"scim_long.json": {long, FormatJSON, false},
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := SCIM(&buf, tc.entries, tc.format, SCIMOptions{Wide: tc.wide}); err != nil {
				t.Fatal(err)
			}
			if bytes.ContainsAny(buf.Bytes(), "\x1b\a") {
				t.Error("a control character reached the view")
			}
			if tc.format == FormatText && !tc.wide {
				for _, l := range strings.Split(buf.String(), "\n") {
					if n := utf8.RuneCountInString(l); n > CertsWidth {
						t.Errorf("a line of %d columns, more than %d: %q", n, CertsWidth, l)
					}
				}
			}
			golden.Check(t, goldenPath(name), buf.Bytes())
		})
	}
}

// TestSCIMWidths checks the narrow table at widths down to below what the
// other columns take: it never passes the width while there is room, the
// URL keeps a readable minimum, and the address is never cut.
func TestSCIMWidths(t *testing.T) {
	e := plan.SCIMEntry{Address: "account[p].idp[Okta]", Enabled: true,
		BaseURL: "https://team.cloudflareaccess.com/populate/scim/v2/edab8f77-6743-4639-beda-c199e36ca5f1", IdentityUpdateBehavior: "automatic"}
	for width := 40; width <= 140; width++ {
		var buf bytes.Buffer
		if err := SCIM(&buf, []plan.SCIMEntry{e}, FormatText, SCIMOptions{Width: width}); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		row := lines[1]
		if !strings.HasPrefix(row, e.Address+" ") {
			t.Fatalf("width %d: the address was cut: %q", width, row)
		}
		whole := strings.HasSuffix(row, strings.TrimPrefix(e.BaseURL, "https://"))
		noted := strings.Contains(buf.String(), "SCIM base URLs are shortened to fit")
		if whole == noted {
			t.Errorf("width %d: whole URL %v, note %v:\n%s", width, whole, noted, buf.String())
		}
		// The header ends in the URL's header; the URL keeps 8 more.
		fits := utf8.RuneCountInString(lines[0]) + 8
		if n := utf8.RuneCountInString(row); n > width && n > fits {
			t.Errorf("width %d: row of %d columns: %q", width, n, row)
		}
	}
}

func TestCommonName(t *testing.T) {
	for in, want := range map[string]string{
		"CN=Cloudflare Access SAML encryption 2dc8,O=Cloudflare Access": "Cloudflare Access SAML encryption 2dc8",
		"CN=sso.example.com":         "sso.example.com",
		"O=Okta,CN=okta.example.com": "okta.example.com",
		`CN=Doe\, Jane,O=Example`:    `Doe\, Jane`,
		`O=A\,CN=not,OU=x`:           `O=A\,CN=not,OU=x`,
		"CN=a+UID=b,O=c":             "a",
		"O=Example Corp":             "O=Example Corp",
		"":                           "",
		"(not an X.509 certificate)": "(not an X.509 certificate)",
	} {
		if got := commonName(in); got != want {
			t.Errorf("commonName(%q) = %q, want %q", in, got, want)
		}
	}
}
