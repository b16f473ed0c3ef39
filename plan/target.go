package plan

import (
	"fmt"

	"github.com/idpsync/idpsync/plan/addr"
)

// Target returns the plan narrowed to the actions the addresses name and all
// the actions they depend on. An IdP address names the IdP's children too; an
// account address (account[<label>]) names everything of that account. An
// address that names nothing is an error, so that a typo never yields a plan
// that silently does less than asked.
//
// Actions, reads, pending transitions and warnings are kept by one rule
// (covers): a target names an object when it is the object's address, its
// IdP's or its owner's. Besides, what belongs to an IdP the narrowed plan
// acts on stays (its actions come in as dependencies), and so do the
// findings about an account or zone as a whole (organization_unverified)
// when the narrowed plan acts on it.
func (p *Plan) Target(addrs []string) (*Plan, error) {
	byAddr := make(map[string][]int, len(p.Actions))
	for i, a := range p.Actions {
		byAddr[a.Address] = append(byAddr[a.Address], i)
	}
	keep := make([]bool, len(p.Actions))
	accounts := map[string]bool{} // account ids targeted whole
	targets := make([]target, len(addrs))
	for i, t := range addrs {
		targets[i].raw = t
		if a, err := addr.Parse(t); err == nil {
			targets[i].at, targets[i].ok = a, true
		}
	}
	var queue []int
	for _, t := range targets {
		found := false
		for i, a := range p.Actions {
			if t.covers(a.Address) {
				found = true
				if !keep[i] {
					keep[i] = true
					queue = append(queue, i)
				}
			}
		}
		for _, ref := range p.Accounts {
			if AccountAddress(ref.ID, ref.Label) == t.raw {
				found = true
				accounts[ref.ID] = true
			}
		}
		if !found {
			return nil, fmt.Errorf("target %s matches nothing in the plan", t.raw)
		}
	}
	for len(queue) > 0 {
		i := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, dep := range p.Actions[i].DependsOn {
			for _, j := range byAddr[dep] {
				if !keep[j] {
					keep[j] = true
					queue = append(queue, j)
				}
			}
		}
	}

	out := &Plan{
		FormatVersion: p.FormatVersion,
		Accounts:      []AccountRef{},
		Actions:       []Action{},
		Reads:         []Read{},
	}
	idps := map[string]bool{}
	used := map[string]bool{}
	for i, a := range p.Actions {
		if keep[i] {
			out.Actions = append(out.Actions, a)
			idps[owningIdP(a.Address)] = true
			used[a.AccountID] = true
		}
	}
	owners := map[string]bool{} // addresses of the accounts and zones kept
	for _, ref := range p.Accounts {
		if used[ref.ID] || accounts[ref.ID] {
			out.Accounts = append(out.Accounts, ref)
			owners[AccountAddress(ref.ID, ref.Label)] = true
		}
	}
	// kept reports whether a finding belongs to what the narrowed plan covers.
	kept := func(s string) bool {
		for _, t := range targets {
			if t.covers(s) {
				return true
			}
		}
		a, err := addr.Parse(s)
		if err != nil {
			return false
		}
		if a.IsOwner() {
			return owners[s]
		}
		i, _ := a.IdPAddress()
		return idps[i.String()]
	}
	for _, w := range p.Warnings {
		if kept(w.Address) {
			out.Warnings = append(out.Warnings, w)
		}
	}
	for _, u := range p.UndeliveredSCIM {
		if idps[u.Address] {
			out.UndeliveredSCIM = append(out.UndeliveredSCIM, u)
		}
	}
	for _, x := range p.Pending {
		if kept(x.Address) {
			out.Pending = append(out.Pending, x)
		}
	}
	for _, r := range p.Reads {
		if kept(r.Address) {
			out.Reads = append(out.Reads, r)
		}
	}
	for _, u := range p.Unmanaged {
		if accounts[u.AccountID] {
			out.Unmanaged = append(out.Unmanaged, u)
		}
	}
	for _, r := range p.Received {
		if accounts[r.AccountID] {
			out.Received = append(out.Received, r)
		}
	}
	return out, nil
}

// target is one --target address, parsed once.
type target struct {
	raw string
	at  addr.Address
	ok  bool // raw parses (as at)
}

// covers reports whether the target names the object at address s: it is s
// itself, the address of its IdP, or of its account or zone (addr.Within).
func (t target) covers(s string) bool {
	if t.raw == s {
		return true
	}
	if !t.ok {
		return false
	}
	a, err := addr.Parse(s)
	return err == nil && a.Within(t.at)
}

// owningIdP is the address of the IdP an address belongs to, or the address
// itself when it names no IdP (an account or zone) or does not parse.
func owningIdP(s string) string {
	a, err := addr.Parse(s)
	if err != nil {
		return s
	}
	if i, ok := a.IdPAddress(); ok {
		return i.String()
	}
	return s
}
