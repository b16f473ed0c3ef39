package emulator

import (
	"slices"
	"time"

	"github.com/google/uuid"
)

// The state helpers below run under e.mu. Pointers they return point into the
// Data slices and are valid until the next append to the same slice.

func (e *Emulator) findAccount(id string) *Account {
	if i, ok := e.ix().account[id]; ok {
		return &e.data.Accounts[i]
	}
	return nil
}

func (e *Emulator) defaultOrganization() string {
	if e.data.DefaultOrganizationID == "" {
		// A fixed id, so that files can declare the sandbox's organization.
		id := SandboxOrganizationID
		if e.organizationName(id) == "" {
			e.data.Organizations = append(e.data.Organizations, Organization{ID: id, Name: sandboxOrganizationName})
		}
		e.data.DefaultOrganizationID = id
	}
	return e.data.DefaultOrganizationID
}

func (e *Emulator) createAutoAccount(id string, now time.Time) *Account {
	e.data.Accounts = append(e.data.Accounts, Account{
		ID:             id,
		Name:           "Account " + id[:8],
		OrganizationID: e.defaultOrganization(),
	})
	if e.opts.Lenient.AccessOrganization {
		e.data.AccessOrganizations = append(e.data.AccessOrganizations, defaultAccessOrganization(id))
	}
	// An account joining the organization joins its organization-wide shares.
	e.settleAll = true
	e.settle(now)
	return e.findAccount(id)
}

func (e *Emulator) findIdP(accountID, id string) *IdentityProvider {
	if i, ok := e.ix().idp[[2]string{accountID, id}]; ok {
		return &e.data.IdentityProviders[i]
	}
	return nil
}

// idpsOf are the stored IdPs of an account, in the order stored.
func (e *Emulator) idpsOf(accountID string) []*IdentityProvider {
	var out []*IdentityProvider
	for _, i := range e.ix().idps[accountID] {
		out = append(out, &e.data.IdentityProviders[i])
	}
	return out
}

func (e *Emulator) findCertSet(accountID, uid string) *CertificateSet {
	if i, ok := e.ix().set[[2]string{accountID, uid}]; ok {
		return &e.data.CertificateSets[i]
	}
	return nil
}

// certSetsOf are an account's certificate sets, in the order stored.
func (e *Emulator) certSetsOf(accountID string) []*CertificateSet {
	var out []*CertificateSet
	for _, i := range e.ix().sets[accountID] {
		out = append(out, &e.data.CertificateSets[i])
	}
	return out
}

func (e *Emulator) findGrant(accountID, id string) *Grant {
	if i, ok := e.ix().grant[[2]string{accountID, id}]; ok {
		return &e.data.Grants[i]
	}
	return nil
}

// grantsOf are an account's grants, in the order stored.
func (e *Emulator) grantsOf(accountID string) []*Grant {
	var out []*Grant
	for _, i := range e.ix().grants[accountID] {
		out = append(out, &e.data.Grants[i])
	}
	return out
}

func (e *Emulator) findGrantForIdP(accountID, idpID string) *Grant {
	if i, ok := e.ix().grantOfIdP[[2]string{accountID, idpID}]; ok {
		return &e.data.Grants[i]
	}
	return nil
}

func (e *Emulator) findShare(id string) *Share {
	if i, ok := e.ix().share[id]; ok {
		return &e.data.Shares[i]
	}
	return nil
}

// sharesSeenBy are the shares an account sent or is a recipient of, in the
// order stored: the only ones a share listing of the account may show.
func (e *Emulator) sharesSeenBy(accountID string) []*Share {
	x := e.ix()
	pos := append([]int(nil), x.sent[accountID]...)
	for _, r := range x.receiving[accountID] {
		if i, ok := x.share[e.data.Recipients[r].ShareID]; ok {
			pos = append(pos, i)
		}
	}
	slices.Sort(pos)
	pos = slices.Compact(pos)
	out := make([]*Share, len(pos))
	for k, i := range pos {
		out[k] = &e.data.Shares[i]
	}
	return out
}

func (e *Emulator) recipientsOf(shareID string) []*Recipient {
	var out []*Recipient
	for _, i := range e.ix().recipients[shareID] {
		out = append(out, &e.data.Recipients[i])
	}
	return out
}

func (e *Emulator) findRecipient(shareID, accountID string) *Recipient {
	if i, ok := e.ix().recipient[[2]string{shareID, accountID}]; ok {
		return &e.data.Recipients[i]
	}
	return nil
}

func (e *Emulator) resourcesOf(shareID string) []*ShareResource {
	var out []*ShareResource
	for _, i := range e.ix().resources[shareID] {
		out = append(out, &e.data.ShareResources[i])
	}
	return out
}

func (e *Emulator) accountName(id string) string {
	if a := e.findAccount(id); a != nil {
		return a.Name
	}
	return ""
}

func (e *Emulator) orgOf(accountID string) string {
	if a := e.findAccount(accountID); a != nil {
		return a.OrganizationID
	}
	return ""
}

