package emulator

import (
	"time"

	"github.com/google/uuid"
)

// The state helpers below run under e.mu. Pointers they return point into the
// Data slices and are valid until the next append to the same slice.

func (e *Emulator) findAccount(id string) *Account {
	for i := range e.data.Accounts {
		if e.data.Accounts[i].ID == id {
			return &e.data.Accounts[i]
		}
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
	e.data.AccessOrganizations = append(e.data.AccessOrganizations, defaultAccessOrganization(id))
	// An account joining the organization joins its organization-wide shares.
	e.settle(now)
	return e.findAccount(id)
}

func (e *Emulator) findIdP(accountID, id string) *IdentityProvider {
	for i := range e.data.IdentityProviders {
		p := &e.data.IdentityProviders[i]
		if p.ID == id && p.AccountID == accountID {
			return p
		}
	}
	return nil
}

func (e *Emulator) findCertSet(accountID, uid string) *CertificateSet {
	for i := range e.data.CertificateSets {
		s := &e.data.CertificateSets[i]
		if s.UID == uid && s.AccountID == accountID {
			return s
		}
	}
	return nil
}

func (e *Emulator) findGrant(accountID, id string) *Grant {
	for i := range e.data.Grants {
		g := &e.data.Grants[i]
		if g.ID == id && g.AccountID == accountID {
			return g
		}
	}
	return nil
}

func (e *Emulator) findGrantForIdP(accountID, idpID string) *Grant {
	for i := range e.data.Grants {
		g := &e.data.Grants[i]
		if g.IdPID == idpID && g.AccountID == accountID {
			return g
		}
	}
	return nil
}

func (e *Emulator) findShare(id string) *Share {
	for i := range e.data.Shares {
		if e.data.Shares[i].ID == id {
			return &e.data.Shares[i]
		}
	}
	return nil
}

func (e *Emulator) recipientsOf(shareID string) []*Recipient {
	var out []*Recipient
	for i := range e.data.Recipients {
		if e.data.Recipients[i].ShareID == shareID {
			out = append(out, &e.data.Recipients[i])
		}
	}
	return out
}

func (e *Emulator) findRecipient(shareID, accountID string) *Recipient {
	if i, ok := e.recipients.find(e.data.Recipients, shareID, accountID); ok {
		return &e.data.Recipients[i]
	}
	return nil
}

// recipientIndex maps (share id, account id) to a position in
// Data.Recipients. It catches up with appended records on each lookup and is
// reset whenever the data is replaced.
type recipientIndex struct {
	pos     map[[2]string]int
	indexed int
}

func (x *recipientIndex) find(rs []Recipient, shareID, accountID string) (int, bool) {
	if x.pos == nil || x.indexed > len(rs) {
		x.pos, x.indexed = make(map[[2]string]int, len(rs)), 0
	}
	for ; x.indexed < len(rs); x.indexed++ {
		r := &rs[x.indexed]
		key := [2]string{r.ShareID, r.AccountID}
		if _, seen := x.pos[key]; !seen {
			x.pos[key] = x.indexed
		}
	}
	i, ok := x.pos[[2]string{shareID, accountID}]
	return i, ok
}

func (e *Emulator) resourcesOf(shareID string) []*ShareResource {
	var out []*ShareResource
	for i := range e.data.ShareResources {
		if e.data.ShareResources[i].ShareID == shareID {
			out = append(out, &e.data.ShareResources[i])
		}
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
func (e *Emulator) settle(now time.Time) bool {
	changed := false
	for i := range e.data.CertificateSets {
		s := &e.data.CertificateSets[i]
		if s.Current != nil && !now.Before(s.Current.NotAfter.Add(-autoRotateBefore)) {
			if err := rotate(s, now); err == nil {
				changed = true
			}
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
		if s.Status == shareDeleting && due(s.SettleAt) {
			s.Status, s.Modified, changed = shareDeleted, s.SettleAt, true
		}
	}
	for i := range e.data.Recipients {
		r := &e.data.Recipients[i]
		switch {
		case r.AssociationStatus == associating && due(r.SettleAt):
			r.AssociationStatus, r.Modified, changed = associated, r.SettleAt, true
		case r.AssociationStatus == disassociating && due(r.SettleAt):
			r.AssociationStatus, r.Modified, changed = disassociated, r.SettleAt, true
		}
	}
	for i := range e.data.ShareResources {
		r := &e.data.ShareResources[i]
		if r.Status == shareDeleting && due(r.SettleAt) {
			r.Status, r.Modified, changed = shareDeleted, r.SettleAt, true
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
	for _, s := range e.data.Shares {
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
