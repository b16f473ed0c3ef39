package plan

import (
	"testing"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/state"
)

func TestDiffZone(t *testing.T) {
	zone := idptype.ZoneKey("d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0")
	d := &state.Desired{Accounts: []*state.Account{
		{ID: zone, Zone: true, Name: "docs", IdentityProviders: []*state.IdP{desiredGitHub()}},
		{ID: acctPlatform, Name: "docs", IdentityProviders: []*state.IdP{desiredGitHub()}},
	}}
	live := &state.Live{Accounts: map[string]*state.LiveAccount{
		zone:         {ID: zone, Org: state.LiveOrganization{Known: true}},
		acctPlatform: {ID: acctPlatform, Organization: orgID},
	}}
	p, err := Diff(d, live, opts())
	if err != nil {
		t.Fatal(err)
	}
	z := find(t, p, "zone[docs].idp[GitHub]", Create)
	if z.AccountID != zone {
		t.Errorf("zone action works on %q, want the zone's owner key", z.AccountID)
	}
	// An account and a zone may share a label: their addresses differ.
	a := find(t, p, "account[docs].idp[GitHub]", Create)
	if a.AccountID != acctPlatform {
		t.Errorf("account action works on %q", a.AccountID)
	}
	if got, err := p.Target([]string{"zone[docs]"}); err != nil || len(got.Actions) != 1 || got.Actions[0].Address != z.Address {
		t.Errorf("--target zone[docs] = %v, %v; want the zone's action only", got, err)
	}
}
