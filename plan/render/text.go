package render

import (
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"charm.land/lipgloss/v2"

	"github.com/idpsync/idpsync/plan"
)

// paint is a style reduced to the escape codes around its text, rendered by
// lipgloss once per view rather than once per line: ten thousand actions
// would otherwise mean tens of thousands of full style renders.
type paint struct{ open, close string }

func (p paint) s(text string) string {
	if p.open == "" {
		return text
	}
	return p.open + text + p.close
}

func newPaint(st lipgloss.Style) paint {
	const marker = "X" // SGR sequences never contain it
	out := st.Render(marker)
	i := strings.Index(out, marker)
	if i < 0 {
		return paint{}
	}
	return paint{open: out[:i], close: out[i+len(marker):]}
}

type palette struct {
	add, del, chg, bold, dim, warn, danger paint
}

// Basic ANSI colours so the view reads the same on any colour terminal and
// follows the user's own theme.
func newPalette(color bool) *palette {
	if !color {
		return &palette{}
	}
	st := lipgloss.NewStyle()
	return &palette{
		add:    newPaint(st.Foreground(lipgloss.Green)),
		del:    newPaint(st.Foreground(lipgloss.Red)),
		chg:    newPaint(st.Foreground(lipgloss.Yellow)),
		bold:   newPaint(st.Bold(true)),
		dim:    newPaint(st.Faint(true)),
		warn:   newPaint(st.Foreground(lipgloss.Yellow).Bold(true)),
		danger: newPaint(st.Foreground(lipgloss.Red).Bold(true)),
	}
}

func (pl *palette) op(op byte) paint {
	switch op {
	case '+':
		return pl.add
	case '-':
		return pl.del
	case '~':
		return pl.chg
	}
	return paint{}
}

func (pl *palette) symbol(k plan.Kind) string {
	switch k {
	case plan.Create:
		return pl.add.s("+")
	case plan.Update, plan.Rotate:
		return pl.chg.s("~")
	case plan.Delete:
		return pl.del.s("-")
	case plan.Replace:
		return pl.del.s("-") + "/" + pl.add.s("+")
	}
	return symbol(k)
}

type textView struct {
	out   *sink
	pl    *palette
	width int
	brief bool
}

// Text writes the terminal view of a plan: per account, each action with its
// symbol, address, what it does and why, field by field; then warnings,
// unmanaged and received IdPs, pending transitions and the summary line.
func Text(w io.Writer, p *plan.Plan, opts Options) error {
	if p == nil {
		return errNil
	}
	v := &textView{out: newSink(w), pl: newPalette(opts.Color), width: opts.width(), brief: opts.Brief}
	ds := p.Dangers()
	if len(ds) > 0 {
		v.out.line(v.pl.danger.s("DANGER: "+dangerHeadline(ds)+"."), " Review these first:")
		v.dangers(p, ds)
		v.out.line()
	}
	if refs := deferredRefs(p); len(refs) > 0 {
		for i, l := range wrap("Read at apply, as designed (this plan holds no secrets): the apply job must provide "+clean(strings.Join(refs, ", "))+".", v.width-2) {
			if i == 0 {
				v.out.line(v.pl.dim.s("i"), " ", l)
			} else {
				v.out.line("  ", l)
			}
		}
		v.out.line()
	}
	v.changedSince(p.ChangedSince)
	if p.HasChanges() {
		v.out.line("idpsync will perform the following actions:")
		v.out.line()
	}
	for _, g := range groupByAccount(p) {
		if len(g.actions) == 0 {
			continue
		}
		v.group(g)
	}
	v.trailer(p)
	v.policy(p.Policy)
	if len(ds) > 0 {
		// The end of a long plan is what stays on the screen: the dangers
		// are said again right above the verdict.
		v.out.line(v.pl.danger.s("Recap: " + dangerHeadline(ds) + ":"))
		v.dangers(p, ds)
		v.out.line()
	}
	v.out.line(v.pl.bold.s(SummaryLine(p)))
	return v.out.flush()
}

