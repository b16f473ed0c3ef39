package render

import (
	"strings"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan"
)

// lockoutWords says what one Lockout means for its users, in plain words
// shared by the text and Markdown views; md formats names as code spans.
func lockoutWords(a *plan.Action, l plan.Lockout, md bool) string {
	name := func(s string) string {
		if md {
			return codeSpan(s)
		}
		return clean(s)
	}
	var b strings.Builder
	switch l.Kind {
	case plan.LockoutOrganization:
		b.WriteString("the Access organization " + name(l.Name))
	case plan.LockoutPolicy:
		b.WriteString("Access policy " + name(l.Name))
		if l.Application != "" {
			b.WriteString(" of application " + name(l.Application))
		} else {
			b.WriteString(" (reusable)")
		}
	default:
		b.WriteString("Access application " + name(l.Name))
	}
	if l.Domain != "" {
		b.WriteString(" (" + name(l.Domain) + ")")
	}
	if l.AccountID != a.AccountID {
		b.WriteString(" in " + idptype.OwnerKind(l.AccountID) + " " + name(idptype.OwnerID(l.AccountID)))
	}
	b.WriteString(" " + plan.LockoutVerb(l, name(strings.Join(l.Rules, ", "))))
	return b.String()
}

// unreadWords says what the lockout analysis could not read for an action.
func unreadWords(u plan.LockoutUnread, md bool) string {
	if md {
		return "who loses a login is unknown: " + idptype.OwnerKind(u.AccountID) + " " + codeSpan(idptype.OwnerID(u.AccountID)) + ": " + escapeMD(u.What) + " could not be read: " + escapeMD(u.Why)
	}
	return clean(plan.UnreadMessage(u))
}
