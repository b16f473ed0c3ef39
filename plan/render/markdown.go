package render

import (
	"io"
	"strconv"
	"strings"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan"
)

// mdEscaper backslash-escapes what would otherwise turn a name into emphasis,
// code, a link or a table cell boundary, and keeps raw HTML out.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`,
	"`", "\\`",
	`*`, `\*`,
	`_`, `\_`,
	`|`, `\|`,
	`[`, `\[`,
	`]`, `\]`,
	`~`, `\~`,
	`<`, `&lt;`,
	`>`, `&gt;`,
	`&`, `&amp;`,
)

var lineBreaks = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")

// escapeMD makes text from names, addresses and messages literal in
// GitHub-flavoured Markdown. Line breaks would end a table row or list item,
// so they become spaces.
func escapeMD(s string) string {
	return mdEscaper.Replace(clean(lineBreaks.Replace(s)))
}

// codeSpan wraps s in a code span long enough that backticks inside it cannot
// close it. A backslash is literal inside a code span, so a pipe is left as
// it is: in a table cell, use cellCodeSpan.
func codeSpan(s string) string {
	return fencedCode(clean(lineBreaks.Replace(s)))
}

// cellCodeSpan is codeSpan for a table cell, where GitHub splits the row at
// every unescaped pipe before it parses code spans, and takes \| back to a
// pipe inside them.
func cellCodeSpan(s string) string {
	return fencedCode(strings.ReplaceAll(clean(lineBreaks.Replace(s)), "|", `\|`))
}

func fencedCode(s string) string {
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

func longestRun(s string, c byte) int {
	best, cur := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			cur++
			best = max(best, cur)
		} else {
			cur = 0
		}
	}
	return best
}

func mdAccount(id, label string) string {
	// A zone shows its bare id, marked as a zone, never its owner key.
	bare, kind := idptype.OwnerID(id), ""
	if idptype.IsZone(id) {
		kind = "zone "
	}
	// The summary table shows it in a cell.
	if label == "" || label == id || label == bare {
		return kind + cellCodeSpan(bare)
	}
	return escapeMD(label) + " (" + kind + cellCodeSpan(bare) + ")"
}

type mdView struct {
	out *sink
}

// details writes a collapsible block holding a diff of the fields. The blank
// line after <summary> lets GitHub parse the fence inside as Markdown.
func (v *mdView) details(indent, summary string, fs []field, k plan.Kind) {
	var body []string
	for i := range fs {
		body = appendDiff(body, &fs[i], k)
	}
	run := 0
	for _, l := range body {
		run = max(run, longestRun(l, '`'))
	}
	fence := strings.Repeat("`", max(3, run+1))
	v.out.line()
	v.out.line(indent, "<details><summary>", summary, "</summary>")
	v.out.line()
	v.out.line(indent, fence, "diff")
	for _, l := range body {
		v.out.line(indent, l)
	}
	v.out.line(indent, fence)
	v.out.line()
	v.out.line(indent, "</details>")
}

// appendDiff renders a field as lines of a ```diff block, where only the
// first column colours a line.
func appendDiff(body []string, f *field, k plan.Kind) []string {
	path := clean(f.path)
	if note, ok := sensitiveNote(f, k); ok {
		op := string(f.op)
		if f.op == '~' {
			op = "!"
		}
		return append(body, op+" "+path+": "+note)
	}
	if before, after, ok := multiline(f); ok {
		body = append(body, "@@ "+path+sourceSuffix(f)+" @@")
		for _, d := range lineDiff(before, after) {
			if d.op == '@' {
				body = append(body, "@@ "+plural(d.skip, "unchanged line", "unchanged lines")+" @@")
				continue
			}
			body = append(body, string(d.op)+" "+clean(d.text))
		}
		return body
	}
	src := sourceSuffix(f)
	switch f.op {
	case '+':
		return append(body, "+ "+path+": "+value(f.after)+src)
	case '-':
		return append(body, "- "+path+": "+value(f.before)+src)
	}
	return append(body, "- "+path+": "+value(f.before), "+ "+path+": "+value(f.after)+src)
}