// Recap writes the dangers of p (destroys, lockouts, SCIM secrets, what
// makes apply refuse) as the terminal plan ends with them, for the
// confirmation prompt to repeat. Nothing when there are none.
func Recap(w io.Writer, p *plan.Plan, opts Options) error {
	if p == nil {
		return errNil
	}
	v := &textView{out: newSink(w), pl: newPalette(opts.Color), width: opts.width(), brief: opts.Brief}
	if ds := p.Dangers(); len(ds) > 0 {
		v.out.line(v.pl.danger.s("This apply will: " + dangerHeadline(ds) + ":"))
		v.dangers(p, ds)
	}
	return v.out.flush()
}

// dangers writes one "! <label> <address>: <message>" per danger, wrapped.
func (v *textView) dangers(p *plan.Plan, ds []plan.Danger) {
	for i := range ds {
		d := &ds[i]
		msg := d.Message
		switch {
		case d.Kind == plan.DangerLockout && d.Lockout != nil:
			a := plan.Action{AccountID: d.Lockout.AccountID}
			if act := findAction(p, d.Address); act != nil {
				a = *act
			}
			msg = lockoutWords(&a, *d.Lockout, false)
		case d.Kind == plan.DangerBlocker:
			msg = blockerMessage(d)
		}
		head := dangerLabel(d.Kind)
		if d.Address != "" {
			head += " " + d.Address
		}
		text := clean(head) + ": " + clean(msg)
		for j, l := range wrap(text, v.width-4) {
			if j == 0 {
				v.out.line("  ", v.pl.danger.s("!"), " ", l)
			} else {
				v.out.line("    ", l)
			}
		}
	}
}

func (v *textView) group(g *group) {
	v.out.line(v.pl.bold.s(clean(accountTitle(g.id, g.label))))
	v.out.line()
	for _, a := range g.actions {
		if a.Action == plan.NoOp {
			continue
		}
		v.action(a)
	}
	if n := g.noOps(); n > 0 {
		v.out.line(v.pl.dim.s("  " + plural(n, "object", "objects") + " unchanged"))
		v.out.line()
	}
}

func (v *textView) action(a *plan.Action) {
	v.out.line("  # ", v.pl.bold.s(clean(a.Address)), " ", kindWords(a.Action), reasonSuffix(a))
	subj := subject(a)
	if id := liveID(a); id != "" {
		subj += v.pl.dim.s(" (id " + clean(id) + ")")
	}
	v.out.line("  ", v.pl.symbol(a.Action), " ", subj)
	for _, f := range fields(a) {
		v.field(&f, a.Action, "      ")
	}
	// The diff's notes already say who loses access, and why it matters.
	if len(a.LosesAccess) > 0 && len(a.Notes) == 0 {
		msg := clean(strings.Join(a.LosesAccess, ", ")) + losesVerb(len(a.LosesAccess))
		v.bang(v.pl.danger, msg)
	}
	for _, n := range a.Notes {
		v.bang(v.pl.warn, clean(n))
	}
	for _, l := range a.Lockout {
		v.bang(v.pl.danger, lockoutWords(a, l, false))
	}
	for _, u := range a.LockoutUnread {
		v.bang(v.pl.danger, "who loses a login is unknown: "+unreadWords(u, false))
	}
	if (a.LocksOut() || a.LockoutBlind()) && a.Destructive {
		v.bang(v.pl.danger, ownerWords(a, "needs --allow-destroy, even where the account has prune: true"))
	}
	v.out.line()
}

func reasonSuffix(a *plan.Action) string {
	if a.Reason == "" {
		return ""
	}
	return " (" + ownerWords(a, reasonWords(a.Reason)) + ")"
}

