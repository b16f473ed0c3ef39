package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan/addr"
	"github.com/idpsync/idpsync/state"
)

// IdPVersion is the version marker of a live IdP: the reader's Version when it
// set one, else a hash of the object, because the API gives IdPs no updated_at.
func IdPVersion(l *state.LiveIdP) string {
	if l.Version != "" {
		return l.Version
	}
	obj := struct {
		ID, Name, Type string
		Config         map[string]any
		SCIMConfig     map[string]any
		ReadOnly       bool
		Encryption     bool
		Set            string
	}{l.ID, l.Name, l.Type, l.Config, l.SCIMConfig, l.ReadOnly, l.EncryptionEnabled, ""}
	if l.CertificateSet != nil {
		obj.Set = l.CertificateSet.UID
	}
	// Maps marshal with sorted keys, so the hash is stable.
	b, err := json.Marshal(obj)
	if err != nil {
		b = []byte(l.ID)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// Moved returns the Reads of a saved plan whose object changed or vanished
// since, each as saved, and a Read (with the new object's id and version) for
// every object that now exists where the plan expected to create one. A saved
// plan with any of them is stale: applying it would act on a world it did not see.
func Moved(saved *Plan, live *state.Live) []Read {
	type key struct {
		account string
		res     Resource
		id      string
	}
	versions := map[key]string{}
	addShare := func(account string, s *state.LiveShare) {
		versions[key{account, ResourceShare, s.ID}] = timeVersion(s.Modified)
		for _, r := range s.Recipients {
			versions[key{account, ResourceRecipient, r.ID}] = timeVersion(r.Modified)
		}
	}
	accounts := map[string]*state.LiveAccount{}
	for _, ref := range saved.Accounts {
		var la *state.LiveAccount
		if live != nil {
			la = live.Accounts[ref.ID]
		}
		if la == nil {
			continue
		}
		accounts[ref.ID] = la
		for _, l := range la.IdentityProviders {
			versions[key{ref.ID, ResourceIdP, l.ID}] = IdPVersion(l)
			if s := l.CertificateSet; s != nil {
				versions[key{ref.ID, ResourceCertificateSet, s.UID}] = timeVersion(s.UpdatedAt)
			}
			if g := l.Grant; g != nil {
				versions[key{ref.ID, ResourceGrant, g.ID}] = GrantVersion(g)
				if g.Share != nil {
					addShare(ref.ID, g.Share)
				}
			}
		}
		for _, g := range la.Grants {
			versions[key{ref.ID, ResourceGrant, g.ID}] = GrantVersion(g)
		}
		for _, s := range la.Shares {
			addShare(ref.ID, s)
		}
	}

	var out []Read
	for _, r := range saved.Reads {
		res := r.Resource
		if res == "" {
			res = ResourceIdP
		}
		v, ok := versions[key{r.AccountID, res, r.ID}]
		if !ok || v != r.Version {
			out = append(out, r)
		}
	}
	for _, a := range saved.Actions {
		if a.Action != Create || a.Reason == ReasonParentReplaced {
			continue
		}
		if r, ok := appeared(a, accounts[a.AccountID]); ok {
			out = append(out, r)
		}
	}
	sortReads(out)
	return out
}

// appeared finds a live object where a create action of a saved plan expected none.
func appeared(a Action, la *state.LiveAccount) (Read, bool) {
	if info, ok := addr.Info(a.Resource); la == nil || !ok || !info.Versioned {
		return Read{}, false
	}
	idp := func(id string) *state.LiveIdP {
		for _, l := range la.IdentityProviders {
			if l.ID == id {
				return l
			}
		}
		return nil
	}
	r := Read{Address: a.Address, AccountID: a.AccountID, Resource: a.Resource}
	switch a.Resource {
	case ResourceEncryption, ResourceSCIMSecret:
		// Settings of their IdP, not objects of their own (addr.Kinds:
		// not Versioned): the IdP's own read covers them.
	case ResourceIdP:
		for _, l := range la.IdentityProviders {
			if !l.ReadOnly && l.Name == a.IdPName {
				r.ID, r.Version = l.ID, IdPVersion(l)
				return r, true
			}
		}
	case ResourceCertificateSet:
		if l := idp(a.IDs.IdP); a.IDs.IdP != "" && l != nil && l.CertificateSet != nil {
			r.ID, r.Version = l.CertificateSet.UID, timeVersion(l.CertificateSet.UpdatedAt)
			return r, true
		}
	case ResourceGrant:
		if l := idp(a.IDs.IdP); a.IDs.IdP != "" && l != nil && l.Grant != nil {
			r.ID, r.Version = l.Grant.ID, GrantVersion(l.Grant)
			return r, true
		}
	case ResourceShare:
		if a.IDs.Grant == "" {
			break
		}
		for _, s := range la.Shares {
			if s.GrantID == a.IDs.Grant && s.Status == idptype.ShareActive {
				r.ID, r.Version = s.ID, timeVersion(s.Modified)
				return r, true
			}
		}
	case ResourceRecipient:
		if a.IDs.Share == "" {
			break
		}
		for _, s := range la.Shares {
			if s.ID != a.IDs.Share {
				continue
			}
			for _, rc := range s.Recipients {
				if rc.AccountID == a.RecipientAccount && isPresent(rc.Status) {
					r.ID, r.Version = rc.ID, timeVersion(rc.Modified)
					return r, true
				}
			}
		}
	}
	return Read{}, false
}

// GrantVersion is the version marker of a grant. A grant cannot change, and
// the API stamps it with nothing (no created_at: cloudflare-go v7.9.0
// IdPFederationGrant is {id, idp_id}), so its id, which Moved keys on, and the
// IdP it federates are all there is: one deleted and made again has a new id.
func GrantVersion(g *state.LiveGrant) string { return "idp:" + g.IdPID }

// timeVersion is the version marker of an object the API stamps with a time.
func timeVersion(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
