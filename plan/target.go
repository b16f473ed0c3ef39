package plan

import (
	"fmt"
	"strings"
)

// Target returns the plan narrowed to the actions the addresses name and all
// the actions they depend on. An IdP address names the IdP's children too; an
// account address (account[<label>]) names everything of that account. An
// address that names nothing is an error, so that a typo never yields a plan
// that silently does less than asked.
func (p *Plan) Target(addrs []string) (*Plan, error) {
	byAddr := make(map[string][]int, len(p.Actions))
	for i, a := range p.Actions {
		byAddr[a.Address] = append(byAddr[a.Address], i)
	}
	keep := make([]bool, len(p.Actions))
	accounts := map[string]bool{} // account ids targeted whole
	var queue []int
	for _, t := range addrs {
		found := false
		for i, a := range p.Actions {
			if a.Address == t || a.IdP == t || AccountAddress(a.AccountID, a.Account) == t {
				found = true
				if !keep[i] {
					keep[i] = true
					queue = append(queue, i)
				}
			}
		}
		for _, ref := range p.Accounts {
			if AccountAddress(ref.ID, ref.Label) == t {
				found = true
				accounts[ref.ID] = true
			}
		}
		if !found {
			return nil, fmt.Errorf("target %s matches nothing in the plan", t)
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
			idps[a.IdP] = true
			used[a.AccountID] = true
		}
	}
	// kept reports whether a finding belongs to what the narrowed plan covers.
	kept := func(account, addr string) bool {
		return accounts[account] || idps[owningIdP(addr)]
	}
	for _, ref := range p.Accounts {
		if used[ref.ID] || accounts[ref.ID] {
			out.Accounts = append(out.Accounts, ref)
		}
	}
	for _, w := range p.Warnings {
		if idps[owningIdP(w.Address)] {
			out.Warnings = append(out.Warnings, w)
		}
	}
	for _, x := range p.Pending {
		if kept(x.AccountID, x.Address) {
			out.Pending = append(out.Pending, x)
		}
	}
	for _, r := range p.Reads {
		if kept(r.AccountID, r.Address) {
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

// owningIdP is the IdP address at the start of a child address. IdP names may
// hold any character, so it looks for the known child suffixes rather than
// parsing brackets.
func owningIdP(addr string) string {
	addr = strings.TrimSuffix(addr, Deposed)
	for _, suffix := range []string{".encryption.certificate_set", ".encryption", ".grant", ".share"} {
		if strings.HasSuffix(addr, suffix) {
			return strings.TrimSuffix(addr, suffix)
		}
	}
	if i := strings.LastIndex(addr, ".share.recipient["); i >= 0 && strings.HasSuffix(addr, "]") {
		return addr[:i]
	}
	return addr
}
