package plan

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan/addr"
	"github.com/idpsync/idpsync/state"
)

// ShareName is the name a share of an IdP's grant is created with, as the
// dashboard names it.
func ShareName(idpName string) string { return "Identity provider: " + idpName }

// federation plans the grant, the share and its recipients of a declared IdP.
func (d *differ) federation(s *idpState, chain *node) error {
	want := s.d.Federation
	var grant *state.LiveGrant
	if !s.fresh {
		grant = s.l.Grant
	}
	if want == nil {
		if grant != nil {
			d.deleteFederation(s.ac, s.base, s.at, s.l, ReasonFederationRemoved)
		}
		return nil
	}
	if !s.t.Federable {
		return fmt.Errorf("%s: identity providers of type %s cannot be federated", s.addr, s.d.Type)
	}
	gAddr, shAddr := s.child(ResourceGrant, ""), s.child(ResourceShare, "")
	req := shareRequest(s.d)
	req.OrganizationID = s.ac.d.Organization
	if grant == nil {
		g := s.action(gAddr, ResourceGrant, Create, s.childReason)
		g.After = map[string]any{"idp": s.d.Name}
		gn := d.add(g, chain)
		sh := s.action(shAddr, ResourceShare, Create, s.childReason)
		sh.Share = req
		sh.After = shareFields(req)
		d.add(sh, gn)
		return nil
	}

	// With the grant in place, what follows waits for nothing of the IdP's own
	// chain: sharing an existing grant does not depend on the IdP's settings.
	chain = nil
	d.readGrant(s.ac, gAddr, grant)
	ids := s.ids()
	ids.Grant = grant.ID
	g := s.action(gAddr, ResourceGrant, NoOp, ReasonInSync)
	g.IDs = ids
	d.add(g)

	// Overlapping runs may have left a second grant of this IdP, or a second
	// share of its grant: idpsync owns both, so they are deleted as repairs.
	for _, g := range extraGrants(s.ac, s.l) {
		d.deleteGrant(s.ac, s.base, s.at, s.l, g, ReasonDuplicate, g.ID)
	}
	share := d.activeShare(s.ac, shAddr, grant)
	d.duplicateShares(s.ac, s.base, s.at, s.l, grant, share)
	if share == nil {
		sh := s.action(shAddr, ResourceShare, Create, ReasonMissing)
		sh.IDs = ids
		sh.Share = req
		sh.After = shareFields(req)
		d.add(sh, chain)
		return nil
	}
	d.readShare(s.ac, s.at, share)
	ids.Share = share.ID
	wantType := idptype.TargetAccount
	if want.Organization {
		wantType = idptype.TargetOrganization
	}
	if share.TargetType != wantType {
		sh := s.action(shAddr, ResourceShare, Replace, ReasonTargetChanged)
		sh.IDs = ids
		sh.Share = req
		sh.Before = map[string]any{"target_type": share.TargetType}
		sh.After = shareFields(req)
		sh.Changes = []Change{{Path: "target_type", Before: share.TargetType, After: wantType}}
		sh.LosesAccess, sh.Notes = d.losers(s.ac, share)
		sh.Notes = append(sh.Notes, "the share is deleted and created again for the new target; recipients keep access only once the new share has associated them")
		sh.Destructive = true
		d.add(sh, chain)
		return nil
	}
	sh := s.action(shAddr, ResourceShare, NoOp, ReasonInSync)
	sh.IDs = ids
	sh.After = shareFields(req)
	d.add(sh)
	if want.Organization {
		return nil
	}
	if share.Recipients == nil {
		d.warn(Warning{
			Address: shAddr,
			Code:    WarnRecipientsNotRead,
			Message: fmt.Sprintf("the recipients of share %s were not read, so they were not compared", share.ID),
		})
		return nil
	}

	present := presentRecipients(share)
	wanted := make(map[string]bool, len(want.Accounts))
	for _, acct := range want.Accounts {
		wanted[acct] = true
	}
	for _, acct := range sortedUnique(want.Accounts) {
		addr := s.child(ResourceRecipient, acct)
		if r, ok := present[acct]; ok {
			a := s.action(addr, ResourceRecipient, NoOp, ReasonInSync)
			a.IDs = ids
			a.IDs.Recipient = r.ID
			a.RecipientAccount = acct
			d.add(a)
			continue
		}
		a := s.action(addr, ResourceRecipient, Create, ReasonMissing)
		a.IDs = ids
		a.RecipientAccount = acct
		a.After = map[string]any{"account_id": acct}
		d.add(a, chain)
	}
	for _, r := range share.Recipients {
		if present[r.AccountID] != r || wanted[r.AccountID] {
			continue
		}
		a := s.action(s.child(ResourceRecipient, r.AccountID), ResourceRecipient, Delete, ReasonRecipientRemoved)
		a.IDs = ids
		a.IDs.Recipient = r.ID
		a.RecipientAccount = r.AccountID
		a.Before = map[string]any{"account_id": r.AccountID, "status": r.Status}
		a.Destructive = true
		a.LosesAccess = []string{r.AccountID}
		a.Notes = []string{fmt.Sprintf("account %s loses this login option at once; its access policies that use it stop matching", r.AccountID)}
		d.add(a)
	}
	return nil
}

