package render

import (
	"strconv"
	"strings"

	"github.com/idpsync/idpsync/plan"
)

// dangerLabel is the word a danger is introduced by in every view. A kind
// newer than this view still reads as words.
func dangerLabel(k plan.DangerKind) string {
	switch k {
	case plan.DangerDestroy:
		return "Destroy"
	case plan.DangerLockout:
		return "Lockout"
	case plan.DangerSCIMSecret:
		return "SCIM secret"
	case plan.DangerSCIMUndelivered:
		return "SCIM secret never delivered"
	case plan.DangerBlocker:
		return "Apply will refuse"
	case plan.DangerPolicy:
		return "Policy denies"
	}
	s := strings.ReplaceAll(string(k), "_", " ")
	if s == "" {
		return "Danger"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// dangerHeadline counts the dangers by kind: "2 to destroy, 3 lockouts, 1
// SCIM secret to hand over; apply will refuse it as it stands".
func dangerHeadline(ds []plan.Danger) string {
	counts := map[plan.DangerKind]int{}
	var order []plan.DangerKind
	for _, d := range ds {
		if counts[d.Kind] == 0 {
			order = append(order, d.Kind)
		}
		counts[d.Kind]++
	}
	var parts []string
	refuse := false
	for _, k := range order {
		n := counts[k]
		switch k {
		case plan.DangerDestroy:
			parts = append(parts, strconv.Itoa(n)+" to destroy")
		case plan.DangerLockout:
			parts = append(parts, plural(n, "lockout", "lockouts"))
		case plan.DangerSCIMSecret:
			parts = append(parts, plural(n, "SCIM secret", "SCIM secrets")+" to hand over")
		case plan.DangerSCIMUndelivered:
			parts = append(parts, plural(n, "SCIM secret", "SCIM secrets")+" never delivered")
		case plan.DangerBlocker:
			refuse = true
		case plan.DangerPolicy:
			parts = append(parts, plural(n, "policy deny", "policy denies"))
			refuse = true
		default:
			parts = append(parts, strconv.Itoa(n)+" "+strings.ToLower(dangerLabel(k)))
		}
	}
	s := strings.Join(parts, ", ")
	if refuse {
		if s != "" {
			s += "; "
		}
		s += "apply will refuse this plan as it stands"
	}
	return s
}

// deferredLine is the one informational line about the secrets the apply
// job must provide, or "".
func deferredRefs(p *plan.Plan) []string {
	var refs []string
	for _, b := range p.Blockers {
		if b.Code == plan.BlockSecret && b.Expected {
			refs = append(refs, b.Refs...)
		}
	}
	return refs
}

// blockerMessage is what a blocker's danger says: the problem, and what
// apply needs to go through.
func blockerMessage(d *plan.Danger) string {
	if d.Blocker == nil {
		return d.Message
	}
	return d.Blocker.Message + "; apply needs " + d.Blocker.Resolve
}