// bang writes a "! ..." line, wrapped to the width with a hanging indent.
func (v *textView) bang(p paint, msg string) {
	const indent = "      "
	for i, l := range wrap(msg, v.width-len(indent)-2) {
		if i == 0 {
			v.out.line(indent, p.s("!"), " ", l)
			continue
		}
		v.out.line(indent, "  ", l)
	}
}

func (v *textView) field(f *field, k plan.Kind, indent string) {
	op := v.pl.op(f.op).s(string(f.op))
	path := clean(f.path)
	if note, ok := sensitiveNote(f, k); ok {
		v.out.line(indent, op, " ", path, ": ", v.pl.dim.s(note))
		return
	}
	if before, after, ok := multiline(f); ok {
		v.out.line(indent, op, " ", path, ":", v.source(f))
		sub := indent + "    "
		for _, d := range lineDiff(before, after) {
			switch d.op {
			case '@':
				v.out.line(sub, v.pl.dim.s("⋯ "+plural(d.skip, "unchanged line", "unchanged lines")))
			case ' ':
				v.out.line(sub, "  ", clean(d.text))
			default:
				v.out.line(sub, v.pl.op(d.op).s(string(d.op)+" "+clean(d.text)))
			}
		}
		return
	}
	src := v.source(f)
	switch f.op {
	case '+':
		v.out.line(indent, op, " ", path, ": ", value(f.after), src)
	case '-':
		v.out.line(indent, op, " ", path, ": ", value(f.before), src)
	default:
		v.out.line(indent, op, " ", path, ": ", value(f.before), " → ", value(f.after), src)
	}
}

// source is the dimmed " (from metadata okta.xml)" of a field, or "".
func (v *textView) source(f *field) string {
	if s := sourceSuffix(f); s != "" {
		return v.pl.dim.s(s)
	}
	return ""
}

func (v *textView) trailer(p *plan.Plan) {
	for _, w := range p.Warnings {
		addr := clean(w.Address)
		head := v.pl.warn.s("Warning:") + " " + v.pl.bold.s(addr) + ": "
		lines := wrapFrom(clean(w.Message), v.width-utf8.RuneCountInString("Warning: "+addr+": "), v.width-2)
		v.out.line(head, lines[0])
		for _, l := range lines[1:] {
			v.out.line("  ", l)
		}
		if w.Detail != "" {
			for _, l := range wrap(clean(w.Detail), v.width-2) {
				v.out.line("  ", l)
			}
		}
		v.out.line()
	}
	if len(p.Unmanaged) > 0 {
		v.out.line(v.pl.bold.s("Unmanaged (left alone; set prune: true to delete):"))
		for _, u := range p.Unmanaged {
			v.out.line("  * ", clean(u.Address), v.pl.dim.s(" ("+clean(idAndType(u.Type, u.ID))+")"))
		}
		v.out.line()
	}
	if v.brief && len(p.Received) > 0 {
		v.out.line("Received from other accounts: ", plural(len(p.Received), "IdP", "IdPs"), " (read-only; --verbose lists them)")
		v.out.line()
	}
	for _, r := range p.Received {
		if v.brief {
			break
		}
		from := "another account"
		switch {
		case r.FromAccount != "":
			from = "account " + r.FromAccount
		case len(r.FromCandidates) > 0:
			from = "one of accounts " + strings.Join(r.FromCandidates, ", ") + " (the API does not say which)"
		}
		v.out.line("Received from ", clean(from), ": ", clean(r.Address), v.pl.dim.s(" (read-only, "+clean(idAndType("", r.ID))+")"))
	}
	if len(p.Received) > 0 && !v.brief {
		v.out.line()
	}
	if len(p.Pending) > 0 {
		v.out.line(v.pl.bold.s("Pending (transitions still under way):"))
		for _, pd := range p.Pending {
			v.out.line("  * ", clean(pd.Address), ": ", clean(pd.Status))
		}
		v.out.line()
	}
}

