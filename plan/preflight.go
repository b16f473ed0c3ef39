package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/state"
)

// Problem is one reason a plan cannot be applied, found before any write.
type Problem struct {
	Address string `json:"address"`
	Message string `json:"message"`
}

func (p Problem) String() string { return p.Address + ": " + p.Message }

// PreflightError lists every problem Preflight found.
type PreflightError struct{ Problems []Problem }

func (e *PreflightError) Error() string {
	var b strings.Builder
	n := len(e.Problems)
	if n == 1 {
		b.WriteString("1 problem")
	} else {
		fmt.Fprintf(&b, "%d problems", n)
	}
	b.WriteString(" found before any change was made:")
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// PreflightOptions are the limits Preflight holds a plan to.
type PreflightOptions struct {
	// MaxFederatedIdPs caps the grants of one account; 0 means
	// state.MaxFederatedIdPs, the documented five.
	MaxFederatedIdPs int
}

// Preflight checks, against the live state just read, every rule of the API
// that a plan can break and that can be known before the first write: the
// declared organization of each account, federation from an account in no
// organization, share recipients outside the source's organization, the cap on
// federated IdPs per account, and the IdP types that cannot be federated. A
// plan that fails any of them would stop halfway, after some writes; checked
// first, it makes none.
//
// It trusts nothing in the plan but its actions: a saved plan is checked again
// at apply time against a fresh read. Checks whose facts the API did not
// reveal (an organization the token may not read) are skipped, not guessed.
func Preflight(p *Plan, live *state.Live, opts PreflightOptions) error {
	maxFederated := opts.MaxFederatedIdPs
	if maxFederated <= 0 {
		maxFederated = state.MaxFederatedIdPs
	}
	var probs []Problem
	add := func(addr, format string, args ...any) {
		probs = append(probs, Problem{Address: addr, Message: fmt.Sprintf(format, args...)})
	}
	liveAccount := func(id string) *state.LiveAccount {
		if live == nil {
			return nil
		}
		return live.Accounts[id]
	}
	// org is what the API said about an account's organization.
	org := func(id string) (string, bool) {
		if la := liveAccount(id); la != nil {
			if la.Org.Known {
				return la.Org.ID, true
			}
			// Without the account details, a sent share still names it.
			if la.Organization != "" {
				return la.Organization, true
			}
		}
		if live != nil {
			if o := live.Peers[id]; o != nil && o.Known {
				return o.ID, true
			}
		}
		return "", false
	}

	refs := make(map[string]AccountRef, len(p.Accounts))
	for _, ref := range p.Accounts {
		refs[ref.ID] = ref
		if ref.Organization == "" {
			continue
		}
		addr := AccountAddress(ref.ID, ref.Label)
		switch got, known := org(ref.ID); {
		case !known:
		case got == "":
			add(addr, "the file declares organization %s, but the account belongs to no organization", ref.Organization)
		case got != ref.Organization:
			add(addr, "the file declares organization %s, but the account belongs to organization %s", ref.Organization, got)
		}
	}

	// The source account's organization: the live one, else the declared one.
	sourceOrg := func(a *Action) (string, bool) {
		if o, ok := org(a.AccountID); ok {
			return o, true
		}
		if o := refs[a.AccountID].Organization; o != "" {
			return o, true
		}
		return "", false
	}
	noOrg := map[string]bool{}
	grantsAdded := map[string]int{}
	grantsGone := map[string]map[string]bool{}
	idpTypes := map[string]string{} // IdP address → type the plan sends
	for i := range p.Actions {
		a := &p.Actions[i]
		if a.Request != nil && a.Resource == ResourceIdP {
			idpTypes[a.IdP] = a.Request.Type
		}
	}
	for i := range p.Actions {
		a := &p.Actions[i]
		federates := a.Action == Create || a.Action == Replace
		switch a.Resource {
		case ResourceGrant:
			if a.Action == Delete && a.IDs.Grant != "" {
				if grantsGone[a.AccountID] == nil {
					grantsGone[a.AccountID] = map[string]bool{}
				}
				grantsGone[a.AccountID][a.IDs.Grant] = true
			}
			if !federates {
				continue
			}
			grantsAdded[a.AccountID]++
			if t := idpType(a, idpTypes, liveAccount(a.AccountID)); t != "" {
				if ty, ok := idptype.Types[t]; ok && !ty.Federable {
					// Source: the grant create's description (S-GRANT, REFERENCE.md §4):
					// one-time PIN and Cloudflare-managed IdPs cannot be federated.
					add(a.Address, "identity providers of type %s cannot be federated", t)
				}
			}
		case ResourceShare, ResourceRecipient:
			if !federates {
				continue
			}
		case ResourceIdP, ResourceCertificateSet, ResourceEncryption, ResourceSCIMSecret:
			// Not federation: the organization rules below do not concern them.
			continue
		}
		src, known := sourceOrg(a)
		if o, ok := org(a.AccountID); ok && o == "" && !noOrg[a.AccountID] {
			// Source: REFERENCE.md §4 (S-GRANT, D-APIREF): the source account
			// must belong to a Cloudflare organization.
			noOrg[a.AccountID] = true
			add(AccountAddress(a.AccountID, a.Account), "the account belongs to no organization, and IdP federation works only inside one")
		}
		if !known || src == "" {
			continue
		}
		var recipients []string
		switch {
		case a.Resource == ResourceRecipient:
			recipients = []string{a.RecipientAccount}
		case a.Share != nil && !a.Share.Organization:
			recipients = a.Share.Accounts
		}
		for _, r := range recipients {
			// Source: REFERENCE.md §5.2 (S-SHARE): the recipient account must
			// be in the same organization as the owner.
			switch got, ok := org(r); {
			case !ok:
			case got == "":
				add(a.Address, "recipient account %s belongs to no organization; shares reach only accounts of organization %s", r, src)
			case got != src:
				add(a.Address, "recipient account %s belongs to organization %s; shares reach only accounts of organization %s", r, got, src)
			}
		}
	}

	// The cap counts every grant of the account, declared or not. Only a plan
	// that adds grants can break it; an account already over it (the cap is
	// contested, REFERENCE.md §9.1) is not blocked from unrelated changes.
	for _, ref := range p.Accounts {
		added := grantsAdded[ref.ID]
		if added == 0 {
			continue
		}
		federated := map[string]bool{}
		if la := liveAccount(ref.ID); la != nil {
			for _, g := range la.Grants {
				if !grantsGone[ref.ID][g.ID] {
					federated[g.ID] = true
				}
			}
		}
		if n := len(federated) + added; n > maxFederated {
			add(AccountAddress(ref.ID, ref.Label), "the plan federates %d identity providers of the account (%d already, %d more), but the API allows at most %d at a time",
				n, len(federated), added, maxFederated)
		}
	}
	if len(probs) == 0 {
		return nil
	}
	slices.SortStableFunc(probs, func(x, y Problem) int { return strings.Compare(x.Address, y.Address) })
	probs = slices.Compact(probs)
	return &PreflightError{Problems: probs}
}

// idpType is the type of the IdP a grant create federates: the type the plan
// sends for it, else the live IdP's.
func idpType(a *Action, sent map[string]string, la *state.LiveAccount) string {
	if t := sent[a.IdP]; t != "" {
		return t
	}
	if la == nil || a.IDs.IdP == "" {
		return ""
	}
	for _, l := range la.IdentityProviders {
		if l.ID == a.IDs.IdP {
			return l.Type
		}
	}
	return ""
}
