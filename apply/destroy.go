package apply

import (
	"fmt"
	"slices"
	"strings"

	"github.com/idpsync/idpsync/plan"
)

// DestroyError lists the destructive actions a plan may not run without
// allow-destroy, and the accounts that would lose a login option.
type DestroyError struct {
	// Blocked are the destructive actions, in plan order.
	Blocked []BlockedAction
	// LosesAccess are the accounts that lose a login option, as "label (id)"
	// or the bare id, sorted.
	LosesAccess []string
}

// BlockedAction is one destructive action CheckDestroy refused.
type BlockedAction struct {
	Address string
	Action  plan.Kind
	Account string
	// Lockout are the Access applications and organizations that lose a
	// login option; when set, prune: true does not allow the action.
	Lockout []plan.Lockout
}

func (e *DestroyError) Error() string {
	var b strings.Builder
	if len(e.Blocked) == 1 {
		b.WriteString("1 destructive action is blocked; pass --allow-destroy or set prune: true on its account:")
	} else {
		fmt.Fprintf(&b, "%d destructive actions are blocked; pass --allow-destroy or set prune: true on their accounts:", len(e.Blocked))
	}
	for _, a := range e.Blocked {
		fmt.Fprintf(&b, "\n  %s (%s)", a.Address, a.Action)
		if len(a.Lockout) > 0 {
			fmt.Fprintf(&b, ": %s; prune: true does not cover this, only --allow-destroy", lockoutSummary(a.Lockout))
		}
	}
	if len(e.LosesAccess) > 0 {
		fmt.Fprintf(&b, "\naccounts that lose a login option: %s", strings.Join(e.LosesAccess, ", "))
	}
	return b.String()
}

// CheckDestroy refuses a plan with destructive actions unless allowDestroy is
// set or each such action's account has prune: true. Its error is a
// *DestroyError.
func CheckDestroy(p *plan.Plan, allowDestroy bool) error {
	if p == nil || allowDestroy {
		return nil
	}
	accounts := map[string]plan.AccountRef{}
	for _, a := range p.Accounts {
		accounts[a.ID] = a
	}
	label := func(id string) string {
		if a, ok := accounts[id]; ok && a.Label != "" && a.Label != id {
			return fmt.Sprintf("%s (%s)", a.Label, id)
		}
		return id
	}
	var e DestroyError
	losers := map[string]bool{}
	for _, a := range p.Actions {
		// Taking a login away from an Access application or organization
		// needs --allow-destroy even where the account prunes.
		if !a.Destructive || (accounts[a.AccountID].Prune && !a.LocksOut()) {
			continue
		}
		e.Blocked = append(e.Blocked, BlockedAction{Address: a.Address, Action: a.Action, Account: a.Account, Lockout: a.Lockout})
		for _, id := range a.LosesAccess {
			losers[label(id)] = true
		}
		// The IdP's own account loses it as a login option, whether or not
		// the plan lists it.
		if a.Resource == plan.ResourceIdP && (a.Action == plan.Delete || a.Action == plan.Replace) {
			losers[label(a.AccountID)] = true
		}
	}
	if len(e.Blocked) == 0 {
		return nil
	}
	for l := range losers {
		e.LosesAccess = append(e.LosesAccess, l)
	}
	slices.Sort(e.LosesAccess)
	return &e
}

// lockoutSummary names what loses a login: "Access application Wiki
// (wiki.example.com), its only IdP".
func lockoutSummary(ls []plan.Lockout) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		what := "Access application " + l.Name
		if l.Kind == plan.LockoutOrganization {
			what = "Access organization " + l.Name
		}
		if l.Domain != "" {
			what += " (" + l.Domain + ")"
		}
		if l.Only {
			what += ", its only IdP"
		}
		parts[i] = what
	}
	return "takes a login away from " + strings.Join(parts, "; ")
}
