package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/idpsync/idpsync/internal/sanitize"
	"github.com/idpsync/idpsync/plan"
)

// CertsReport is what `certs` found: the encryption certificate sets, the
// signing certificates, and, when asked with --expiring-within, the window
// as written and what expires within it.
type CertsReport struct {
	// Now is the API's clock the days were counted by.
	Now      time.Time
	Sets     []plan.CertificateSet
	Signing  []plan.SigningCertificate
	Window   string
	Expiring []string
}

// CertsOptions tune the terminal table.
type CertsOptions struct {
	// Wide shows every subject and fingerprint whole, however wide the
	// table grows (--wide).
	Wide bool
	// Width is the most columns the table may take unless Wide; 0 means
	// CertsWidth.
	Width int
}

// CertsWidth is the width the terminal table fits by default: the
// fingerprint is shortened and long subjects are cut to fit it.
const CertsWidth = 120

// shortFingerprintBytes is how much of a fingerprint the narrow table
// shows: 8 bytes tell certificates apart at a glance, and the whole is in
// --wide, the JSON and the rotation note.
const shortFingerprintBytes = 8

// Certs writes the report in the named format: JSON, Markdown, or else the
// terminal table.
func Certs(w io.Writer, r *CertsReport, format Format, opts CertsOptions) error {
	switch format {
	case FormatJSON:
		return certsJSON(w, r)
	case FormatMarkdown:
		return certsMarkdown(w, r)
	}
	return certsText(w, r, opts)
}

func certsJSON(w io.Writer, r *CertsReport) error {
	sets := r.Sets
	if sets == nil {
		sets = []plan.CertificateSet{}
	}
	out := map[string]any{"now": r.Now.UTC(), "certificate_sets": sets, "signing_certificates": r.Signing}
	if r.Window != "" {
		out["expiring_within"] = r.Window
		out["expiring"] = append([]string{}, r.Expiring...)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", sanitize.JSON(b))
	return err
}

// certRow is one line of a terminal table, before it is fitted.
type certRow struct {
	idp, slot, subject, notAfter, days, fingerprint string
}

func certsText(w io.Writer, r *CertsReport, opts CertsOptions) error {
	out := newSink(w)
	width := opts.Width
	if width <= 0 {
		width = CertsWidth
	}
	if len(r.Sets) == 0 {
		out.line("No SAML encryption certificate sets.")
	} else {
		var rows []certRow
		for _, s := range r.Sets {
			for _, c := range s.Slots() {
				rows = append(rows, certRow{certClean(s.Address), c.Slot, certClean(c.Cert.Subject), c.Cert.NotAfter.UTC().Format(time.DateOnly), strconv.Itoa(c.Cert.DaysLeft), certClean(c.Cert.Fingerprint)})
			}
		}
		certTable(out, "ENCRYPTION", rows, opts.Wide, width)
		for _, s := range r.Sets {
			if s.RotationUnderWay {
				out.line()
				certNote(out, "Rotation under way for "+certClean(s.Address)+": give the external IdP the current certificate (SHA-256 "+certClean(s.Current.Fingerprint)+").", opts.Wide, width)
			}
			if !s.EncryptionOn {
				out.line()
				certNote(out, "Note: "+certClean(s.Address)+" has a certificate set but encryption is off.", opts.Wide, width)
			}
		}
	}
	if len(r.Signing) > 0 {
		out.line()
		var rows []certRow
		for _, c := range r.Signing {
			slot := c.Source + " " + strconv.Itoa(c.Index+1)
			if c.Error != "" {
				rows = append(rows, certRow{idp: certClean(c.Address), slot: slot, subject: "(" + certClean(c.Error) + ")"})
				continue
			}
			rows = append(rows, certRow{certClean(c.Address), slot, certClean(c.Subject), c.NotAfter.Format(time.DateOnly), strconv.Itoa(c.DaysLeft), certClean(c.Fingerprint)})
		}
		certTable(out, "SIGNING", rows, opts.Wide, width)
	}
	if r.Window != "" {
		if len(r.Expiring) == 0 {
			out.line()
			out.line("No certificate expires within ", certClean(r.Window), ".")
		} else {
			out.line()
			out.line(plural(len(r.Expiring), "certificate expires", "certificates expire"), " within ", certClean(r.Window), ":")
			for _, e := range r.Expiring {
				out.line("  ", certClean(e))
			}
		}
	}
	return out.flush()
}

// certTable writes rows under a header, in columns two spaces apart. Unless
// wide, the fingerprint is shortened, the subject is its CN, cut to what
// the other columns leave of width; the address is never cut, as it names
// the row.
func certTable(out *sink, slotHeader string, rows []certRow, wide bool, width int) {
	header := certRow{"IDP", slotHeader, "SUBJECT", "NOT AFTER", "DAYS", "SHA-256 FINGERPRINT"}
	if !wide {
		for i := range rows {
			rows[i].fingerprint = shortFingerprint(rows[i].fingerprint)
			rows[i].subject = commonName(rows[i].subject)
		}
		const gaps = 5 * 2
		others := gaps
		for _, col := range []func(certRow) string{
			func(r certRow) string { return r.idp },
			func(r certRow) string { return r.slot },
			func(r certRow) string { return r.notAfter },
			func(r certRow) string { return r.days },
			func(r certRow) string { return r.fingerprint },
		} {
			n := utf8.RuneCountInString(col(header))
			for _, r := range rows {
				n = max(n, utf8.RuneCountInString(col(r)))
			}
			others += n
		}
		room := max(width-others, len("SUBJECT")+8)
		for i := range rows {
			rows[i].subject = cut(rows[i].subject, room)
		}
	}
	tw := tabwriter.NewWriter(certWriter{out}, 0, 4, 2, ' ', 0)
	for _, r := range append([]certRow{header}, rows...) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.idp, r.slot, r.subject, r.notAfter, r.days, r.fingerprint)
	}
	tw.Flush()
}

