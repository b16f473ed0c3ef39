package emulator

import "time"

// index finds records by the keys requests look them up by, so that the
// emulator's cost per request does not grow with the data it holds (a
// measurement of idpsync must never be bounded by its test double). It runs
// under e.mu. Records are appended, or removed with slices.DeleteFunc; the
// index catches up with appends on each lookup and is rebuilt when a slice
// shrank or the data was replaced. Positions, not pointers, are kept: an
// append may move a slice.
type index struct {
	// n is how many records of each slice are indexed.
	n struct{ accounts, accessOrgs, idps, sets, grants, shares, recipients, resources int }

	account    map[string]int
	accessOrg  map[string]int   // by account
	idps       map[string][]int // by account
	idp        map[[2]string]int
	sets       map[string][]int // by account
	set        map[[2]string]int
	grants     map[string][]int // by account
	grant      map[[2]string]int
	grantOfIdP map[[2]string]int
	sent       map[string][]int // shares by owner account
	share      map[string]int
	recipients map[string][]int // by share
	receiving  map[string][]int // recipients by account
	recipient  map[[2]string]int
	resources  map[string][]int // by share
}

// ix returns the index, caught up with the data.
func (e *Emulator) ix() *index {
	x, d := &e.index, e.data
	if x.account == nil || len(d.Accounts) < x.n.accounts || len(d.AccessOrganizations) < x.n.accessOrgs || len(d.IdentityProviders) < x.n.idps ||
		len(d.CertificateSets) < x.n.sets || len(d.Grants) < x.n.grants || len(d.Shares) < x.n.shares ||
		len(d.Recipients) < x.n.recipients || len(d.ShareResources) < x.n.resources {
		*x = index{
			account: map[string]int{}, accessOrg: map[string]int{}, idps: map[string][]int{}, idp: map[[2]string]int{},
			sets: map[string][]int{}, set: map[[2]string]int{}, grants: map[string][]int{},
			grant: map[[2]string]int{}, grantOfIdP: map[[2]string]int{}, sent: map[string][]int{},
			share: map[string]int{}, recipients: map[string][]int{}, receiving: map[string][]int{},
			recipient: map[[2]string]int{}, resources: map[string][]int{},
		}
	}
	// The first record of a key wins, as a scan in order would find it.
	first := func(m map[[2]string]int, k [2]string, i int) {
		if _, ok := m[k]; !ok {
			m[k] = i
		}
	}
	for ; x.n.accounts < len(d.Accounts); x.n.accounts++ {
		if _, ok := x.account[d.Accounts[x.n.accounts].ID]; !ok {
			x.account[d.Accounts[x.n.accounts].ID] = x.n.accounts
		}
	}
	for ; x.n.accessOrgs < len(d.AccessOrganizations); x.n.accessOrgs++ {
		if _, ok := x.accessOrg[d.AccessOrganizations[x.n.accessOrgs].AccountID]; !ok {
			x.accessOrg[d.AccessOrganizations[x.n.accessOrgs].AccountID] = x.n.accessOrgs
		}
	}
	for ; x.n.idps < len(d.IdentityProviders); x.n.idps++ {
		p, i := &d.IdentityProviders[x.n.idps], x.n.idps
		x.idps[p.AccountID] = append(x.idps[p.AccountID], i)
		first(x.idp, [2]string{p.AccountID, p.ID}, i)
	}
	for ; x.n.sets < len(d.CertificateSets); x.n.sets++ {
		s, i := &d.CertificateSets[x.n.sets], x.n.sets
		x.sets[s.AccountID] = append(x.sets[s.AccountID], i)
		first(x.set, [2]string{s.AccountID, s.UID}, i)
	}
	for ; x.n.grants < len(d.Grants); x.n.grants++ {
		g, i := &d.Grants[x.n.grants], x.n.grants
		x.grants[g.AccountID] = append(x.grants[g.AccountID], i)
		first(x.grant, [2]string{g.AccountID, g.ID}, i)
		first(x.grantOfIdP, [2]string{g.AccountID, g.IdPID}, i)
	}
	for ; x.n.shares < len(d.Shares); x.n.shares++ {
		s, i := &d.Shares[x.n.shares], x.n.shares
		x.sent[s.AccountID] = append(x.sent[s.AccountID], i)
		if _, ok := x.share[s.ID]; !ok {
			x.share[s.ID] = i
		}
	}
	for ; x.n.recipients < len(d.Recipients); x.n.recipients++ {
		r, i := &d.Recipients[x.n.recipients], x.n.recipients
		x.recipients[r.ShareID] = append(x.recipients[r.ShareID], i)
		x.receiving[r.AccountID] = append(x.receiving[r.AccountID], i)
		first(x.recipient, [2]string{r.ShareID, r.AccountID}, i)
	}
	for ; x.n.resources < len(d.ShareResources); x.n.resources++ {
		r, i := &d.ShareResources[x.n.resources], x.n.resources
		x.resources[r.ShareID] = append(x.resources[r.ShareID], i)
	}
	return x
}

// reindex drops the index: the data was replaced or records were removed.
func (e *Emulator) reindex() {
	e.index = index{}
	e.settleAll = true
}

// noteDue records that something completes at t, so that settle runs then.
func (e *Emulator) noteDue(t time.Time) {
	if e.nextDue.IsZero() || t.Before(e.nextDue) {
		e.nextDue = t
	}
}
