package apply

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/internal/golden"
	"github.com/idpsync/idpsync/plan"
	lstate "github.com/idpsync/idpsync/state"
)

func destroyPlan(prunePlatform bool) *plan.Plan {
	idp := act(plan.Delete, plan.ResourceIdP, "0aa", "Okta", "")
	idp.Account = "platform"
	idp.Destructive = true
	grant := act(plan.Delete, plan.ResourceGrant, "0aa", "Okta", ".grant")
	grant.Account = "platform"
	grant.Destructive = true
	grant.LosesAccess = []string{"0bb", "0cc"}
	rcpt := act(plan.Delete, plan.ResourceRecipient, "0dd", "Azure", ".share.recipient[0cc]")
	rcpt.Account = "eng"
	rcpt.Destructive = true
	rcpt.LosesAccess = []string{"0cc"}
	upd := act(plan.Update, plan.ResourceIdP, "0dd", "Azure", "")
	upd.Account = "eng"
	return &plan.Plan{
		Accounts: []plan.AccountRef{
			{ID: "0aa", Label: "platform", Prune: prunePlatform},
			{ID: "0bb", Label: "sales"},
			{ID: "0cc", Label: "0cc"},
			{ID: "0dd", Label: "eng"},
		},
		Actions: []plan.Action{idp, grant, rcpt, upd},
	}
}

// zoneDestroyPlan deletes a zone IdP, and with account an account IdP too.
func zoneDestroyPlan(account bool) *plan.Plan {
	zone := idptype.ZoneKey("d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0")
	idp := act(plan.Delete, plan.ResourceIdP, zone, "GitHub", "")
	idp.Address, idp.IdP, idp.Account = "zone[docs].idp[GitHub]", "zone[docs].idp[GitHub]", "docs"
	p := &plan.Plan{
		Accounts: []plan.AccountRef{{ID: zone, Label: "docs"}},
		Actions:  []plan.Action{idp},
	}
	if account {
		a := act(plan.Delete, plan.ResourceIdP, "0aa", "Okta", "")
		a.Account = "platform"
		p.Accounts = append(p.Accounts, plan.AccountRef{ID: "0aa", Label: "platform"})
		p.Actions = append([]plan.Action{a}, p.Actions...)
	}
	return p
}

