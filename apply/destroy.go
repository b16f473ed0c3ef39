package apply

import (
	"fmt"
	"slices"
	"strings"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/internal/sanitize"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/plan/addr"
	lstate "github.com/idpsync/idpsync/state" // apply has a type named state
)

// DestroyError lists the destructive actions a plan may not run without
// allow-destroy, and the accounts and zones that would lose a login option.
type DestroyError struct {
	// Blocked are the destructive actions, in plan order.
	Blocked []BlockedAction
	// LosesAccess are the accounts that lose a login option, as "label (id)"
	// or the bare id, sorted.
	LosesAccess []string
	// ZonesLoseAccess are the zones whose zone-level IdP goes, named like
	// LosesAccess with the bare zone id, sorted.
	ZonesLoseAccess []string
}

// BlockedAction is one destructive action CheckDestroy refused.
type BlockedAction struct {
	Address string
	Action  plan.Kind
	Account string
	// Owner is the owner key: an account id, or idptype.ZoneKey of a zone,
	// whose prune: true would allow the action.
	Owner string
	// Lockout are the Access applications and organizations that lose a
	// login option; when set, prune: true does not allow the action.
	Lockout []plan.Lockout
	// Unread is what the lockout analysis could not read for the action;
	// when set, prune: true does not allow it either: a check that could not
	// read what it needs fails closed.
	Unread []plan.LockoutUnread
}

func (e *DestroyError) Error() string {
	var b strings.Builder
	// prune: true is no way out for an action that locks users out.
	pruneHelps := false
	// prune: true is set on the account or the zone that owns the IdP.
	accounts, zones := false, false
	for _, a := range e.Blocked {
		if len(a.Lockout) == 0 && len(a.Unread) == 0 {
			pruneHelps = true
			zone := idptype.IsZone(a.Owner)
			accounts, zones = accounts || !zone, zones || zone
		}
	}
	owners := "accounts"
	switch {
	case accounts && zones:
		owners = "accounts and zones"
	case zones:
		owners = "zones"
	}
	switch {
	case len(e.Blocked) == 1 && pruneHelps:
		fmt.Fprintf(&b, "1 destructive action is blocked; pass --allow-destroy or set prune: true on its %s:", strings.TrimSuffix(owners, "s"))
	case len(e.Blocked) == 1:
		b.WriteString("1 destructive action is blocked; pass --allow-destroy (prune: true does not cover it):")
	case pruneHelps:
		fmt.Fprintf(&b, "%d destructive actions are blocked; pass --allow-destroy or set prune: true on their %s:", len(e.Blocked), owners)
	default:
		fmt.Fprintf(&b, "%d destructive actions are blocked; pass --allow-destroy (prune: true does not cover them):", len(e.Blocked))
	}
	for _, a := range e.Blocked {
		fmt.Fprintf(&b, "\n  %s (%s)", a.Address, a.Action)
		if len(a.Lockout) > 0 {
			fmt.Fprintf(&b, ": %s", lockoutSummary(a.Owner, a.Lockout))
		}
		if len(a.Unread) > 0 {
			if len(a.Lockout) > 0 {
				b.WriteString(";")
			} else {
				b.WriteString(":")
			}
			b.WriteString(" who loses a login is unknown")
			for _, u := range a.Unread {
				fmt.Fprintf(&b, "\n    %s", sanitize.Text(u.String()))
			}
		}
		if (len(a.Lockout) > 0 || len(a.Unread) > 0) && pruneHelps {
			b.WriteString("\n    prune: true does not cover this, only --allow-destroy")
		}
	}
	if len(e.LosesAccess) > 0 {
		fmt.Fprintf(&b, "\naccounts that lose a login option: %s", strings.Join(e.LosesAccess, ", "))
	}
	if len(e.ZonesLoseAccess) > 0 {
		fmt.Fprintf(&b, "\nzones that lose a login option: %s", strings.Join(e.ZonesLoseAccess, ", "))
	}
	return b.String()
}