func idAndType(typ, id string) string {
	parts := make([]string, 0, 2)
	if typ != "" {
		parts = append(parts, typ)
	}
	if id != "" {
		parts = append(parts, "id "+id)
	}
	return strings.Join(parts, ", ")
}

// DriftText writes the terminal view of a drift report: the findings grouped
// by category with counts, unverifiable fields apart as information, and the
// verdict line.
func DriftText(w io.Writer, r *plan.DriftReport, opts Options) error {
	if r == nil {
		return errNil
	}
	v := &textView{out: newSink(w), pl: newPalette(opts.Color), width: opts.width(), brief: opts.Brief}
	cats, items := driftGroups(r)
	for _, c := range cats {
		its := items[c]
		if len(its) == 0 {
			continue
		}
		title := driftTitle(c) + " (" + strconv.Itoa(len(its)) + ")"
		if c == plan.DriftUnverifiable {
			title = "Unverifiable (" + strconv.Itoa(len(its)) + "), for information only: write-only fields cannot be read back, so they never count as drift"
		}
		v.out.line(v.pl.bold.s(title + ":"))
		for _, it := range its {
			v.driftItem(c, it)
		}
		v.out.line()
	}
	v.policy(r.Policy)
	if len(r.StaleExceptions) > 0 {
		v.out.line(v.pl.bold.s("Stale exceptions (" + strconv.Itoa(len(r.StaleExceptions)) + "): they match no drift; remove them from drift.exceptions:"))
		for _, x := range r.StaleExceptions {
			v.out.line("  - ", clean(staleLine(x)))
		}
		v.out.line()
	}
	if r.AttributionUnavailable != "" {
		v.out.line(v.pl.dim.s("Note: " + clean(r.AttributionUnavailable)))
		v.out.line()
	}
	verdict := DriftLine(r)
	if r.Drifted {
		verdict = v.pl.warn.s(verdict)
	} else {
		verdict = v.pl.bold.s(verdict)
	}
	v.out.line(verdict)
	return v.out.flush()
}

func driftSymbol(c plan.DriftCategory) byte {
	switch c {
	case plan.DriftChanged:
		return '~'
	case plan.DriftMissing:
		return '+'
	case plan.DriftUnmanaged:
		return '?'
	case plan.DriftPending:
		return '*'
	case plan.DriftCertificate, plan.DriftSCIMSecret:
		return '!'
	}
	return 'i'
}

func (v *textView) driftItem(c plan.DriftCategory, it *plan.DriftItem) {
	sym := string(driftSymbol(c))
	switch c {
	case plan.DriftChanged:
		sym = v.pl.chg.s(sym)
	case plan.DriftMissing:
		sym = v.pl.add.s(sym)
	case plan.DriftCertificate, plan.DriftSCIMSecret:
		sym = v.pl.warn.s(sym)
	case plan.DriftUnverifiable:
		sym = v.pl.dim.s(sym)
	}
	head := "  " + sym + " " + v.pl.bold.s(clean(it.Address))
	if it.Message == "" {
		v.out.line(head)
	} else {
		lines := wrapFrom(clean(it.Message), v.width-utf8.RuneCountInString(clean(it.Address))-6, v.width-6)
		v.out.line(head, ": ", lines[0])
		for _, l := range lines[1:] {
			v.out.line("      ", l)
		}
	}
	for _, l := range []string{attributionLine(it.Attribution), exceptionLine(it)} {
		if l != "" {
			v.out.line("      ", v.pl.dim.s(clean(l)))
		}
	}
	fs := driftFields(it)
	if len(fs) > 0 && c != plan.DriftUnverifiable {
		// Which side is which: a drift diff is read without a plan around it.
		v.out.line("      ", v.pl.dim.s("(- live, + declared; ~ live → declared)"))
	}
	for _, f := range fs {
		v.field(&f, "", "      ")
	}
}
