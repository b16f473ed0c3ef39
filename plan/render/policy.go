package render

import (
	"strconv"
	"strings"

	"github.com/idpsync/idpsync/plan"
)

// policyCounts counts findings as the views head them: unwaived denies,
// waived findings, and warnings (expired waivers among them).
func policyCounts(rs []plan.PolicyResult) (denied, waived, warned int) {
	for _, r := range rs {
		switch {
		case r.Waived:
			waived++
		case r.Level == "deny":
			denied++
		default:
			warned++
		}
	}
	return
}

func policyHeading(rs []plan.PolicyResult) string {
	d, w, wa := policyCounts(rs)
	var parts []string
	if d > 0 {
		parts = append(parts, strconv.Itoa(d)+" denied")
	}
	if w > 0 {
		parts = append(parts, strconv.Itoa(w)+" waived")
	}
	if wa > 0 {
		parts = append(parts, plural(wa, "warning", "warnings"))
	}
	return "Policy (" + strings.Join(parts, ", ") + ")"
}

// PolicyVerdict is the line that says what an unwaived deny does, or "".
func PolicyVerdict(rs []plan.PolicyResult) string {
	d, _, _ := policyCounts(rs)
	if d == 0 {
		return ""
	}
	return "Policy denies this plan (" + plural(d, "finding", "findings") + "): apply refuses it until each is fixed or waived."
}

func policyTag(r plan.PolicyResult) string {
	switch {
	case r.Waived:
		return "WAIVED"
	case r.Level == "deny":
		return "DENY"
	}
	return "WARN"
}

// policy writes the Policy section of a terminal view.
func (v *textView) policy(rs []plan.PolicyResult) {
	if len(rs) == 0 {
		return
	}
	v.out.line(v.pl.bold.s(policyHeading(rs) + ":"))
	for _, r := range rs {
		tag := policyTag(r)
		p := v.pl.warn
		switch tag {
		case "DENY":
			p = v.pl.danger
		case "WAIVED":
			p = v.pl.dim
		}
		head := "  " + p.s(tag) + strings.Repeat(" ", 7-len(tag)) + v.pl.bold.s(clean(r.Address)) + v.pl.dim.s(" ("+clean(r.Rule)+")")
		v.out.line(head)
		const indent = "         "
		for _, l := range wrap(clean(r.Message), v.width-len(indent)) {
			v.out.line(indent, l)
		}
		if r.Waived && r.Waiver != nil {
			for _, l := range wrap("waived until "+clean(r.Waiver.Until)+": "+clean(r.Waiver.Reason), v.width-len(indent)) {
				v.out.line(indent, v.pl.dim.s(l))
			}
		}
	}
	v.out.line()
	if verdict := PolicyVerdict(rs); verdict != "" {
		v.out.line(v.pl.danger.s(verdict))
		v.out.line()
	}
}

// mdPolicyDenied writes the unwaived denies as a caution alert: they stop
// the apply, so a reviewer reads them first.
func (v *mdView) policyDenied(rs []plan.PolicyResult) {
	if d, _, _ := policyCounts(rs); d == 0 {
		return
	}
	v.out.line("> [!CAUTION]")
	v.out.line("> **", escapeMD(PolicyVerdict(rs)), "**")
	v.out.line(">")
	for _, r := range rs {
		if r.Level == "deny" && !r.Waived {
			v.out.line("> - ", codeSpan(r.Address), " (", escapeMD(r.Rule), "): ", escapeMD(r.Message))
		}
	}
	v.out.line()
}

// policyRest writes the findings that do not stop the apply: warnings and
// waived findings, each waiver with its reason and date.
func (v *mdView) policyRest(rs []plan.PolicyResult) {
	d, w, wa := policyCounts(rs)
	if w+wa == 0 {
		return
	}
	_ = d
	v.out.line("**", escapeMD(policyHeading(rs)), "**")
	v.out.line()
	for _, r := range rs {
		switch {
		case r.Waived:
			line := "- waived " + escapeMD(r.Level) + ": " + codeSpan(r.Address) + " (" + escapeMD(r.Rule) + "): " + escapeMD(r.Message)
			if r.Waiver != nil {
				line += " — until " + escapeMD(r.Waiver.Until) + ": " + escapeMD(r.Waiver.Reason)
			}
			v.out.line(line)
		case r.Level != "deny":
			v.out.line("- warn: ", codeSpan(r.Address), " (", escapeMD(r.Rule), "): ", escapeMD(r.Message))
		}
	}
	v.out.line()
}
