package render

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/idpsync/idpsync/plan"
)

// MarkdownOptions fit the Markdown plan into a place with a size limit.
type MarkdownOptions struct {
	// MaxBytes, when above 0, is the most the view may take: details are
	// trimmed to fit (the field diffs first, from the last action up, then
	// whole account sections, from the last), never the danger block, an
	// alert, the summary table or the verdict.
	MaxBytes int
	// Notice says where the whole plan is (Markdown, e.g. a link to the job
	// summary), shown when something was trimmed.
	Notice string
}

// Markdown writes a plan as a pull-request comment: the title, what is
// dangerous (a CAUTION alert: destroys, lockouts, SCIM secrets to hand over,
// what makes apply refuse), the secrets the apply job must provide, the
// verdict and a table of the accounts with changes; then a section per
// account with a bullet per action and its field changes in a collapsible
// diff; warnings, the IdPs left alone, and the verdict again.
func Markdown(w io.Writer, p *plan.Plan) error {
	return MarkdownFit(w, p, MarkdownOptions{})
}

// mdSpan is a part of the rendered view that trimming may leave out.
type mdSpan struct{ start, end int }

// mdSection is one account's section and the diffs inside it.
type mdSection struct {
	mdSpan
	diffs []mdSpan
}

// mdLayout records where the trimmable parts of a rendered view are.
type mdLayout struct {
	// body is where the notice goes when something is trimmed: after the
	// head (title, danger, summary), before the account sections.
	body     int
	sections []mdSection
}

// MarkdownFit is Markdown held to opts.MaxBytes. A view that cannot fit even
// with every detail trimmed is an error: what remains is what a reviewer
// must see.
func MarkdownFit(w io.Writer, p *plan.Plan, opts MarkdownOptions) error {
	if p == nil {
		return errNil
	}
	if opts.MaxBytes <= 0 {
		v := &mdView{out: newSink(w)}
		v.plan(p, nil)
		return v.out.flush()
	}
	md, lay, err := layoutMarkdown(p)
	if err != nil {
		return err
	}
	out, err := trimPlan(md, lay, opts)
	if err != nil {
		return err
	}
	if _, err := w.Write(out); err != nil {
		return errors.Join(errors.New("writing view"), err)
	}
	return nil
}

// layoutMarkdown renders the whole view and where its trimmable parts are.
func layoutMarkdown(p *plan.Plan) ([]byte, *mdLayout, error) {
	var buf bytes.Buffer
	var lay mdLayout
	v := &mdView{out: newSink(&buf)}
	v.plan(p, &lay)
	if err := v.out.flush(); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), &lay, nil
}

// trimPlan leaves out diffs, then sections, until the view and its notice
// fit.
func trimPlan(md []byte, lay *mdLayout, opts MarkdownOptions) ([]byte, error) {
	if len(md) <= opts.MaxBytes {
		return md, nil
	}
	size := len(md)
	cutDiffs, cutSections := 0, 0
	droppedDiff := make([][]bool, len(lay.sections))
	for i := range lay.sections {
		droppedDiff[i] = make([]bool, len(lay.sections[i].diffs))
	}
	fits := func() bool {
		return size+len(trimNotice(len(md), opts, cutDiffs, cutSections)) <= opts.MaxBytes
	}
	// Diffs first, from the last one up: the first accounts keep theirs.
	for i := len(lay.sections) - 1; i >= 0 && !fits(); i-- {
		for j := len(lay.sections[i].diffs) - 1; j >= 0 && !fits(); j-- {
			d := lay.sections[i].diffs[j]
			size -= d.end - d.start
			droppedDiff[i][j] = true
			cutDiffs++
		}
	}
	// Then whole sections, from the last one up.
	last := len(lay.sections)
	for last > 0 && !fits() {
		last--
		sec := lay.sections[last]
		kept := sec.end - sec.start
		for j, d := range sec.diffs {
			if droppedDiff[last][j] {
				kept -= d.end - d.start
			} else {
				cutDiffs++ // it goes with its section
			}
		}
		size -= kept
		cutSections++
	}
	if !fits() {
		return nil, errors.New("the plan cannot be trimmed to " + strconv.Itoa(opts.MaxBytes) + " bytes: its danger block, alerts, summary and verdict alone need " +
			strconv.Itoa(size+len(trimNotice(len(md), opts, cutDiffs, cutSections))))
	}
	out := make([]byte, 0, opts.MaxBytes)
	out = append(out, md[:lay.body]...)
	out = append(out, trimNotice(len(md), opts, cutDiffs, cutSections)...)
	off := lay.body
	for i, sec := range lay.sections {
		if i >= last {
			out = append(out, md[off:sec.start]...)
			off = sec.end
			continue
		}
		for j, d := range sec.diffs {
			if droppedDiff[i][j] {
				out = append(out, md[off:d.start]...)
				off = d.end
			}
		}
	}
	out = append(out, md[off:]...)
	return out, nil
}

