package plan

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/idpsync/idpsync/plan/addr"
)

// Drift groups the findings of a plan by cause: what the drift command and the
// nightly job report. It reads only the plan.
func Drift(p *Plan) *DriftReport {
	r := &DriftReport{FormatVersion: p.FormatVersion, Accounts: p.Accounts, Items: []DriftItem{}, Policy: p.Policy}
	if r.Accounts == nil {
		r.Accounts = []AccountRef{}
	}
	accountOf := map[string]string{}
	// idAt is the live id of the object at each address the plan read,
	// which the audit log names it by.
	idAt := map[string]string{}
	for _, a := range p.Actions {
		if id := liveID(a); id != "" {
			idAt[a.Address] = id
		}
	}
	add := func(c DriftCategory, addr, account, msg string, changes []Change) {
		r.Items = append(r.Items, DriftItem{Category: c, Address: addr, AccountID: account, Message: msg, Changes: changes, ResourceID: idAt[addr]})
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
		r.Items[len(r.Items)-1].ResourceID = u.ID
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
	r.Evaluate(DefaultFailOn)
	return r
}

// liveID is the live id of the object an action works on, where it exists.
func liveID(a Action) string {
	switch a.Resource {
	case ResourceIdP, ResourceSCIMSecret:
		return a.IDs.IdP
	case ResourceCertificateSet, ResourceEncryption:
		return a.IDs.CertificateSet
	case ResourceGrant:
		return a.IDs.Grant
	case ResourceShare:
		return a.IDs.Share
	case ResourceRecipient:
		return a.IDs.Recipient
	}
	return ""
}

// CountsAs is the category an item counts under for --fail-on: accepted
// while an exception in force covers it, else its category.
func (it *DriftItem) CountsAs() DriftCategory {
	if it.Accepted != nil {
		return DriftAccepted
	}
	return it.Category
}

// Evaluate sets Drifted: whether any item counts under one of failOn.
func (r *DriftReport) Evaluate(failOn []DriftCategory) {
	r.FailOn = slices.Clone(failOn)
	r.Drifted = false
	for i := range r.Items {
		if slices.Contains(failOn, r.Items[i].CountsAs()) {
			r.Drifted = true
			return
		}
	}
}

// ParseFailOn reads --fail-on: category names separated by commas, or "all"
// for every one of them.
func ParseFailOn(s string) ([]DriftCategory, error) {
	var out []DriftCategory
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "":
			continue
		case f == "all":
			out = append(out, FailOnCategories...)
		case slices.Contains(FailOnCategories, DriftCategory(f)):
			out = append(out, DriftCategory(f))
		default:
			names := make([]string, len(FailOnCategories))
			for i, c := range FailOnCategories {
				names[i] = string(c)
			}
			return nil, fmt.Errorf("unknown drift category %q; the categories are %s, or all", f, strings.Join(names, ", "))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no category given; the categories are %s, or all", joinCategories(FailOnCategories))
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func joinCategories(cs []DriftCategory) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = string(c)
	}
	return strings.Join(names, ", ")
}

// Classify moves the items the audit log shows Cloudflare's own systems
// changed last into cloudflare-initiated, keeping their cause. An IdP that
// Cloudflare added by default, a certificate set it rotated on schedule, a
// recipient connection whose status it moved: none is a person's edit.
func (r *DriftReport) Classify() {
	for i := range r.Items {
		it := &r.Items[i]
		if it.Attribution != nil && it.Attribution.ActorType == AuditActorSystem && it.Category != DriftUnverifiable {
			it.Cause, it.Category = it.Category, DriftCloudflare
		}
	}
	rank := make(map[DriftCategory]int, len(DriftCategories))
	for i, c := range DriftCategories {
		rank[c] = i
	}
	slices.SortStableFunc(r.Items, func(x, y DriftItem) int {
		return cmp.Or(cmp.Compare(rank[x.Category], rank[y.Category]), cmp.Compare(x.Address, y.Address))
	})
}

// AuditActorSystem is the audit log's actor type for Cloudflare's own
// systems (cloudflare-go v7.9.0 accounts/logaudit.go,
// LogAuditListResponseActorTypeSystem).
const AuditActorSystem = "system"

// ApplyExceptions marks the items that a drift exception covers on day now:
// accepted while the exception holds, with its reason; counting again, with
// a note that it expired, once its date has passed. Exceptions that match no
// item are listed as stale.
func (r *DriftReport) ApplyExceptions(exceptions []DriftException, now time.Time) {
	today := now.UTC().Format(time.DateOnly)
	used := make([]bool, len(exceptions))
	for i := range r.Items {
		it := &r.Items[i]
		if it.Category == DriftUnverifiable {
			continue
		}
		for j, x := range exceptions {
			if !x.Covers(it) {
				continue
			}
			used[j] = true
			acc := &Acceptance{Reason: x.Reason, Until: x.Until}
			if x.Until >= today {
				it.Accepted, it.ExpiredException = acc, nil
				break
			}
			if it.ExpiredException == nil {
				it.ExpiredException = acc
			}
		}
	}
	r.StaleExceptions = nil
	for j, x := range exceptions {
		if !used[j] {
			r.StaleExceptions = append(r.StaleExceptions, x)
		}
	}
	r.Evaluate(r.FailOn)
}

// Covers says whether the exception covers an item: its address matches the
// pattern and, when the exception names fields, every change of the item is
// one of them.
func (x DriftException) Covers(it *DriftItem) bool {
	if !addr.Match(x.Address, it.Address) {
		return false
	}
	if len(x.Fields) == 0 {
		return true
	}
	if len(it.Changes) == 0 {
		return false
	}
	for _, c := range it.Changes {
		// A write-only value is sent, not compared: it is no drift to cover.
		if c.WriteOnly {
			continue
		}
		if !slices.ContainsFunc(x.Fields, func(f string) bool { return f == c.Path || strings.HasPrefix(c.Path, f+".") }) {
			return false
		}
	}
	return true
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