func TestCheckDestroy(t *testing.T) {
	tests := []struct {
		name         string
		plan         *plan.Plan
		allow        bool
		wantBlocked  []string
		wantLosesAcc []string
		wantZonesLA  []string
	}{
		{
			name:         "blocked",
			plan:         destroyPlan(false),
			wantBlocked:  []string{"account[0aa].idp[Okta]", "account[0aa].idp[Okta].grant", "account[0dd].idp[Azure].share.recipient[0cc]"},
			wantLosesAcc: []string{"0cc", "platform (0aa)", "sales (0bb)"},
		},
		{
			name:         "prune allows its own account only",
			plan:         destroyPlan(true),
			wantBlocked:  []string{"account[0dd].idp[Azure].share.recipient[0cc]"},
			wantLosesAcc: []string{"0cc"},
		},
		{
			// A zone's prune: true is the way out: the message names the
			// zone, and the zone (by its bare id) loses the login option.
			name:        "zone idp",
			plan:        zoneDestroyPlan(false),
			wantBlocked: []string{"zone[docs].idp[GitHub]"},
			wantZonesLA: []string{"docs (d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0)"},
		},
		{
			name:         "zone and account",
			plan:         zoneDestroyPlan(true),
			wantBlocked:  []string{"account[0aa].idp[Okta]", "zone[docs].idp[GitHub]"},
			wantLosesAcc: []string{"platform (0aa)"},
			wantZonesLA:  []string{"docs (d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0)"},
		},
		{name: "allowed", plan: destroyPlan(false), allow: true},
		{name: "nothing destructive", plan: &plan.Plan{Actions: []plan.Action{act(plan.Create, plan.ResourceIdP, "0aa", "Okta", "")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckDestroy(tt.plan, nil, tt.allow)
			if tt.wantBlocked == nil {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var de *DestroyError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want a *DestroyError", err)
			}
			var got []string
			for _, b := range de.Blocked {
				got = append(got, b.Address)
			}
			if !slices.Equal(got, tt.wantBlocked) {
				t.Errorf("blocked = %v, want %v", got, tt.wantBlocked)
			}
			if !slices.Equal(de.LosesAccess, tt.wantLosesAcc) {
				t.Errorf("loses access = %v, want %v", de.LosesAccess, tt.wantLosesAcc)
			}
			if !slices.Equal(de.ZonesLoseAccess, tt.wantZonesLA) {
				t.Errorf("zones lose access = %v, want %v", de.ZonesLoseAccess, tt.wantZonesLA)
			}
			if strings.Contains(err.Error(), idptype.ZonePrefix) {
				t.Errorf("message names a zone by its owner key:\n%s", err)
			}
			golden.Check(t, filepath.Join("testdata", "check_destroy_"+filepath.Base(t.Name())+".golden"), []byte(err.Error()+"\n"))
		})
	}
}

// TestCheckDestroyRepairs: deleting a duplicate needs no --allow-destroy only
// where the live state read at apply time shows the twin that stays; the
// plan's own flags never decide.
func TestCheckDestroyRepairs(t *testing.T) {
	const acct = "0123456789abcdef0123456789abcdef"
	desired := &lstate.Desired{Accounts: []*lstate.Account{{ID: acct, IdentityProviders: []*lstate.IdP{
		{Name: "PIN", Type: "onetimepin", Config: map[string]any{}},
	}}}}
	live := func(grantOnTwin bool) *lstate.Live {
		a := &lstate.LiveIdP{ID: "idp-a", Name: "PIN", Type: "onetimepin", Config: map[string]any{}}
		b := &lstate.LiveIdP{ID: "idp-b", Name: "PIN", Type: "onetimepin", Config: map[string]any{}}
		la := &lstate.LiveAccount{ID: acct, IdentityProviders: []*lstate.LiveIdP{a, b}}
		if grantOnTwin {
			b.Grant = &lstate.LiveGrant{ID: "g-b", IdPID: b.ID}
			la.Grants = []*lstate.LiveGrant{b.Grant}
		}
		return &lstate.Live{Accounts: map[string]*lstate.LiveAccount{acct: la}}
	}
	p, err := plan.Diff(desired, live(false), plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckDestroy(p, live(false), false); err != nil {
		t.Errorf("repair of an unreferenced twin: %v", err)
	}
	// Without the live state to show the twin that stays, it is a deletion.
	if err := CheckDestroy(p, nil, false); err == nil {
		t.Error("a duplicate deletion passed without live evidence")
	}
	// With a grant on idp-b, idp-b is the copy kept: idp-a goes as a repair,
	// while the grant no file declares is a deletion like any other.
	pg, err := plan.Diff(desired, live(true), plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var de *DestroyError
	if err := CheckDestroy(pg, live(true), false); !errors.As(err, &de) || len(de.Blocked) != 1 || !strings.HasSuffix(de.Blocked[0].Address, ".grant") {
		t.Errorf("blocked = %v, want the undeclared grant only", err)
	}
	// When live no longer shows the twin that stays, the repair is a deletion.
	gone := live(false)
	gone.Accounts[acct].IdentityProviders = gone.Accounts[acct].IdentityProviders[1:]
	if err := CheckDestroy(p, gone, false); err == nil {
		t.Error("deleting the last copy passed as a repair")
	}
	// Marking a destructive action as not destructive changes nothing.
	forged := destroyPlan(false)
	for i := range forged.Actions {
		forged.Actions[i].Destructive = false
	}
	if err := CheckDestroy(forged, nil, false); err == nil {
		t.Error("a plan whose Destructive flags were cleared passed the gate")
	}
}
