package render

import (
	"strconv"
	"strings"

	"github.com/idpsync/idpsync/plan"
)

// maxScopedShown is how many accounts of each list of a --changed-since
// plan the text and Markdown views name; the JSON view names them all. A
// pull request in a 1,000-account estate would otherwise open its comment
// with a thousand names.
const maxScopedShown = 20

// shortCommit is the commit as git shows it in a log line.
func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

// scopedWhy says why an account of a --changed-since plan is in its list.
func scopedWhy(a plan.ScopedAccount) string {
	switch a.Reason {
	case "recipient":
		if len(a.Via) > 0 {
			return "receives a share from " + strings.Join(a.Via, ", ")
		}
		return "receives a share from a changed account"
	case "added":
		return "new"
	case "unknown":
		return "not compared"
	}
	return a.Reason
}

// scopedNames lists up to maxScopedShown accounts, each through name, and
// says how many more there are.
func scopedNames(as []plan.ScopedAccount, name func(plan.ScopedAccount) string) string {
	var parts []string
	for i, a := range as {
		if i == maxScopedShown {
			parts = append(parts, "and "+strconv.Itoa(len(as)-i)+" more (the JSON view lists them all)")
			break
		}
		parts = append(parts, name(a))
	}
	return strings.Join(parts, ", ")
}

// changedSinceHead is the sentence that opens the note of a --changed-since
// plan, without markup.
func changedSinceHead(c *plan.ChangedSince) string {
	at := c.Revision + " (" + shortCommit(c.Commit) + ")"
	if c.Whole != "" {
		return "Every account is planned although --changed-since " + at + " was given: " + c.Whole + "."
	}
	if len(c.Skipped) == 0 {
		return "Every account is planned: all changed since " + at + "."
	}
	return "Partial plan: only what changed since " + at + " is planned: " +
		plural(len(c.Planned), "account", "accounts") + " whose declarations changed or that a changed account shares with; " +
		plural(len(c.Skipped), "unchanged account was", "unchanged accounts were") + " skipped (apply plans everything; drift covers the rest)."
}

const removedWords = "no longer declared, so no longer managed: nothing is planned for them and their live IdPs stay as they are (to delete them, declare the account with `prune: true` and no IdPs, and apply that first)"

// changedSince writes the note of a --changed-since plan near the top of
// the text view.
func (v *textView) changedSince(c *plan.ChangedSince) {
	if c == nil {
		return
	}
	for i, l := range wrap(clean(changedSinceHead(c)), v.width-2) {
		if i == 0 {
			v.out.line(v.pl.dim.s("i"), " ", l)
		} else {
			v.out.line("  ", l)
		}
	}
	list := func(title string, as []plan.ScopedAccount, why bool) {
		if len(as) == 0 {
			return
		}
		names := scopedNames(as, func(a plan.ScopedAccount) string {
			if why {
				return a.Label + " (" + scopedWhy(a) + ")"
			}
			return a.Label
		})
		for i, l := range wrap(clean(title+": "+names), v.width-4) {
			if i == 0 {
				v.out.line("  ", l)
			} else {
				v.out.line("    ", l)
			}
		}
	}
	if c.Whole == "" {
		list("Planned", c.Planned, true)
		list("Skipped, unchanged", c.Skipped, false)
	}
	list("Removed ("+strings.ReplaceAll(removedWords, "`", "")+")", c.Removed, false)
	v.out.line()
}

// changedSince writes the note of a --changed-since plan near the top of
// the Markdown view: information, not a danger.
func (v *mdView) changedSince(c *plan.ChangedSince) {
	if c == nil {
		return
	}
	head := escapeMD(changedSinceHead(c))
	at := escapeMD(c.Revision + " (" + shortCommit(c.Commit) + ")")
	head = strings.Replace(head, at, codeSpan(c.Revision)+" ("+codeSpan(shortCommit(c.Commit))+")", 1)
	head = strings.Replace(head, "--changed-since", "`--changed-since`", 1)
	head = strings.Replace(head, "Partial plan:", "**Partial plan**:", 1)
	v.out.line("> [!NOTE]")
	v.out.line("> ", head)
	list := func(title string, as []plan.ScopedAccount, why bool) {
		if len(as) == 0 {
			return
		}
		v.out.line(">")
		v.out.line("> ", title, ": ", scopedNames(as, func(a plan.ScopedAccount) string {
			s := mdAccount(a.ID, a.Label)
			if why {
				s += " — " + escapeMD(scopedWhy(a))
			}
			return s
		}))
	}
	if c.Whole == "" {
		list("Planned", c.Planned, true)
		list("Skipped, unchanged", c.Skipped, false)
	}
	list("Removed ("+removedWords+")", c.Removed, false)
	v.out.line()
}