// CheckDestroy refuses a plan with destructive actions unless allowDestroy is
// set or each such action's account or zone has prune: true; an action that
// takes a login away from an Access application or organization
// (plan.Action.LocksOut) needs allowDestroy whatever prune says. Its error
// is a *DestroyError.
//
// It never trusts the plan's own Destructive flags: a saved plan travels
// between jobs, so what counts as destructive is derived again from what each
// action does (Destructive). The one exemption, deleting a duplicate left by
// overlapping runs, holds only where live (as read at apply time) shows the
// twin that stays (see repairs).
func CheckDestroy(p *plan.Plan, live *lstate.Live, allowDestroy bool) error {
	if p == nil || allowDestroy {
		return nil
	}
	repair := repairs(p, live)
	accounts := map[string]plan.AccountRef{}
	for _, a := range p.Accounts {
		accounts[a.ID] = a
	}
	// label names an owner by its label and bare id: a zone's owner key
	// never reaches a message.
	label := func(id string) string {
		bare := idptype.OwnerID(id)
		if a, ok := accounts[id]; ok && a.Label != "" && a.Label != id && a.Label != bare {
			return fmt.Sprintf("%s (%s)", a.Label, bare)
		}
		return bare
	}
	var e DestroyError
	losers, zoneLosers := map[string]bool{}, map[string]bool{}
	for _, a := range p.Actions {
		// Taking a login away from an Access application or organization
		// needs --allow-destroy even where the account prunes, or where the
		// deletion repairs a duplicate.
		// So does an action whose consequences could not be read in full.
		sticky := a.LocksOut() || a.LockoutBlind()
		if !(Destructive(a) || sticky) || (repair[a.Address] || accounts[a.AccountID].Prune) && !sticky {
			continue
		}
		e.Blocked = append(e.Blocked, BlockedAction{Address: a.Address, Action: a.Action, Account: a.Account, Owner: a.AccountID, Lockout: a.Lockout, Unread: a.LockoutUnread})
		for _, id := range a.LosesAccess {
			losers[label(id)] = true
		}
		// The IdP's own account or zone loses it as a login option, whether
		// or not the plan lists it.
		if a.Resource == plan.ResourceIdP && (a.Action == plan.Delete || a.Action == plan.Replace) {
			if idptype.IsZone(a.AccountID) {
				zoneLosers[label(a.AccountID)] = true
			} else {
				losers[label(a.AccountID)] = true
			}
		}
	}
	if len(e.Blocked) == 0 {
		return nil
	}
	for l := range losers {
		e.LosesAccess = append(e.LosesAccess, l)
	}
	slices.Sort(e.LosesAccess)
	for l := range zoneLosers {
		e.ZonesLoseAccess = append(e.ZonesLoseAccess, l)
	}
	slices.Sort(e.ZonesLoseAccess)
	return &e
}

// lockoutSummary names what loses a login: "Access application Wiki
// (wiki.example.com), its only IdP".
func lockoutSummary(owner string, ls []plan.Lockout) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		what := "Access application " + l.Name
		switch l.Kind {
		case plan.LockoutOrganization:
			what = "Access organization " + l.Name
		case plan.LockoutPolicy:
			what = "Access policy " + l.Name
			if l.Application != "" {
				what += " of application " + l.Application
			}
		}
		if l.Domain != "" {
			what += " (" + l.Domain + ")"
		}
		if l.AccountID != "" && l.AccountID != owner {
			what += " in " + idptype.OwnerName(l.AccountID)
		}
		switch {
		case l.Only && l.Kind == plan.LockoutPolicy:
			what += ", its only way in"
		case l.Only && plan.ByPolicies(l):
			what += ", its only way in (by its policies)"
		case l.Only:
			what += ", its only IdP"
		default:
			what += ", one of several"
		}
		// Names come from the API: nothing in them may steer a terminal or a CI log.
		parts[i] = sanitize.Text(what)
	}
	return "takes a login away from " + strings.Join(parts, "; ")
}

