package engine_test

import (
	"testing"

	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/state"
)

// A declared IdP is recognised by its pinned id as well as by name: a pinned
// IdP renamed live still has its share's recipients read.
func TestManagedByDesiredHonoursPinnedID(t *testing.T) {
	d := &state.Desired{Accounts: []*state.Account{{ID: "a1", IdentityProviders: []*state.IdP{
		{Name: "Okta"},
		{Name: "Entra", ID: "pinned-1"},
	}}}}
	managed := engine.ManagedByDesired(d)
	tests := []struct {
		account string
		idp     state.LiveIdP
		want    bool
	}{
		{"a1", state.LiveIdP{ID: "x", Name: "Okta"}, true},
		{"a2", state.LiveIdP{ID: "x", Name: "Okta"}, false},
		{"a1", state.LiveIdP{ID: "pinned-1", Name: "Entra (renamed)"}, true},
		{"a1", state.LiveIdP{ID: "y", Name: "Other"}, false},
	}
	for _, tt := range tests {
		if got := managed(tt.account, &tt.idp); got != tt.want {
			t.Errorf("managed(%s, %s/%s) = %v, want %v", tt.account, tt.idp.ID, tt.idp.Name, got, tt.want)
		}
	}
}

func TestManagedByPlan(t *testing.T) {
	p := &plan.Plan{Actions: []plan.Action{{AccountID: "a1", IdPName: "Okta", IDs: plan.IDs{IdP: "id-1"}}}}
	managed := engine.ManagedByPlan(p)
	if !managed("a1", &state.LiveIdP{ID: "other", Name: "Okta"}) || !managed("a9", &state.LiveIdP{ID: "id-1", Name: "Renamed"}) {
		t.Error("an IdP the plan names, by name or by id, is managed")
	}
	if managed("a2", &state.LiveIdP{ID: "z", Name: "Okta"}) {
		t.Error("an IdP of another account is not managed")
	}
}