// deleteFederation deletes the share and then the grant of a live IdP, and
// any further grant overlapping runs left it, and returns the deletions the
// IdP's own deletion must wait for.
func (d *differ) deleteFederation(ac *account, base Action, idp addr.Address, l *state.LiveIdP, reason Reason) []*node {
	grant := l.Grant
	if grant == nil {
		return nil
	}
	last := []*node{d.deleteGrant(ac, base, idp, l, grant, reason, "")}
	for _, g := range extraGrants(ac, l) {
		last = append(last, d.deleteGrant(ac, base, idp, l, g, reason, g.ID))
	}
	return last
}

// deleteGrant deletes a grant of l after its active share; duplicate, the
// grant's id when it is a second grant of the same IdP, tells it apart in
// addresses.
func (d *differ) deleteGrant(ac *account, base Action, idp addr.Address, l *state.LiveIdP, grant *state.LiveGrant, reason Reason, duplicate string) *node {
	g, sh := idp.Child(ResourceGrant, ""), idp.Child(ResourceShare, "")
	d.readGrant(ac, g.String(), grant)
	if reason == ReasonParentReplaced {
		g, sh = g.AsDeposed(), sh.AsDeposed()
	}
	if duplicate != "" {
		g, sh = g.AsDuplicate(duplicate), sh.AsDuplicate(duplicate)
	}
	gAddr, shAddr := g.String(), sh.String()
	// Deleting an extra grant, or the grant of a twin IdP, is a repair.
	repair := reason == ReasonDuplicate
	ids := IDs{IdP: l.ID, Grant: grant.ID}
	share := d.activeShare(ac, shAddr, grant)
	var lose, notes []string
	var shareNode *node
	if share != nil {
		d.readShare(ac, idp, share)
		lose, notes = d.losers(ac, share)
		a := base
		a.Address, a.Resource, a.Action, a.Reason = shAddr, ResourceShare, Delete, reason
		a.IDs = ids
		a.IDs.Share = share.ID
		a.Before = map[string]any{"name": share.Name, "target_type": share.TargetType}
		a.Destructive = !repair
		a.LosesAccess = lose
		a.Notes = notes
		shareNode = d.add(a)
	}
	a := base
	a.Address, a.Resource, a.Action, a.Reason = gAddr, ResourceGrant, Delete, reason
	a.IDs = ids
	a.Before = map[string]any{"idp": l.Name}
	a.Destructive = !repair
	a.LosesAccess = lose
	a.Notes = notes
	if share == nil {
		a.Notes = []string{"no active share carries this grant"}
	}
	return d.add(a, shareNode)
}

// losers says which accounts lose the IdP at once when a share (or the grant
// it carries) goes away.
func (d *differ) losers(ac *account, share *state.LiveShare) ([]string, []string) {
	if share.TargetType == idptype.TargetOrganization {
		org := share.OrganizationID
		if org == "" && ac.live != nil {
			org = ac.live.Organization
		}
		return []string{org}, []string{fmt.Sprintf("every account of organization %s loses this login option at once; their access policies that use it stop matching", org)}
	}
	if share.Recipients == nil {
		return nil, []string{fmt.Sprintf("the recipients of share %s were not read: every account it reaches loses this login option at once", share.ID)}
	}
	var lose []string
	for _, r := range share.Recipients {
		if isPresent(r.Status) {
			lose = append(lose, r.AccountID)
		}
	}
	lose = sortedUnique(lose)
	if len(lose) == 0 {
		return nil, []string{"no account is associated with the share; nobody loses access"}
	}
	return lose, []string{fmt.Sprintf("accounts %s lose this login option at once; their access policies that use it stop matching", joinIDs(lose))}
}

