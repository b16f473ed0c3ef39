package plan

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Drift groups the findings of a plan by cause: what the drift command and the
// nightly job report. It reads only the plan.
func Drift(p *Plan) *DriftReport {
	r := &DriftReport{FormatVersion: p.FormatVersion, Accounts: p.Accounts, Items: []DriftItem{}, Policy: p.Policy}
	if r.Accounts == nil {
		r.Accounts = []AccountRef{}
	}
	accountOf := map[string]string{}
	add := func(c DriftCategory, addr, account, msg string, changes []Change) {
		r.Items = append(r.Items, DriftItem{Category: c, Address: addr, AccountID: account, Message: msg, Changes: changes})
	}
	// Everything below an IdP that is missing altogether is missing with it;
	// one item for the IdP says it all.
	missingIdP := map[string]bool{}
	for _, a := range p.Actions {
		if a.Resource == ResourceIdP && a.Action == Create {
			missingIdP[a.IdP] = true
		}
	}
	for _, a := range p.Actions {
		accountOf[a.IdP] = a.AccountID
		if a.Resource != ResourceIdP && missingIdP[a.IdP] {
			continue
		}
		if c, msg, ok := actionDrift(a); ok {
			var changes []Change
			if c == DriftChanged {
				changes = a.Changes
			}
			add(c, a.Address, a.AccountID, msg, changes)
		}
		if a.Resource == ResourceIdP && a.Action != Create && a.Reason != ReasonPruned {
			if keys := a.Unverified; len(keys) > 0 {
				add(DriftUnverifiable, a.Address, a.AccountID,
					strings.Join(keys, ", ")+" cannot be read back; not compared", nil)
			}
		}
	}
	for _, u := range p.Unmanaged {
		add(DriftUnmanaged, u.Address, u.AccountID,
			fmt.Sprintf("IdP %q (%s, %s) exists live but no file declares it", u.Name, u.Type, u.ID), nil)
	}
	for _, x := range p.Pending {
		add(DriftPending, x.Address, x.AccountID, fmt.Sprintf("%s: the change is still under way", x.Status), nil)
	}
	for _, w := range p.Warnings {
		c, ok := DriftCategoryOf(w.Code)
		if !ok {
			continue
		}
		msg := w.Message
		if w.Detail != "" {
			msg += " (" + w.Detail + ")"
		}
		add(c, w.Address, accountOf[owningIdP(w.Address)], msg, nil)
	}
	rank := make(map[DriftCategory]int, len(DriftCategories))
	for i, c := range DriftCategories {
		rank[c] = i
	}
	slices.SortStableFunc(r.Items, func(x, y DriftItem) int {
		return cmp.Or(cmp.Compare(rank[x.Category], rank[y.Category]), cmp.Compare(x.Address, y.Address))
	})
	for _, it := range r.Items {
		if it.Category != DriftUnverifiable {
			r.Drifted = true
			break
		}
	}
	return r
}

// actionDrift classifies one action. Forced secret resends and the recreation
// of a replaced IdP's children are consequences, not drift of their own.
func actionDrift(a Action) (DriftCategory, string, bool) {
	switch {
	case a.Action == NoOp, a.Reason == ReasonResendSecrets, a.Reason == ReasonParentReplaced:
		return "", "", false
	case a.Reason == ReasonDuplicate:
		return DriftDuplicate, fmt.Sprintf("a second copy of this %s, left by runs that overlapped; apply deletes it", a.Resource), true
	case a.Reason == ReasonPruned:
		if a.Resource != ResourceIdP {
			return "", "", false
		}
		return DriftUnmanaged, "exists live but no file declares it; prune: true deletes it", true
	case a.Action == Create:
		return DriftMissing, "declared but absent live", true
	}
	msg := "live differs from declared"
	switch a.Reason {
	case ReasonEncryptionEnabled:
		msg = "live differs from declared: encryption is off, declared on"
	case ReasonEncryptionDisabled:
		msg = "live differs from declared: encryption is on, declared off"
	case ReasonCertificateExpiring:
		msg = "live differs from declared: the certificate expires within rotate_within"
	case ReasonTypeChanged:
		msg = "live differs from declared: the type differs"
	case ReasonTargetChanged:
		msg = "live differs from declared: the share targets another kind of recipient"
	case ReasonFederationRemoved:
		msg = "live differs from declared: federated, but no federation is declared"
	case ReasonRecipientRemoved:
		msg = "live differs from declared: shared with an account not declared"
	}
	return DriftChanged, msg, true
}