func (v *mdView) trailer(p *plan.Plan) {
	for _, w := range p.Warnings {
		v.out.line("> [!WARNING]")
		v.out.line("> **", escapeMD(w.Address), "**: ", escapeMD(w.Message))
		if w.Detail != "" {
			v.out.line(">")
			v.out.line("> ", escapeMD(w.Detail))
		}
		v.out.line()
	}
	if len(p.Unmanaged) > 0 {
		v.out.line("**Unmanaged** (left alone; set `prune: true` to delete):")
		v.out.line()
		for _, u := range p.Unmanaged {
			line := "- " + escapeMD(u.Address)
			if u.Type != "" {
				line += " — " + escapeMD(u.Type)
			}
			if u.ID != "" {
				line += ", id " + codeSpan(u.ID)
			}
			v.out.line(line)
		}
		v.out.line()
	}
	if len(p.Received) > 0 {
		v.out.line("**Received** (read-only federated connections):")
		v.out.line()
		for _, r := range p.Received {
			from := "another account"
			switch {
			case r.FromAccount != "":
				from = "account " + codeSpan(r.FromAccount)
			case len(r.FromCandidates) > 0:
				from = "one of accounts " + mdList(r.FromCandidates) + " (the API does not say which)"
			}
			v.out.line("- ", escapeMD(r.Address), " — received from ", from)
		}
		v.out.line()
	}
	if len(p.Pending) > 0 {
		v.out.line("**Pending** (transitions still under way):")
		v.out.line()
		for _, pd := range p.Pending {
			v.out.line("- ", escapeMD(pd.Address), ": ", escapeMD(pd.Status))
		}
		v.out.line()
	}
}

// DriftMarkdown writes a drift report as Markdown: a table of counts per
// category, a section per category with findings, and the verdict line.
func DriftMarkdown(w io.Writer, r *plan.DriftReport) error {
	if r == nil {
		return errNil
	}
	v := &mdView{out: newSink(w)}
	v.out.line("### idpsync drift")
	v.out.line()
	v.policyDenied(r.Policy)
	v.policyRest(r.Policy)
	cats, items := driftGroups(r)
	// What changed and who changed it lead, before the categories.
	var changed []*plan.DriftItem
	for i := range r.Items {
		if it := &r.Items[i]; it.Category != plan.DriftUnverifiable {
			changed = append(changed, it)
		}
	}
	if len(changed) > 0 {
		v.out.line("**", DriftLine(r), "**")
		v.out.line()
		v.out.line("| What | Drift | Who | When | How |")
		v.out.line("| --- | --- | --- | --- | --- |")
		for _, it := range changed {
			drift := string(it.Category)
			if l := exceptionLine(it); l != "" {
				drift += "; " + l
			}
			who, when, how := "—", "", ""
			if a := it.Attribution; a != nil {
				who, when, how = a.Actor, a.Time.UTC().Format("2006-01-02 15:04 UTC"), a.Interface
				if a.Inferred {
					who += " (inferred)"
				}
			}
			v.out.line("| ", escapeMD(it.Address), " | ", escapeMD(drift), " | ", escapeMD(who), " | ", when, " | ", escapeMD(how), " |")
		}
		v.out.line()
		if r.AttributionUnavailable != "" {
			v.out.line("> [!NOTE]")
			v.out.line("> ", escapeMD(r.AttributionUnavailable))
			v.out.line()
		}
	}
	if len(r.StaleExceptions) > 0 {
		v.out.line("> [!WARNING]")
		v.out.line("> Stale drift exceptions: they match no drift; remove them from `drift.exceptions`:")
		for _, x := range r.StaleExceptions {
			v.out.line("> - ", escapeMD(staleLine(x)))
		}
		v.out.line()
	}
	if len(r.Items) > 0 {
		v.out.line("| Category | Count |")
		v.out.line("| --- | ---: |")
		for _, c := range cats {
			name := string(c)
			if (c == plan.DriftDuplicate || c == plan.DriftCloudflare || c == plan.DriftSCIMSecret) && len(items[c]) == 0 {
				continue // rare: a row only when present
			}
			if c == plan.DriftUnverifiable {
				name += " (informational)"
			}
			v.out.line("| ", escapeMD(name), " | ", strconv.Itoa(len(items[c])), " |")
		}
		v.out.line()
	}
	for _, c := range cats {
		its := items[c]
		if len(its) == 0 {
			continue
		}
		v.out.line("#### ", escapeMD(driftTitle(c)), " (", strconv.Itoa(len(its)), ")")
		v.out.line()
		if c == plan.DriftUnverifiable {
			v.out.line("> [!NOTE]")
			v.out.line("> Write-only fields cannot be read back to compare. They are listed for information and never count as drift.")
			v.out.line()
		}
		for _, it := range its {
			line := "- **" + escapeMD(it.Address) + "**"
			if it.Message != "" {
				line += ": " + escapeMD(it.Message)
			}
			for _, l := range []string{attributionLine(it.Attribution), exceptionLine(it)} {
				if l != "" {
					line += " — " + escapeMD(l)
				}
			}
			v.out.line(line)
			if fs := driftFields(it); len(fs) > 0 {
				label := plural(len(fs), "field change", "field changes")
				if c != plan.DriftUnverifiable {
					label += " (- live, + declared)"
				}
				v.details("  ", label, fs, "")
			}
		}
		v.out.line()
	}
	v.out.line("**", DriftLine(r), "**")
	return v.out.flush()
}

func mdList(ids []string) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = codeSpan(id)
	}
	return strings.Join(parts, ", ")
}
