package plan

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan/addr"
	"github.com/idpsync/idpsync/state"
)

// Options shape a diff besides the two states.
type Options struct {
	// Now is the moment certificate expiry is measured from.
	Now time.Time
	// SecretKey keys SecretRef.Hash (hex HMAC-SHA256(key, value)). It is never
	// part of the plan: callers derive it from something the plan file does not
	// hold (package planfile), so the file cannot be used to test guesses.
	SecretKey []byte
	// ResendSecrets are IdP addresses whose write-only secrets are sent by a
	// forced update, because no read can tell whether they differ.
	ResendSecrets []string
	// RotateSCIMSecrets are IdP addresses whose SCIM secret is regenerated
	// through refresh_scim_secret (--rotate-scim-secret).
	RotateSCIMSecrets []string
	// SCIMDeliveries is what the --secrets-out directory records: duplicate
	// repair keeps a copy whose secret was delivered, and an IdP whose
	// secret was asked for and never written is reported. Nil when no
	// directory was given.
	SCIMDeliveries *SCIMDeliveries
}

// node is an action with its dependencies as edges. Addresses alone cannot
// carry the order: an IdP replace deletes the old grant and creates a new one
// under the same address. The action itself lives in differ.actions at the
// node's position, so that each action is stored once: order sorts that
// slice in place into the plan's.
type node struct {
	kind Kind // the action's kind
	deps []*node
	i    int // position in differ.nodes and differ.actions
}

type differ struct {
	opts   Options
	p      *Plan
	nodes  []*node
	slab   []node   // nodes are allocated in blocks: a large plan has many
	acts   []Action // the actions, by node position
	resend map[string]bool
	used   map[string]bool

	rotateSCIM map[string]bool
	usedSCIM   map[string]bool
}

// account is the per-account context of a diff.
type account struct {
	d     *state.Account
	live  *state.LiveAccount
	label string
	// shares are the account's sent shares by the grant they carry.
	shares map[string][]*state.LiveShare
}

// Diff compares the desired state with the live state of the declared accounts
// and returns the plan that makes live match desired. It is pure: it does no
// I/O, reads no clock and draws no randomness, so the same inputs always give
// the same plan.
func Diff(desired *state.Desired, live *state.Live, opts Options) (*Plan, error) {
	d := &differ{
		opts: opts,
		p: &Plan{
			FormatVersion: FormatVersion,
			// Views derive the dangers and engine.Blockers the blockers;
			// empty lists read as [] in every JSON form of a plan.
			Danger:   []Danger{},
			Blockers: []Blocker{},
			Accounts: []AccountRef{},
			Actions:  []Action{},
			Reads:    []Read{},
		},
		resend: make(map[string]bool, len(opts.ResendSecrets)),
		used:   make(map[string]bool, len(opts.ResendSecrets)),
	}
	for _, a := range opts.ResendSecrets {
		d.resend[a] = true
	}
	d.rotateSCIM, d.usedSCIM = map[string]bool{}, map[string]bool{}
	for _, a := range opts.RotateSCIMSecrets {
		d.rotateSCIM[a] = true
	}
	// Sizing the big slices up front spares a large plan most of its copying.
	nidp := 0
	for _, a := range desired.Accounts {
		nidp += len(a.IdentityProviders)
	}
	d.nodes = make([]*node, 0, 3*nidp)
	d.acts = make([]Action, 0, actionsEstimate(desired))
	d.p.Reads = make([]Read, 0, 3*nidp)
	accounts := slices.Clone(desired.Accounts)
	slices.SortFunc(accounts, func(x, y *state.Account) int { return cmp.Compare(x.ID, y.ID) })
	for i, a := range accounts {
		if i > 0 && accounts[i-1].ID == a.ID {
			return nil, fmt.Errorf("%s is declared twice", idptype.OwnerName(a.ID))
		}
		d.p.Accounts = append(d.p.Accounts, AccountRef{ID: a.ID, Label: a.Label(), Prune: a.Prune, Organization: a.Organization})
	}
	// In address order, each account's findings follow the previous ones'
	// and sorting them at the end finds them (almost always) in order.
	slices.SortStableFunc(accounts, func(x, y *state.Account) int {
		return cmp.Compare(AccountAddress(x.ID, x.Label()), AccountAddress(y.ID, y.Label()))
	})
	for _, a := range accounts {
		var la *state.LiveAccount
		if live != nil {
			la = live.Accounts[a.ID]
		}
		if err := d.account(a, la); err != nil {
			return nil, err
		}
	}
	for _, a := range opts.ResendSecrets {
		if !d.used[a] {
			return nil, fmt.Errorf("resend secrets: %s matches no declared identity provider", a)
		}
	}
	for _, a := range opts.RotateSCIMSecrets {
		if !d.usedSCIM[a] {
			return nil, fmt.Errorf("rotate SCIM secret: %s matches no declared identity provider", a)
		}
	}
	if err := order(d.nodes, d.acts); err != nil {
		return nil, err
	}
	d.p.Actions = d.acts
	d.sortFindings()
	return d.p, nil
}

