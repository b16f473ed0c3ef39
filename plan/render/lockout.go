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
	if l.Kind == plan.LockoutOrganization {
		b.WriteString("the Access organization " + name(l.Name))
	} else {
		b.WriteString("Access application " + name(l.Name))
	}
	if l.Domain != "" {
		b.WriteString(" (" + name(l.Domain) + ")")
	}
	if l.AccountID != a.AccountID {
		b.WriteString(" in " + idptype.OwnerKind(l.AccountID) + " " + name(idptype.OwnerID(l.AccountID)))
	}
	switch {
	case l.Kind == plan.LockoutOrganization:
		b.WriteString(" redirects every login straight to this IdP, its only login method: users can no longer sign in")
	case l.Only:
		b.WriteString(" loses its ONLY allowed IdP: its users can no longer sign in")
	default:
		b.WriteString(" loses one of its allowed IdPs")
	}
	return b.String()
}
