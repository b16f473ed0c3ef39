package emulator

import (
	"fmt"
	"sort"
)

// Duplicates lists every object the data holds twice where a reconciler must
// have created it once: two IdPs of one name in an account, two grants of one
// IdP, two live shares carrying one grant, two recipient records of one
// account in a share. Tests and benchmarks use it to prove that retries and
// crashes never duplicate a create.
func (d *Data) Duplicates() []string {
	var out []string
	count := func(what string, keys []string) {
		seen := map[string]int{}
		for _, k := range keys {
			seen[k]++
		}
		for k, n := range seen {
			if n > 1 {
				out = append(out, fmt.Sprintf("%s %s: %d copies", what, k, n))
			}
		}
	}
	var idps, grants, shares, recipients []string
	for _, i := range d.IdentityProviders {
		if !i.ReadOnly {
			idps = append(idps, i.AccountID+"/"+i.Name)
		}
	}
	for _, g := range d.Grants {
		grants = append(grants, g.AccountID+"/"+g.IdPID)
	}
	live := map[string]bool{}
	for _, s := range d.Shares {
		if s.Status != "deleting" && s.Status != "deleted" {
			live[s.ID] = true
		}
	}
	for _, r := range d.ShareResources {
		if live[r.ShareID] && r.Status != "deleting" && r.Status != "deleted" {
			shares = append(shares, r.ResourceAccountID+"/"+r.ResourceType+"/"+r.ResourceID)
		}
	}
	for _, r := range d.Recipients {
		recipients = append(recipients, r.ShareID+"/"+r.AccountID)
	}
	count("identity provider", idps)
	count("grant of IdP", grants)
	count("share of resource", shares)
	count("recipient", recipients)
	sort.Strings(out)
	return out
}

// Counts is how many objects of each kind the data holds, for reports.
func (d *Data) Counts() map[string]int {
	return map[string]int{
		"identity_providers": len(d.IdentityProviders),
		"certificate_sets":   len(d.CertificateSets),
		"grants":             len(d.Grants),
		"shares":             len(d.Shares),
		"recipients":         len(d.Recipients),
	}
}