func (d *differ) sortFindings() {
	p := d.p
	slices.SortFunc(p.Warnings, func(x, y Warning) int {
		return cmp.Or(cmp.Compare(x.Address, y.Address), cmp.Compare(x.Code, y.Code))
	})
	slices.SortFunc(p.Unmanaged, func(x, y Unmanaged) int {
		return cmp.Or(cmp.Compare(x.Address, y.Address), cmp.Compare(x.ID, y.ID))
	})
	slices.SortFunc(p.Received, func(x, y Received) int {
		return cmp.Or(cmp.Compare(x.Address, y.Address), cmp.Compare(x.ID, y.ID))
	})
	slices.SortFunc(p.Pending, func(x, y Pending) int {
		return cmp.Or(cmp.Compare(x.Address, y.Address), cmp.Compare(x.Status, y.Status))
	})
	sortReads(p.Reads)
}

func compareReads(x, y Read) int {
	return cmp.Or(cmp.Compare(x.Address, y.Address), cmp.Compare(x.Resource, y.Resource), cmp.Compare(x.ID, y.ID))
}

func sortReads(rs []Read) {
	if !slices.IsSortedFunc(rs, compareReads) {
		slices.SortFunc(rs, compareReads)
	}
}

// actionsEstimate is the plan's likely number of actions (one per IdP, two
// more for a certificate set and encryption, and a grant, a share and the
// recipients of a federated one), so that the actions are stored once instead
// of being copied as the slice grows; deletes of what is no longer declared
// are not counted and grow the slice.
func actionsEstimate(desired *state.Desired) int {
	n := 16
	for _, a := range desired.Accounts {
		for _, idp := range a.IdentityProviders {
			n++
			if idp.Encryption != nil {
				n += 2
			}
			if idp.Federation != nil {
				n += 2 + len(idp.Federation.Accounts)
			}
		}
	}
	return n
}

// add records an action after its dependencies; no-op actions and absent or
// no-op dependencies are not edges, so DependsOn names only real work.
func (d *differ) add(a Action, deps ...*node) *node {
	if len(d.slab) == cap(d.slab) {
		d.slab = make([]node, 0, 512)
	}
	d.slab = append(d.slab, node{kind: a.Action, i: len(d.nodes)})
	n := &d.slab[len(d.slab)-1]
	d.acts = append(d.acts, a)
	if a.Action != NoOp {
		for _, dep := range deps {
			if dep != nil && dep.kind != NoOp && !slices.Contains(n.deps, dep) {
				n.deps = append(n.deps, dep)
			}
		}
	}
	d.nodes = append(d.nodes, n)
	return n
}

func (d *differ) read(r Read) { d.p.Reads = append(d.p.Reads, r) }

func (d *differ) warn(w Warning) { d.p.Warnings = append(d.p.Warnings, w) }

func (d *differ) pending(p Pending) { d.p.Pending = append(d.p.Pending, p) }