// trimNotice says what was left out of a view of full bytes, and where the
// rest is.
func trimNotice(full int, opts MarkdownOptions, diffs, sections int) string {
	var parts []string
	if diffs > 0 {
		parts = append(parts, plural(diffs, "field diff", "field diffs"))
	}
	if sections > 0 {
		parts = append(parts, plural(sections, "account section", "account sections"))
	}
	msg := "> [!NOTE]\n> This plan is trimmed to fit (the whole is " + strconv.Itoa(full) + " bytes): " +
		strings.Join(parts, " and ") + " left out. Every alert above and the summary are complete."
	if n := strings.TrimSpace(lineBreaks.Replace(opts.Notice)); n != "" {
		msg += " " + clean(n)
	}
	return msg + "\n\n"
}

func (v *mdView) plan(p *plan.Plan, lay *mdLayout) {
	v.out.line("### idpsync plan")
	v.out.line()
	v.danger(p)
	// The denies are in the danger block; the warnings and the waived
	// findings follow it, before the details.
	v.policyRest(p.Policy)
	if refs := deferredRefs(p); len(refs) > 0 {
		v.out.line("ℹ️ Read at apply, as designed (this plan job holds no secrets): the apply job must provide ", mdList(refs), ".")
		v.out.line()
	}
	v.changedSince(p.ChangedSince)
	groups := groupByAccount(p)
	if p.HasChanges() {
		v.out.line("**", SummaryLine(p), "**")
		v.out.line()
		v.out.line("| Account | Add | Change | Destroy |")
		v.out.line("| --- | ---: | ---: | ---: |")
		unchanged := 0
		for _, g := range groups {
			s := g.summary()
			if s == (plan.Summary{}) {
				unchanged++
				continue
			}
			v.out.line("| ", mdAccount(g.id, g.label), " | ", strconv.Itoa(s.Add), " | ", strconv.Itoa(s.Change), " | ", strconv.Itoa(s.Destroy), " |")
		}
		v.out.line()
		if unchanged > 0 {
			v.out.line("_", plural(unchanged, "more account has", "more accounts have"), " no changes._")
			v.out.line()
		}
	}
	if lay != nil {
		lay.body = v.out.n
	}
	if p.HasChanges() {
		for _, g := range groups {
			if g.summary() == (plan.Summary{}) {
				continue
			}
			var sec *mdSection
			if lay != nil {
				lay.sections = append(lay.sections, mdSection{mdSpan: mdSpan{start: v.out.n}})
				sec = &lay.sections[len(lay.sections)-1]
			}
			v.group(g, sec)
			if sec != nil {
				sec.end = v.out.n
			}
		}
	}
	v.trailer(p)
	v.out.line("**", SummaryLine(p), "**")
}