// activeShare is the active share carrying the grant, if any. Shares still
// deleting are reported as pending.
func (d *differ) activeShare(ac *account, shAddr string, grant *state.LiveGrant) *state.LiveShare {
	shares := ac.shares[grant.ID]
	if len(shares) == 0 && grant.Share != nil {
		shares = []*state.LiveShare{grant.Share}
	}
	// The share linked from the grant is the one the reader chose among
	// several active ones; otherwise the lowest id keeps the choice stable.
	var active *state.LiveShare
	if grant.Share != nil && grant.Share.Status == idptype.ShareActive {
		active = grant.Share
	}
	for _, sh := range shares {
		switch sh.Status {
		case idptype.ShareActive:
			if active == nil || grant.Share != active && sh.ID < active.ID {
				active = sh
			}
		case idptype.ShareDeleting:
			d.pending(Pending{Address: shAddr, AccountID: ac.d.ID, Status: string(sh.Status)})
		}
	}
	return active
}

func isPresent(status idptype.RecipientStatus) bool {
	return status == idptype.Associating || status == idptype.Associated
}

// presentRecipients maps each account that has or is getting the IdP to its
// recipient record. A removed account keeps a disassociated record forever,
// so an account may be listed more than once.
func presentRecipients(share *state.LiveShare) map[string]*state.LiveRecipient {
	out := make(map[string]*state.LiveRecipient, len(share.Recipients))
	for _, r := range share.Recipients {
		if isPresent(r.Status) {
			if prev, ok := out[r.AccountID]; !ok || r.ID < prev.ID {
				out[r.AccountID] = r
			}
		}
	}
	return out
}

// shareRequest is the share the declaration asks for. An organization-wide
// share names the declared organization, when there is one, so that the API
// refuses it for an account of another organization.
func shareRequest(d *state.IdP) *ShareRequest {
	r := &ShareRequest{Name: ShareName(d.Name)}
	if d.Federation.Organization {
		r.Organization = true
	} else {
		r.Accounts = sortedUnique(d.Federation.Accounts)
	}
	return r
}

func shareFields(r *ShareRequest) map[string]any {
	m := map[string]any{"name": r.Name}
	if r.Organization {
		m["target_type"] = idptype.TargetOrganization
	} else {
		m["target_type"] = idptype.TargetAccount
		m["accounts"] = r.Accounts
	}
	return m
}

func (d *differ) readGrant(ac *account, addr string, g *state.LiveGrant) {
	d.read(Read{Address: addr, AccountID: ac.d.ID, ID: g.ID, Version: GrantVersion(g), Resource: ResourceGrant})
}

// readShare records the share and its recipients (those not long gone) as read.
func (d *differ) readShare(ac *account, idp addr.Address, sh *state.LiveShare) {
	d.read(Read{Address: idp.Child(ResourceShare, "").String(), AccountID: ac.d.ID, ID: sh.ID, Version: timeVersion(sh.Modified), Resource: ResourceShare})
	for _, r := range sh.Recipients {
		switch r.Status {
		case idptype.Disassociated:
			continue
		case idptype.Associating, idptype.Disassociating:
			d.pending(Pending{Address: idp.Child(ResourceRecipient, r.AccountID).String(), AccountID: ac.d.ID, Status: string(r.Status)})
		}
		d.read(Read{Address: idp.Child(ResourceRecipient, r.AccountID).String(), AccountID: ac.d.ID, ID: r.ID, Version: timeVersion(r.Modified), Resource: ResourceRecipient})
	}
}

func sortedUnique(s []string) []string {
	out := slices.Clone(s)
	slices.SortFunc(out, cmp.Compare)
	return slices.Compact(out)
}