// certWriter lets a tabwriter write through a sink.
type certWriter struct{ s *sink }

func (c certWriter) Write(p []byte) (int, error) {
	c.s.str(string(p))
	return len(p), nil
}

// certNote writes a sentence, wrapped to width unless wide.
func certNote(out *sink, s string, wide bool, width int) {
	if wide {
		out.line(s)
		return
	}
	for _, l := range wrap(s, width) {
		out.line(l)
	}
}

// shortFingerprint is the first bytes of a colon-separated fingerprint and
// an ellipsis; a value that is not one is left whole.
func shortFingerprint(fp string) string {
	parts := strings.Split(fp, ":")
	if len(parts) <= shortFingerprintBytes {
		return fp
	}
	return strings.Join(parts[:shortFingerprintBytes], ":") + "…"
}

// commonName is the CN of a subject written as RFC 4514 ("CN=x,O=y"), the
// part a person recognises, or the whole subject when it has none.
func commonName(subject string) string {
	rest := subject
	for rest != "" {
		if v, ok := strings.CutPrefix(rest, "CN="); ok {
			for i := 0; i < len(v); i++ {
				switch v[i] {
				case '\\':
					i++ // an escaped character, maybe a comma
				case ',', '+':
					return v[:i]
				}
			}
			return v
		}
		// Skip to the next attribute.
		i := 0
		for ; i < len(rest); i++ {
			if rest[i] == '\\' {
				i++
				continue
			}
			if rest[i] == ',' || rest[i] == '+' {
				break
			}
		}
		if i >= len(rest) {
			break
		}
		rest = rest[i+1:]
	}
	return subject
}

// cut shortens s to n runes, the last an ellipsis.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func certsMarkdown(w io.Writer, r *CertsReport) error {
	out := newSink(w)
	cell := func(s string) string {
		return "`" + strings.NewReplacer("`", "'", "|", `\|`, "\n", " ").Replace(certClean(s)) + "`"
	}
	out.line("### SAML certificates")
	out.line()
	if r.Window != "" {
		if len(r.Expiring) == 0 {
			out.line("No certificate expires within ", cell(r.Window), ".")
			out.line()
		} else {
			out.line("> [!WARNING]")
			out.line("> ", plural(len(r.Expiring), "certificate expires", "certificates expire"), " within ", cell(r.Window), ":")
			for _, e := range r.Expiring {
				out.line("> - ", strings.NewReplacer("|", `\|`).Replace(certClean(e)))
			}
			out.line()
		}
	}
	// Four columns, each that can wrap: a table wider than a pull-request
	// comment hides its last column, the fingerprint, behind a scroll bar.
	out.line("| IdP, certificate | Subject | Not after | SHA-256 fingerprint |")
	out.line("|---|---|---|---|")
	for _, s := range r.Sets {
		for _, c := range s.Slots() {
			out.line("| ", cell(s.Address), "<br>encryption, ", c.Slot, " | ", cell(c.Cert.Subject), " | ", c.Cert.NotAfter.UTC().Format(time.DateOnly), "<br>", mdDays(c.Cert.DaysLeft), " | ", mdFingerprint(c.Cert.Fingerprint), " |")
		}
	}
	for _, c := range r.Signing {
		slot := "signing " + strconv.Itoa(c.Index+1) + ", " + c.Source
		if c.Error != "" {
			out.line("| ", cell(c.Address), "<br>", slot, " | ", strings.NewReplacer("|", `\|`).Replace(certClean(c.Error)), " | | |")
			continue
		}
		out.line("| ", cell(c.Address), "<br>", slot, " | ", cell(c.Subject), " | ", c.NotAfter.Format(time.DateOnly), "<br>", mdDays(c.DaysLeft), " | ", mdFingerprint(c.Fingerprint), " |")
	}
	return out.flush()
}

// mdDays says how many days are left, or how long ago it expired.
func mdDays(n int) string {
	switch {
	case n < 0:
		return "expired " + plural(-n, "day", "days") + " ago"
	case n == 1:
		return "1 day left"
	}
	return strconv.Itoa(n) + " days left"
}

// mdFingerprint is a fingerprint in a Markdown table cell, whole, in four
// lines of 8 bytes: a code span has nowhere to break, so one of 95
// characters (or two of 48) widens the table past a pull-request comment,
// and GitHub hides the end of it behind a scroll bar.
func mdFingerprint(fp string) string {
	fp = strings.NewReplacer("`", "'", "|", `\|`).Replace(certClean(fp))
	parts := strings.Split(fp, ":")
	var lines []string
	for len(parts) > 8 {
		lines = append(lines, "`"+strings.Join(parts[:8], ":")+":`")
		parts = parts[8:]
	}
	lines = append(lines, "`"+strings.Join(parts, ":")+"`")
	return strings.Join(lines, "<br>")
}

// certClean makes subjects and names, which come from the API and from
// certificates, safe to print on one line.
func certClean(s string) string { return sanitize.Text(s) }