// danger writes the CAUTION alert that opens the view, from p.Dangers: one
// bullet per destroy, lockout, SCIM secret and blocker.
func (v *mdView) danger(p *plan.Plan) {
	ds := p.Dangers()
	if len(ds) == 0 {
		return
	}
	v.out.line("> [!CAUTION]")
	v.out.line("> **", escapeMD(capitalise(dangerHeadline(ds))), ".**")
	v.out.line(">")
	for i := range ds {
		d := &ds[i]
		var msg string
		switch {
		case d.Kind == plan.DangerLockout && d.Lockout != nil:
			a := plan.Action{AccountID: d.Lockout.AccountID}
			if act := findAction(p, d.Address); act != nil {
				a = *act
			}
			msg = lockoutWords(&a, *d.Lockout, true)
		case d.Kind == plan.DangerBlocker:
			msg = escapeMD(blockerMessage(d))
			msg = strings.ReplaceAll(msg, "--allow-destroy", "`--allow-destroy`")
			msg = strings.ReplaceAll(msg, "--secrets-out DIR", "`--secrets-out DIR`")
		case d.Kind == plan.DangerSCIMUndelivered:
			msg = escapeMD(d.Message)
			// The command that delivers a new secret reads as one, to copy.
			for _, u := range p.UndeliveredSCIM {
				if u.Address == d.Address && u.Command != "" && strings.HasSuffix(d.Message, u.Command) {
					msg = escapeMD(strings.TrimSuffix(d.Message, u.Command)) + codeSpan(u.Command)
				}
			}
		default:
			msg = escapeMD(d.Message)
		}
		line := "> - **" + escapeMD(dangerLabel(d.Kind)) + "**"
		if d.Address != "" {
			line += " " + codeSpan(d.Address)
		}
		v.out.line(line, ": ", msg, ".")
	}
	v.out.line()
}

func findAction(p *plan.Plan, addr string) *plan.Action {
	for i := range p.Actions {
		if p.Actions[i].Address == addr {
			return &p.Actions[i]
		}
	}
	return nil
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (v *mdView) group(g *group, sec *mdSection) {
	v.out.line("#### ", mdAccount(g.id, g.label))
	v.out.line()
	for _, a := range g.actions {
		if a.Action == plan.NoOp {
			continue
		}
		v.action(a, sec)
	}
	if n := g.noOps(); n > 0 {
		v.out.line("_", plural(n, "object", "objects"), " unchanged._")
		v.out.line()
	}
}

func (v *mdView) action(a *plan.Action, sec *mdSection) {
	v.out.line("- ", codeSpan(symbol(a.Action)), " **", escapeMD(a.Address), "** ", kindWords(a.Action), escapeMD(reasonSuffix(a)))
	for _, n := range a.Notes {
		v.out.line("  - ", escapeMD(n))
	}
	// The danger block above names each lockout; here it stays with its
	// action, for a reader of the details.
	switch {
	case a.Destructive && (a.LocksOut() || a.LockoutBlind()):
		v.out.line("  - ⚠️ destructive: needs `--allow-destroy`, even with `prune: true`")
	case a.Destructive:
		v.out.line("  - ⚠️ destructive: needs `--allow-destroy` or `prune: true`")
	}
	if len(a.LosesAccess) > 0 && len(a.Notes) == 0 {
		v.out.line("  - ⚠️ ", mdList(a.LosesAccess), losesVerb(len(a.LosesAccess)))
	}
	for _, l := range a.Lockout {
		v.out.line("  - ⛔ ", lockoutWords(a, l, true))
	}
	for _, u := range a.LockoutUnread {
		v.out.line("  - ⛔ ", unreadWords(u, true))
	}
	fs := fields(a)
	if len(fs) > 0 {
		label := plural(len(fs), "field change", "field changes")
		if len(a.Changes) == 0 {
			label = plural(len(fs), "field", "fields")
		}
		start := v.out.n
		v.details("  ", label, fs, a.Action)
		if sec != nil {
			sec.diffs = append(sec.diffs, mdSpan{start: start, end: v.out.n})
		}
	}
	v.out.line()
}
