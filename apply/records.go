package apply

import (
	"sync"

	"github.com/idpsync/idpsync/plan"
)

// field is one of the ids recorded per IdP.
type field int

const (
	fIdP field = iota
	fSet
	fGrant
	fShare
	nFields
)

// records hold the live ids of each IdP address: those the plan knew (seed)
// and those this run created (run). Ids an action of this run recorded win
// over the plan's for parent references, because a replaced IdP has a new id;
// an action's own ids win for the object it changes or deletes, so a delete
// can never hit the object a create of this run just made.
type records struct {
	mu   sync.Mutex
	seed map[string]*[nFields]string
	run  map[string]*[nFields]string
}

func newRecords(acts []plan.Action) *records {
	r := &records{seed: map[string]*[nFields]string{}, run: map[string]*[nFields]string{}}
	for _, a := range acts {
		if a.IdP == "" {
			continue
		}
		rec := r.seed[a.IdP]
		if rec == nil {
			rec = new([nFields]string)
			r.seed[a.IdP] = rec
		}
		for f, v := range map[field]string{fIdP: a.IDs.IdP, fSet: a.IDs.CertificateSet, fGrant: a.IDs.Grant, fShare: a.IDs.Share} {
			if v != "" && rec[f] == "" {
				rec[f] = v
			}
		}
	}
	return r
}

func (r *records) record(idp string, f field, v string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec := r.run[idp]
	if rec == nil {
		rec = new([nFields]string)
		r.run[idp] = rec
	}
	rec[f] = v
}

func (r *records) get(m map[string]*[nFields]string, idp string, f field) string {
	if rec := m[idp]; rec != nil {
		return rec[f]
	}
	return ""
}

// parent returns the id of an object the action refers to but does not change.
func (r *records) parent(idp string, f field, own string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return first(r.get(r.run, idp, f), own, r.get(r.seed, idp, f))
}

// target returns the id of the object the action changes or deletes.
func (r *records) target(idp string, f field, own string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return first(own, r.get(r.run, idp, f), r.get(r.seed, idp, f))
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
