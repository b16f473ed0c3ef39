package render

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"

	"github.com/idpsync/idpsync/plan"
)

// The Markdown plan is read on GitHub, not as text: these tests render it to
// HTML as GitHub does (CommonMark with the GFM tables, the raw <details>
// and <br> GitHub allows, and its alert syntax) and check what a reviewer
// meets first. goldmark is a test dependency only; the binary never renders
// HTML.

// htmlOut, when set (go test ./plan/render -run TestMarkdownHTML -html-out
// DIR), writes each rendered plan to DIR as a page, to look at in a browser
// or to screenshot.
var htmlOut = flag.String("html-out", "", "write the Markdown plans rendered to HTML into `DIR`")

var gfm = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	// GitHub passes <details>, <summary> and <br> through; the views write
	// no other raw HTML, and escape what they are given.
	goldmark.WithRendererOptions(html.WithUnsafe()),
)

// alertOpen is a blockquote whose first line is an alert marker, which
// GitHub turns into an alert box.
var alertOpen = regexp.MustCompile(`<blockquote>\n<p>\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\n`)

// githubHTML renders md as GitHub would, alerts as GitHub's markup for them:
// <div class="markdown-alert markdown-alert-caution"> with a title.
func githubHTML(t *testing.T, md []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := gfm.Convert(md, &buf); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	var out strings.Builder
	for {
		loc := alertOpen.FindStringSubmatchIndex(s)
		if loc == nil {
			out.WriteString(s)
			return out.String()
		}
		kind := s[loc[2]:loc[3]]
		out.WriteString(s[:loc[0]])
		out.WriteString(`<div class="markdown-alert markdown-alert-` + strings.ToLower(kind) + `"><p class="markdown-alert-title">` +
			kind[:1] + strings.ToLower(kind[1:]) + "</p>\n<p>")
		s = s[loc[1]:]
		// The alert ends where its blockquote closes.
		depth, i := 1, 0
		for depth > 0 {
			open := strings.Index(s[i:], "<blockquote>")
			end := strings.Index(s[i:], "</blockquote>")
			if end < 0 {
				t.Fatalf("an alert's blockquote never closes:\n%s", s)
			}
			if open >= 0 && open < end {
				depth++
				i += open + len("<blockquote>")
				continue
			}
			depth--
			if depth > 0 {
				i += end + len("</blockquote>")
				continue
			}
			out.WriteString(s[:i+end])
			out.WriteString("</div>")
			s = s[i+end+len("</blockquote>"):]
		}
	}
}

// blocks are the top-level elements of rendered HTML, in order, each by its
// opening tag ("<h3>", "<div class=\"markdown-alert markdown-alert-caution\">").
func blocks(h string) []string {
	var out []string
	depth := 0
	for _, line := range strings.Split(h, "\n") {
		if depth == 0 && strings.HasPrefix(line, "<") && !strings.HasPrefix(line, "</") {
			tag := line[:strings.IndexByte(line, '>')+1]
			out = append(out, tag)
		}
		for _, name := range []string{"div", "details", "ul", "table", "blockquote", "pre"} {
			depth += strings.Count(line, "<"+name) - strings.Count(line, "</"+name+">")
		}
	}
	return out
}

const cautionDiv = `<div class="markdown-alert markdown-alert-caution">`