func (d *differ) account(a *state.Account, la *state.LiveAccount) error {
	ac := &account{d: a, live: la, label: a.Label(), shares: map[string][]*state.LiveShare{}}
	// A declared organization is checked by Preflight, with the API's other
	// rules. When the account details could not be read, say so: the check
	// then rests on the shares alone.
	if la != nil && !la.Org.Known && la.Org.Unknown != "" && (a.Organization != "" || federates(a)) {
		d.warn(Warning{
			Address: AccountAddress(ac.d.ID, ac.label),
			Code:    WarnOrganizationUnverified,
			Message: "the account's organization could not be checked before applying: " + la.Org.Unknown,
			Detail:  "give the token the Account Settings Read permission on this account",
		})
	}
	start := len(d.p.Reads)
	defer func() { sortReads(d.p.Reads[start:]) }()
	var lidps []*state.LiveIdP
	if la != nil {
		lidps = la.IdentityProviders
		for _, s := range la.Shares {
			if s.GrantID != "" {
				ac.shares[s.GrantID] = append(ac.shares[s.GrantID], s)
			}
		}
	}
	byID := make(map[string]*state.LiveIdP, len(lidps))
	byName := make(map[string][]*state.LiveIdP, len(lidps))
	for _, l := range lidps {
		byID[l.ID] = l
		if !l.ReadOnly {
			byName[l.Name] = append(byName[l.Name], l)
		}
	}

	declared := make(map[string]bool, len(a.IdentityProviders))
	for _, di := range a.IdentityProviders {
		if declared[di.Name] {
			return fmt.Errorf("%s: declared twice", IdPAddress(ac.d.ID, ac.label, di.Name))
		}
		declared[di.Name] = true
	}

	// Pinned ids claim their live IdP first, so that a name match never takes
	// an IdP another declaration pins.
	claimed := make(map[*state.LiveIdP]bool, len(a.IdentityProviders))
	var twinsOf []twin
	matches := make([]*state.LiveIdP, len(a.IdentityProviders))
	for i, di := range a.IdentityProviders {
		if di.ID == "" {
			continue
		}
		addr := IdPAddress(ac.d.ID, ac.label, di.Name)
		l := byID[di.ID]
		switch {
		case l == nil:
			return fmt.Errorf("%s: pinned id %s does not exist in %s", addr, di.ID, idptype.OwnerKind(ac.d.ID)+" "+ac.label)
		case l.ReadOnly:
			return fmt.Errorf("%s: pinned id %s is a read-only IdP and cannot be managed", addr, di.ID)
		case claimed[l]:
			return fmt.Errorf("%s: pinned id %s is pinned by another IdP too", addr, di.ID)
		}
		claimed[l] = true
		matches[i] = l
	}
	for i, di := range a.IdentityProviders {
		if di.ID != "" {
			continue
		}
		var cands []*state.LiveIdP
		for _, l := range byName[di.Name] {
			if !claimed[l] {
				cands = append(cands, l)
			}
		}
		if len(cands) == 0 {
			continue
		}
		keep, extra, err := twins(ac, di, cands, d.delivered)
		if err != nil {
			return err
		}
		for _, l := range cands {
			claimed[l] = true
		}
		matches[i] = keep
		for _, l := range extra {
			twinsOf = append(twinsOf, twin{l: l, keep: keep, d: di})
		}
	}
	for i, di := range a.IdentityProviders {
		if err := d.idp(ac, di, matches[i]); err != nil {
			return err
		}
	}
	for _, tw := range twinsOf {
		d.duplicateIdP(ac, tw)
	}

	// What is left is either received from another account or unmanaged.
	unclaimed := map[string]int{}
	for _, l := range lidps {
		if !l.ReadOnly && !claimed[l] {
			unclaimed[l.Name]++
		}
	}
	for _, l := range lidps {
		if l.ReadOnly {
			r := Received{Address: IdPAddress(ac.d.ID, ac.label, l.Name), AccountID: a.ID, ID: l.ID, Name: l.Name}
			if l.Received != nil {
				r.FromAccount = l.Received.FromAccount
				r.FromCandidates = slices.Clone(l.Received.Candidates)
			}
			d.p.Received = append(d.p.Received, r)
			continue
		}
		if claimed[l] {
			continue
		}
		// An undeclared IdP whose name is taken is addressed by its id, so that
		// no two objects of a plan share an address.
		name := l.Name
		if declared[name] || unclaimed[name] > 1 {
			name = l.ID
		}
		at := IdPAt(ac.d.ID, ac.label, name)
		if a.Prune {
			d.prune(ac, at, l)
			continue
		}
		d.p.Unmanaged = append(d.p.Unmanaged, Unmanaged{Address: at.String(), AccountID: a.ID, ID: l.ID, Name: l.Name, Type: l.Type})
	}
	return nil
}

