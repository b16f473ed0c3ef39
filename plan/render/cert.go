package render

import (
	"encoding/pem"
	"strings"
	"time"

	"github.com/idpsync/idpsync/internal/sanitize"
	"github.com/idpsync/idpsync/plan"
)

// A certificate in a view is its public facts, one per line: who it names,
// when it expires, and the SHA-256 fingerprint an administrator compares
// with what the external IdP shows. Its PEM or base64 is kept for the JSON
// plan, where a machine needs it; in a review it is a wall of text that says
// nothing to a person, and a rotation changes every line of it.

// certFacts returns the lines that stand for v when v is a certificate
// (PEM, possibly several blocks, or the bare base64 of its DER) or a list
// of values holding one: each certificate as its facts, any other item as
// it is. ok is false when v holds no certificate at all.
func certFacts(v any) (lines []string, ok bool) {
	switch x := v.(type) {
	case string:
		return certStringFacts(x)
	case []any:
		for _, item := range x {
			s, isStr := item.(string)
			if !isStr {
				return nil, false
			}
			if l, isCert := certStringFacts(s); isCert {
				lines = append(lines, l...)
				ok = true
				continue
			}
			lines = append(lines, strings.Split(strings.TrimRight(s, "\n"), "\n")...)
		}
		return lines, ok
	}
	return nil, false
}

// certStringFacts reads s as one or more certificates. Anything else in s
// (a PEM block of another type, text around the blocks, a value that does
// not parse) makes it not a certificate, so that it is shown as written
// rather than half-hidden.
func certStringFacts(s string) ([]string, bool) {
	t := strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(t, "-----BEGIN CERTIFICATE-----"):
		var out []string
		rest := []byte(t)
		for len(strings.TrimSpace(string(rest))) > 0 {
			var block *pem.Block
			block, rest = pem.Decode(rest)
			if block == nil || block.Type != "CERTIFICATE" {
				return nil, false
			}
			f, err := plan.ParseCertificateFacts(string(pem.EncodeToMemory(block)))
			if err != nil {
				return nil, false
			}
			out = append(out, factLines(f)...)
		}
		return out, len(out) > 0
	case strings.HasPrefix(t, "MII"):
		// The base64 of a DER SEQUENCE longer than 255 bytes, which every
		// certificate is: the API's idp_public_certs are written so.
		f, err := plan.ParseCertificateFacts(t)
		if err != nil {
			return nil, false
		}
		return factLines(f), true
	}
	return nil, false
}

// factLines are the lines of one certificate. The subject comes first, so
// that a line diff of a rotation keeps it as context and changes only the
// expiry and the fingerprint. No line is longer than about 70 characters:
// in a pull-request comment a diff block wider than the page is cut from
// view, so a long subject breaks between its attributes and the
// fingerprint is written in two halves.
func factLines(f plan.CertificateFacts) []string {
	// A subject is the file's or the server's text: a line break in it
	// would forge a line of the diff, so it is shown escaped.
	subject := sanitize.Visible(f.Subject)
	if subject == "" {
		subject = "(empty subject)"
	}
	const head, cont = "certificate ", "            "
	var out []string
	for i, l := range subjectLines(subject, 58) {
		if i == 0 {
			out = append(out, head+l)
		} else {
			out = append(out, cont+l)
		}
	}
	out = append(out, "  expires "+f.NotAfter.UTC().Format(time.DateOnly))
	first, second := fingerprintHalves(f.Fingerprint)
	out = append(out, "  SHA-256 "+first)
	if second != "" {
		out = append(out, "          "+second)
	}
	return out
}

// subjectLines breaks an RFC 4514 subject after the commas between its
// attributes into lines of at most width bytes; an attribute longer than
// that keeps a line of its own, whole.
func subjectLines(subject string, width int) []string {
	var parts []string
	start := 0
	for i := 0; i < len(subject); i++ {
		switch subject[i] {
		case '\\':
			i++
		case ',':
			parts = append(parts, subject[start:i+1])
			start = i + 1
		}
	}
	parts = append(parts, subject[start:])
	var out []string
	cur := ""
	for _, p := range parts {
		if cur != "" && len(cur)+len(p) > width {
			out = append(out, cur)
			cur = ""
		}
		cur += p
	}
	return append(out, cur)
}

// fingerprintHalves splits a colon-separated fingerprint after its middle
// byte; the first half keeps its trailing colon, so the two read as one.
func fingerprintHalves(fp string) (string, string) {
	parts := strings.Split(fp, ":")
	if len(parts) < 2 {
		return fp, ""
	}
	half := (len(parts) + 1) / 2
	return strings.Join(parts[:half], ":") + ":", strings.Join(parts[half:], ":")
}

// certField is the line diff of a field whose values are certificates,
// shown by their facts; ok is false when neither side is one.
func certField(f *field) (before, after string, ok bool) {
	b, bok := certFacts(f.before)
	a, aok := certFacts(f.after)
	if !bok && !aok {
		return "", "", false
	}
	// The side that is not a certificate (absent, or a value that did not
	// parse) is shown as it is.
	if !bok && f.before != nil {
		if s, _, isText := text(f.before); isText {
			b = strings.Split(s, "\n")
		} else {
			b = []string{value(f.before)}
		}
	}
	if !aok && f.after != nil {
		if s, _, isText := text(f.after); isText {
			a = strings.Split(s, "\n")
		} else {
			a = []string{value(f.after)}
		}
	}
	return strings.Join(b, "\n"), strings.Join(a, "\n"), true
}