// TestMarkdownHTML renders the Markdown plans as GitHub would: the first
// thing under the title is the CAUTION alert, whole; no raw HTML but
// GitHub's own reaches the page; every <details> closes.
func TestMarkdownHTML(t *testing.T) {
	for name, p := range map[string]*plan.Plan{"full": fullPlan(), "policy": policyPlan(), "undelivered": undeliveredPlan()} {
		t.Run(name, func(t *testing.T) {
			var md bytes.Buffer
			if err := Markdown(&md, p); err != nil {
				t.Fatal(err)
			}
			h := githubHTML(t, md.Bytes())
			writeHTML(t, "plan_"+name, h)
			bs := blocks(h)
			if len(bs) < 2 || bs[0] != "<h3>" || bs[1] != cautionDiv {
				t.Fatalf("the plan does not open with its title and the CAUTION alert: %q", bs[:min(len(bs), 4)])
			}
			caution := alertText(h, "caution")
			for _, d := range p.Dangers() {
				if !strings.Contains(caution, htmlText(d.Address)) {
					t.Errorf("the CAUTION alert lacks %s %s", d.Kind, d.Address)
				}
			}
			if strings.Count(caution, "<li>") != len(p.Dangers()) {
				t.Errorf("the CAUTION alert has %d items, want one per danger (%d)", strings.Count(caution, "<li>"), len(p.Dangers()))
			}
			checkHTMLSafe(t, h)
			// A diff block wider than the comment is cut from view: the
			// lines of a certificate stay narrow enough to be read whole.
			inPre := false
			for _, l := range strings.Split(h, "\n") {
				if strings.Contains(l, "<pre") {
					inPre = true
				}
				if strings.Contains(l, "</pre>") {
					inPre = false
				}
				if inPre && (strings.Contains(l, "SHA-256") || strings.Contains(l, "certificate CN=")) && len(l) > certLineMax {
					t.Errorf("a certificate line of %d characters, more than %d:\n%s", len(l), certLineMax, l)
				}
			}
		})
	}
}

// TestDriftMarkdownHTML: the drift report renders to what GitHub allows,
// with its certificate lines as narrow as the plan's.
func TestDriftMarkdownHTML(t *testing.T) {
	var md bytes.Buffer
	if err := DriftMarkdown(&md, fullDrift()); err != nil {
		t.Fatal(err)
	}
	h := githubHTML(t, md.Bytes())
	writeHTML(t, "drift", h)
	checkHTMLSafe(t, h)
	if !strings.Contains(h, "certificate CN=example.okta.com,O=Okta") {
		t.Fatalf("the drifted signing certificate is not shown by its facts:\n%s", h)
	}
	for _, l := range strings.Split(h, "\n") {
		if strings.Contains(l, "SHA-256") && len(l) > certLineMax {
			t.Errorf("a certificate line of %d characters:\n%s", len(l), l)
		}
	}
}

// certLineMax is how wide a certificate's line in a diff block may be: a
// pull-request comment shows about 100 characters of a code block.
const certLineMax = 80

// TestTrimmedMarkdownHTML: at every size the trimming allows, the rendered
// plan still opens with the CAUTION alert, word for word, and keeps every
// alert of the whole plan; the trim notice is one more.
func TestTrimmedMarkdownHTML(t *testing.T) {
	p := fullPlan()
	var full bytes.Buffer
	if err := Markdown(&full, p); err != nil {
		t.Fatal(err)
	}
	whole := githubHTML(t, full.Bytes())
	wantAlerts := alerts(whole)
	wantCaution := alertText(whole, "caution")
	smallest, checked := 0, 0
	// The trimmed view changes at a few dozen of the limits only: each
	// distinct view is converted to HTML once (goldmark under -race is slow).
	var prevMD, h string
	for limit := full.Len(); limit > 0; limit -= 7 {
		var md bytes.Buffer
		if err := MarkdownFit(&md, p, MarkdownOptions{MaxBytes: limit, Notice: "The whole plan is in the job summary."}); err != nil {
			break
		}
		smallest = limit
		checked++
		if md.String() != prevMD {
			prevMD, h = md.String(), githubHTML(t, md.Bytes())
		}
		if limit == full.Len() {
			continue
		}
		bs := blocks(h)
		if len(bs) < 2 || bs[0] != "<h3>" || bs[1] != cautionDiv {
			t.Fatalf("at %d bytes the plan does not open with the CAUTION alert: %q", limit, bs[:min(len(bs), 4)])
		}
		if got := alertText(h, "caution"); got != wantCaution {
			t.Fatalf("at %d bytes the CAUTION alert changed:\n%s\nwant\n%s", limit, got, wantCaution)
		}
		got := alerts(h)
		for _, a := range wantAlerts {
			if !contains(got, a) {
				t.Fatalf("at %d bytes an alert was lost:\n%s", limit, a)
			}
		}
		if len(got) != len(wantAlerts)+1 {
			t.Errorf("at %d bytes, %d alerts, want the %d of the whole plan and the trim notice", limit, len(got), len(wantAlerts))
		}
		checkHTMLSafe(t, h)
		if smallest < full.Len()/2 && *htmlOut != "" {
			// One trimmed page is enough to look at: the smallest so far.
			writeHTML(t, "plan_full_trimmed", h)
		}
	}
	if checked < 10 {
		t.Fatalf("only %d sizes checked (smallest %d of %d bytes)", checked, smallest, full.Len())
	}
}