// idpState is what the child diffs of one declared IdP need to know.
type idpState struct {
	ac   *account
	t    idptype.Type
	d    *state.IdP
	l    *state.LiveIdP // nil when the IdP does not exist
	at   addr.Address   // the IdP's address
	addr string         // at in its string form
	base Action
	node *node // the IdP's own action
	// fresh is set when the IdP is created or replaced: its live children are
	// gone or about to be, and new ones are created with childReason.
	fresh       bool
	childReason Reason
	// request makes the IdP body that PUTs of this IdP start from; most IdPs
	// are in sync and never need one.
	request func() *IdPRequest
	body1   *IdPRequest
}

// body is the IdP body that PUTs of this IdP start from, made once.
func (s *idpState) body() *IdPRequest {
	if s.body1 == nil {
		s.body1 = s.request()
	}
	return s.body1
}

func (s *idpState) fixed(r *IdPRequest) { s.body1 = r }

func (s *idpState) ids() IDs {
	if s.fresh {
		return IDs{}
	}
	return IDs{IdP: s.l.ID}
}

// child is the address of the IdP's object of kind k (with key, for a keyed
// kind).
func (s *idpState) child(k Resource, key string) string { return s.at.Child(k, key).String() }

func (s *idpState) action(addr string, r Resource, k Kind, reason Reason) Action {
	a := s.base
	a.Address, a.Resource, a.Action, a.Reason = addr, r, k, reason
	a.IDs = s.ids()
	return a
}

func (d *differ) idp(ac *account, di *state.IdP, l *state.LiveIdP) error {
	at := IdPAt(ac.d.ID, ac.label, di.Name)
	addr := at.String()
	t, ok := idptype.Types[di.Type]
	if !ok {
		return fmt.Errorf("%s: unknown identity provider type %q", addr, di.Type)
	}
	s := &idpState{
		ac: ac, t: t, d: di, l: l, at: at, addr: addr,
		base:        Action{AccountID: ac.d.ID, Account: ac.label, IdP: addr, IdPName: di.Name},
		childReason: ReasonMissing,
	}
	resend := d.resend[addr]
	d.used[addr] = true
	salt := d.opts.SecretKey

	switch {
	case l == nil:
		s.fresh = true
		a := s.action(addr, ResourceIdP, Create, ReasonMissing)
		a.Request = createRequest(t, di, salt)
		a.After = idpAfter(t, di)
		a.Changes = createChanges(t, di)
		a.Changes = append(a.Changes, writeOnlyChanges(t, di)...)
		a.Sources = sourcesOf(di)
		sortChanges(a.Changes)
		if di.SCIM.Enabled() {
			a.SCIMSecret = true
			a.Notes = append(a.Notes, scimSecretNote)
		}
		s.fixed(a.Request)
		s.node = d.add(a)

	case l.Type != di.Type:
		d.readIdP(ac, addr, l)
		// The API refuses to delete an IdP while a grant refers to it, so the
		// old federation goes first.
		last := d.deleteFederation(ac, s.base, at, l, ReasonParentReplaced)
		s.fresh, s.childReason = true, ReasonParentReplaced
		a := s.base
		a.Address, a.Resource, a.Action, a.Reason = addr, ResourceIdP, Replace, ReasonTypeChanged
		a.IDs = IDs{IdP: l.ID}
		a.Request = createRequest(t, di, salt)
		a.Before = idpBefore(t, di, l)
		a.After = idpAfter(t, di)
		a.Changes = append([]Change{{Path: "type", Before: l.Type, After: di.Type}}, configChanges(t, di, l.Config)...)
		if l.Name != di.Name {
			a.Changes = append(a.Changes, Change{Path: "name", Before: l.Name, After: di.Name})
		}
		a.Changes = append(a.Changes, writeOnlyChanges(t, di)...)
		a.Sources = sourcesOf(di)
		sortChanges(a.Changes)
		a.Destructive = true
		a.Notes = []string{fmt.Sprintf("the type cannot change in place: IdP %s is deleted and created again with a new id, so access policies that name the old id stop matching", l.ID)}
		if di.SCIM.Enabled() {
			a.SCIMSecret = true
			a.Notes = append(a.Notes, scimSecretNote)
		}
		s.fixed(a.Request)
		s.node = d.add(a, last...)

	default:
		d.readIdP(ac, addr, l)
		changes := configChanges(t, di, l.Config)
		changes = append(changes, scimChanges(di.SCIM, l.SCIMConfig)...)
		if di.ID != "" && l.Name != di.Name {
			changes = append(changes, Change{Path: "name", Before: l.Name, After: di.Name})
		}
		// An update must not toggle encryption: the encryption action does,
		// at the moment the external IdP is ready for it.
		stays := di.Type == idptype.SAML && l.EncryptionEnabled && l.CertificateSet != nil && di.Encryption != nil && di.Encryption.Enabled
		s.request = func() *IdPRequest { return updateRequest(t, di, l, salt, stays) }
		// A no-op names what is managed and carries no values: with
		// thousands of IdPs, their certificates would dwarf the changes.
		a := s.action(addr, ResourceIdP, NoOp, ReasonInSync)
		a.Unverified = writeOnlyDeclared(t, di)
		if len(changes) > 0 || resend {
			a.After = idpAfter(t, di)
			a.Before = idpBefore(t, di, l)
			a.Action, a.Reason = Update, ReasonChanged
			if len(changes) == 0 {
				a.Reason = ReasonResendSecrets
			}
			a.Changes = append(changes, writeOnlyChanges(t, di)...)
			a.Sources = sourcesOf(di)
			sortChanges(a.Changes)
			a.Request = s.body()
			if stays {
				a.IDs.CertificateSet = l.CertificateSet.UID
			}
			if di.SCIM.Enabled() && !liveSCIMEnabled(l) {
				a.SCIMSecret = true
				a.Notes = append(a.Notes, scimSecretNote)
			}
		}
		s.node = d.add(a)
	}

	// chain is the last create-side action of this IdP: each child waits for it.
	var chain *node
	if s.node.kind == Create || s.node.kind == Replace {
		chain = s.node
	}
	chain, err := d.encryption(s, chain)
	if err != nil {
		return err
	}
	if err := d.scimSecretAction(s); err != nil {
		return err
	}
	d.undeliveredSCIM(s)
	return d.federation(s, chain)
}