// Destructive reports whether an action removes something that exists: a
// delete of any kind, or a replace of a kind whose replacement removes the
// live object (addr.KindInfo.ReplaceDestroys: an IdP, a share).
func Destructive(a plan.Action) bool {
	switch a.Action {
	case plan.Delete:
		return true
	case plan.Replace:
		info, ok := addr.Info(a.Resource)
		// A kind no row lists comes from an edited plan: fail closed.
		return !ok || info.ReplaceDestroys
	}
	return false
}

// repairs are the addresses of the plan's duplicate deletions that live state
// justifies: the object is a live duplicate and its twin stays.
//
//   - an IdP: live holds another IdP of the same name and type in the account
//     that the plan does not delete;
//   - a grant: live holds another grant of the same IdP that stays, or its
//     IdP is a justified duplicate;
//   - a share: live holds another active share of the same grant that stays,
//     or the share's grant is itself a justified duplicate.
//
// Anything else with reason duplicate is destructive like any deletion.
func repairs(p *plan.Plan, live *lstate.Live) map[string]bool {
	out := map[string]bool{}
	if live == nil {
		return out
	}
	deleted := map[string]bool{} // live ids the plan deletes
	var dups []plan.Action
	for _, a := range p.Actions {
		if a.Action != plan.Delete {
			continue
		}
		switch a.Resource {
		case plan.ResourceIdP:
			deleted[a.IDs.IdP] = true
		case plan.ResourceGrant:
			deleted[a.IDs.Grant] = true
		case plan.ResourceShare:
			deleted[a.IDs.Share] = true
		case plan.ResourceCertificateSet, plan.ResourceEncryption, plan.ResourceRecipient, plan.ResourceSCIMSecret:
			// Never duplicated by overlapping runs: no twin to look for.
		}
		if a.Reason == plan.ReasonDuplicate && live.Accounts[a.AccountID] != nil {
			dups = append(dups, a)
		}
	}
	// IdPs first, then grants, then shares: each may rest on the one before.
	okIdP, okGrant := map[string]bool{}, map[string]bool{}
	for _, a := range dups {
		if a.Resource != plan.ResourceIdP {
			continue
		}
		la := live.Accounts[a.AccountID]
		self := findIdP(la, a.IDs.IdP)
		if self == nil || self.ReadOnly {
			continue
		}
		for _, l := range la.IdentityProviders {
			if l != self && !l.ReadOnly && !deleted[l.ID] && l.Name == self.Name && l.Type == self.Type {
				out[a.Address], okIdP[self.ID] = true, true
				break
			}
		}
	}
	for _, a := range dups {
		if a.Resource != plan.ResourceGrant {
			continue
		}
		la := live.Accounts[a.AccountID]
		var self *lstate.LiveGrant
		for _, g := range la.Grants {
			if g.ID == a.IDs.Grant {
				self = g
			}
		}
		if self == nil {
			continue
		}
		ok := okIdP[self.IdPID]
		for _, g := range la.Grants {
			ok = ok || g != self && g.IdPID == self.IdPID && !deleted[g.ID]
		}
		if ok {
			out[a.Address], okGrant[self.ID] = true, true
		}
	}
	for _, a := range dups {
		if a.Resource != plan.ResourceShare {
			continue
		}
		la := live.Accounts[a.AccountID]
		var self *lstate.LiveShare
		for _, s := range la.Shares {
			if s.ID == a.IDs.Share {
				self = s
			}
		}
		if self == nil {
			continue
		}
		ok := okGrant[self.GrantID]
		for _, s := range la.Shares {
			ok = ok || s != self && s.GrantID == self.GrantID && s.Status == idptype.ShareActive && !deleted[s.ID]
		}
		if ok {
			out[a.Address] = true
		}
	}
	return out
}

func findIdP(la *lstate.LiveAccount, id string) *lstate.LiveIdP {
	for _, l := range la.IdentityProviders {
		if l.ID == id {
			return l
		}
	}
	return nil
}