// alerts lists every alert of rendered HTML, whole.
func alerts(h string) []string {
	var out []string
	for {
		i := strings.Index(h, `<div class="markdown-alert`)
		if i < 0 {
			return out
		}
		j := strings.Index(h[i:], "</div>")
		out = append(out, h[i:i+j])
		h = h[i+j:]
	}
}

// alertText is the first alert of a kind, or "".
func alertText(h, kind string) string {
	for _, a := range alerts(h) {
		if strings.HasPrefix(a, `<div class="markdown-alert markdown-alert-`+kind+`"`) {
			return a
		}
	}
	return ""
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// htmlText is how an address reads inside rendered HTML.
func htmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// checkHTMLSafe fails when an element other than those the views write
// reaches the page (a name from the API that became markup), or a
// <details> is left open.
func checkHTMLSafe(t *testing.T, h string) {
	t.Helper()
	allowed := map[string]bool{"h3": true, "h4": true, "p": true, "div": true, "ul": true, "li": true, "strong": true, "em": true, "code": true,
		"pre": true, "details": true, "summary": true, "table": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true,
		"blockquote": true, "br": true, "a": true}
	for _, m := range regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9]*)`).FindAllStringSubmatch(h, -1) {
		if !allowed[strings.ToLower(m[1])] {
			t.Errorf("element <%s> in the rendered plan", m[1])
		}
	}
	if o, c := strings.Count(h, "<details>"), strings.Count(h, "</details>"); o != c {
		t.Errorf("%d <details> opened, %d closed", o, c)
	}
}

// writeHTML writes a rendered plan as a page when -html-out is set. The
// page links github-markdown.css beside it, if one is put there (from the
// github-markdown-css package), and has the alert colours of its own.
func writeHTML(t *testing.T, name, body string) {
	t.Helper()
	if *htmlOut == "" {
		return
	}
	page := fmt.Sprintf(`<!doctype html>
<html><head><meta charset="utf-8"><title>%s</title>
<link rel="stylesheet" href="github-markdown.css">
<style>
body { max-width: 900px; margin: 24px auto; padding: 0 16px; }
.markdown-alert { padding: 0 16px; margin-bottom: 16px; border-left: .25em solid #d0d7de; }
.markdown-alert-title { font-weight: 600; }
.markdown-alert-caution { border-left-color: #cf222e; } .markdown-alert-caution .markdown-alert-title { color: #cf222e; }
.markdown-alert-warning { border-left-color: #9a6700; } .markdown-alert-warning .markdown-alert-title { color: #9a6700; }
.markdown-alert-note { border-left-color: #0969da; } .markdown-alert-note .markdown-alert-title { color: #0969da; }
</style></head>
<body class="markdown-body">
%s</body></html>
`, name, body)
	if err := os.MkdirAll(*htmlOut, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*htmlOut, name+".html"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCertsMarkdownHTML: in the certs table as GitHub renders it, every
// fingerprint is whole, in four lines, so that the table stays narrow
// enough not to hide its last column.
func TestCertsMarkdownHTML(t *testing.T) {
	var md bytes.Buffer
	if err := Certs(&md, certsReport(), FormatMarkdown, CertsOptions{}); err != nil {
		t.Fatal(err)
	}
	h := githubHTML(t, md.Bytes())
	writeHTML(t, "certs", h)
	if !strings.Contains(h, "<table>") {
		t.Fatalf("no table:\n%s", h)
	}
	for _, fp := range []string{fpCurrent, fpPrevious, fpSigning} {
		cell := "<code>" + fp[:24] + "</code><br><code>" + fp[24:48] + "</code><br><code>" + fp[48:72] + "</code><br><code>" + fp[72:] + "</code>"
		if !strings.Contains(h, cell) {
			t.Errorf("fingerprint %s is not whole, in four lines, in:\n%s", fp, h)
		}
	}
	checkHTMLSafe(t, h)
}