// sourcesOf maps the change path of each config key that was not written in
// the file (filled from metadata) to where it came from.
func sourcesOf(di *state.IdP) map[string]string {
	if len(di.Sources) == 0 {
		return nil
	}
	out := make(map[string]string, len(di.Sources))
	for k, src := range di.Sources {
		out["config."+k] = src
	}
	return out
}

// writeOnlyDeclared lists the declared keys the API never returns, sorted.
func writeOnlyDeclared(t idptype.Type, di *state.IdP) []string {
	var keys []string
	for k := range di.Config {
		if isWriteOnly(t, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func (d *differ) readIdP(ac *account, addr string, l *state.LiveIdP) {
	d.read(Read{Address: addr, AccountID: ac.d.ID, ID: l.ID, Version: IdPVersion(l), Resource: ResourceIdP})
}

// prune deletes an undeclared IdP of an account with prune: true, its share
// and grant first.
func (d *differ) prune(ac *account, at addr.Address, l *state.LiveIdP) {
	addr := at.String()
	d.readIdP(ac, addr, l)
	base := Action{AccountID: ac.d.ID, Account: ac.label, IdP: addr, IdPName: l.Name}
	last := d.deleteFederation(ac, base, at, l, ReasonPruned)
	a := base
	a.Address, a.Resource, a.Action, a.Reason = addr, ResourceIdP, Delete, ReasonPruned
	a.IDs = IDs{IdP: l.ID}
	a.Before = map[string]any{"name": l.Name, "type": l.Type}
	a.Destructive = true
	a.Notes = []string{fmt.Sprintf("no file declares IdP %q (%s) and %s has prune: true", l.Name, l.ID, idptype.OwnerKind(ac.d.ID)+" "+ac.label)}
	if l.CertificateSet != nil {
		a.Notes = append(a.Notes, fmt.Sprintf("its encryption certificate set %s stays: the API cannot delete certificate sets", l.CertificateSet.UID))
	}
	d.add(a, last...)
}

// joinIDs renders a list of account ids for a note.
func joinIDs(ids []string) string { return strings.Join(ids, ", ") }

// federates reports whether the account declares any federation.
func federates(a *state.Account) bool {
	for _, i := range a.IdentityProviders {
		if i.Federation != nil {
			return true
		}
	}
	return false
}
