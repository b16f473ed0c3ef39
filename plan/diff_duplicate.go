package plan

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan/addr"
	"github.com/idpsync/idpsync/state"
)

// Duplicates are what two or three runs started together leave behind: each
// saw no IdP (or grant, or share) and created one. idpsync owns these
// objects, so a plan deletes the extra copies as repairs, by one
// deterministic rule that every process applies the same way, and reports
// them as drift of their own (DriftDuplicate).

// twin is a live IdP identical to the declared one's match, to be deleted.
type twin struct {
	l, keep *state.LiveIdP
	d       *state.IdP
}

// twins chooses among the unpinned live IdPs that carry a declared IdP's
// name. Identical ones (same type, same values of the declared fields, same
// encryption) are duplicates: the one kept is, where SCIM is declared on,
// one whose SCIM secret was delivered (a file under --secrets-out; the
// secret of any other copy may be in nobody's hands), then the one a grant
// refers to (the lowest id among several), else one whose encryption is
// already as declared, else the lowest id. Where the file declares encryption on, a twin
// with it still off counts as identical: switching it on is apply's own later
// step, so such a twin is what a run stopped between its steps leaves, and the
// kept IdP gets the step if it lacks it. Twins that differ otherwise are an
// error: only a person can say which one is meant.
func twins(ac *account, di *state.IdP, cands []*state.LiveIdP, delivered func(id string) bool) (*state.LiveIdP, []*state.LiveIdP, error) {
	if len(cands) == 1 {
		return cands[0], nil, nil
	}
	cands = slices.Clone(cands)
	slices.SortFunc(cands, func(x, y *state.LiveIdP) int { return cmp.Compare(x.ID, y.ID) })
	addr := IdPAddress(ac.d.ID, ac.label, di.Name)
	t, known := idptype.Types[di.Type]
	first := cands[0]
	wantEncryption := di.Encryption != nil && di.Encryption.Enabled
	for _, l := range cands[1:] {
		same := known && l.Type == di.Type && first.Type == di.Type &&
			(l.EncryptionEnabled == first.EncryptionEnabled || wantEncryption) &&
			reflect.DeepEqual(configChanges(t, di, l.Config), configChanges(t, di, first.Config))
		if !same {
			return nil, nil, fmt.Errorf("%s: two live IdPs named %q in %s differ (%s, %s): pin the one to manage with id: (e.g. id: %s)",
				addr, di.Name, idptype.OwnerKind(ac.d.ID)+" "+ac.label, first.ID, l.ID, first.ID)
		}
	}
	pick := cands
	if di.SCIM.Enabled() && slices.ContainsFunc(cands, func(l *state.LiveIdP) bool { return delivered(l.ID) }) {
		// A copy whose secret nobody may hold is no candidate: the rules
		// below choose among the delivered ones.
		pick = slices.DeleteFunc(slices.Clone(cands), func(l *state.LiveIdP) bool { return !delivered(l.ID) })
	}
	keep := pick[0]
	if i := slices.IndexFunc(pick, func(l *state.LiveIdP) bool { return len(grantsOf(ac, l)) > 0 }); i >= 0 {
		keep = pick[i]
	} else if i := slices.IndexFunc(pick, func(l *state.LiveIdP) bool { return l.EncryptionEnabled == wantEncryption }); i >= 0 {
		keep = pick[i]
	}
	var extra []*state.LiveIdP
	for _, l := range cands {
		if l != keep {
			extra = append(extra, l)
		}
	}
	return keep, extra, nil
}

// duplicateIdP deletes a twin, its grants and shares first, as a repair: they
// are copies idpsync made, and the twin kept carries the same login. What
// else may refer to the twin (an Access application) is the lockout gate's
// concern, which applies to repairs too.
func (d *differ) duplicateIdP(ac *account, tw twin) {
	l := tw.l
	at := IdPAt(ac.d.ID, ac.label, l.ID)
	addr := at.String()
	d.readIdP(ac, addr, l)
	base := Action{AccountID: ac.d.ID, Account: ac.label, IdP: addr, IdPName: l.Name}
	last := d.deleteFederation(ac, base, at, l, ReasonDuplicate)
	a := base
	a.Address, a.Resource, a.Action, a.Reason = addr, ResourceIdP, Delete, ReasonDuplicate
	a.IDs = IDs{IdP: l.ID}
	a.Before = map[string]any{"name": l.Name, "type": l.Type}
	a.Notes = []string{fmt.Sprintf("a second copy of %s (%s), left by runs that overlapped; the copy kept is %s",
		IdPAddress(ac.d.ID, ac.label, tw.d.Name), tw.keep.ID, tw.keep.ID)}
	if l.Grant != nil {
		a.Notes = append(a.Notes, "this copy is federated under its own id: accounts that use it switch to the copy kept")
	}
	if l.CertificateSet != nil {
		a.Notes = append(a.Notes, fmt.Sprintf("its encryption certificate set %s stays: the API cannot delete certificate sets", l.CertificateSet.UID))
	}
	d.add(a, last...)
}

// grantsOf are the live grants of l, sorted by id.
func grantsOf(ac *account, l *state.LiveIdP) []*state.LiveGrant {
	if ac.live == nil {
		return nil
	}
	var out []*state.LiveGrant
	for _, g := range ac.live.Grants {
		if g.IdPID == l.ID {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(x, y *state.LiveGrant) int { return cmp.Compare(x.ID, y.ID) })
	return out
}

// extraGrants are the grants of l besides l.Grant, the one the reader linked
// (the lowest id among those an active share carries, else the lowest id).
func extraGrants(ac *account, l *state.LiveIdP) []*state.LiveGrant {
	var out []*state.LiveGrant
	for _, g := range grantsOf(ac, l) {
		if g != l.Grant && (l.Grant == nil || g.ID != l.Grant.ID) {
			out = append(out, g)
		}
	}
	return out
}

// duplicateShares deletes the active shares of grant besides keep.
func (d *differ) duplicateShares(ac *account, base Action, idp addr.Address, l *state.LiveIdP, grant *state.LiveGrant, keep *state.LiveShare) {
	if keep == nil {
		return
	}
	for _, sh := range ac.shares[grant.ID] {
		if sh == keep || sh.ID == keep.ID || sh.Status != idptype.ShareActive {
			continue
		}
		d.readShare(ac, idp, sh)
		a := base
		a.Address, a.Resource, a.Action, a.Reason = idp.Child(ResourceShare, "").AsDuplicate(sh.ID).String(), ResourceShare, Delete, ReasonDuplicate
		a.IDs = IDs{IdP: l.ID, Grant: grant.ID, Share: sh.ID}
		a.Before = map[string]any{"name": sh.Name, "target_type": sh.TargetType}
		a.Notes = []string{fmt.Sprintf("a second share of the grant, left by runs that overlapped; the share kept is %s", keep.ID)}
		d.add(a)
	}
}