// settle applies, lazily, what the emulator clock has made due: automatic
// certificate rotation, organization membership of organization-wide shares,
// and the completion of asynchronous transitions. It reports whether anything
// changed.
//
// It looks at the whole data only when something is due (nextDue) or the data
// changed in a way that needs it (settleAll), and then finds the next due
// moment, so that a request that finds nothing due costs nothing here.
func (e *Emulator) settle(now time.Time) bool {
	if !e.settleAll && (e.nextDue.IsZero() || now.Before(e.nextDue)) {
		return false
	}
	e.settleAll, e.nextDue = false, time.Time{}
	changed := false
	for i := range e.data.CertificateSets {
		s := &e.data.CertificateSets[i]
		if s.Current != nil && !now.Before(s.Current.NotAfter.Add(-autoRotateBefore)) {
			if err := rotate(s, now); err == nil {
				changed = true
				// Cloudflare rotates the set by itself: its audit log says so,
				// as a system action, which drift tells apart from a person's.
				e.recordSystem(s.AccountID, "update", "saml_certificate_set", s.UID, "Automatic rotation of the SAML encryption certificate", now)
			}
		}
		if s.Current != nil {
			e.noteDue(s.Current.NotAfter.Add(-autoRotateBefore))
		}
	}
	for i := range e.data.Shares {
		s := e.data.Shares[i]
		if s.TargetType != targetOrganization || s.Status != shareActive {
			continue
		}
		org := e.orgOf(s.AccountID)
		if org == "" {
			continue
		}
		for _, a := range e.data.Accounts {
			if a.OrganizationID != org || a.ID == s.AccountID || e.findRecipient(s.ID, a.ID) != nil {
				continue
			}
			e.data.Recipients = append(e.data.Recipients, Recipient{
				ID: newHex32(), ShareID: s.ID, AccountID: a.ID,
				AssociationStatus: associating, SettleAt: now.Add(e.opts.AsyncDelay),
				Created: now, Modified: now,
			})
			changed = true
		}
	}
	due := func(t time.Time) bool { return !now.Before(t) }
	for i := range e.data.Shares {
		s := &e.data.Shares[i]
		if s.Status == shareDeleting {
			if due(s.SettleAt) {
				s.Status, s.Modified, changed = shareDeleted, s.SettleAt, true
			} else {
				e.noteDue(s.SettleAt)
			}
		}
	}
	for i := range e.data.Recipients {
		r := &e.data.Recipients[i]
		switch {
		case r.AssociationStatus == associating && due(r.SettleAt):
			r.AssociationStatus, r.Modified, changed = associated, r.SettleAt, true
		case r.AssociationStatus == disassociating && due(r.SettleAt):
			r.AssociationStatus, r.Modified, changed = disassociated, r.SettleAt, true
		case r.AssociationStatus == associating || r.AssociationStatus == disassociating:
			e.noteDue(r.SettleAt)
		}
	}
	for i := range e.data.ShareResources {
		r := &e.data.ShareResources[i]
		if r.Status == shareDeleting {
			if due(r.SettleAt) {
				r.Status, r.Modified, changed = shareDeleted, r.SettleAt, true
			} else {
				e.noteDue(r.SettleAt)
			}
		}
	}
	return changed
}

// federationNamespace seeds the IDs of federated connections, so that a
// connection keeps its ID for as long as it exists and gets the same one back.
var federationNamespace = uuid.MustParse("6f1d2c8e-5a3b-4f7d-9c1e-2b8a4d6e0f13")

// federatedConnections lists the read-only IdPs that shares of federation
// grants put into accountID.
func (e *Emulator) federatedConnections(accountID string) []wireIdP {
	var out []wireIdP
	seen := map[string]bool{}
	for _, s := range e.sharesSeenBy(accountID) {
		if s.Status == shareDeleted || s.AccountID == accountID {
			continue
		}
		r := e.findRecipient(s.ID, accountID)
		if r == nil || (r.AssociationStatus != associated && r.AssociationStatus != disassociating) {
			continue
		}
		for _, res := range e.resourcesOf(s.ID) {
			if res.ResourceType != resourceFederationGrant || res.Status == shareDeleted {
				continue
			}
			g := e.findGrant(s.AccountID, res.ResourceID)
			if g == nil {
				continue
			}
			src := e.findIdP(g.AccountID, g.IdPID)
			if src == nil {
				continue
			}
			id := federatedID(g.ID, accountID)
			if seen[id] {
				continue
			}
			seen[id] = true
			out = append(out, wireIdP{
				ID: id, Name: src.Name, Type: src.Type, Config: map[string]any{}, ReadOnly: true,
				SCIMConfig: e.renderSCIM(accountID, id, nil),
			})
		}
	}
	return out
}

func federatedID(grantID, accountID string) string {
	return uuid.NewSHA1(federationNamespace, []byte(grantID+"/"+accountID)).String()
}
