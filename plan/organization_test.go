package plan

import (
	"strings"
	"testing"

	"github.com/idpsync/idpsync/state"
)

func TestOrganizationShareNamesDeclaredOrganization(t *testing.T) {
	const acct = "023e105f4ecef8ad9ca31a8372d0c353"
	org := strings.Repeat("c", 32)
	d := &state.Desired{Accounts: []*state.Account{{ID: acct, Organization: org, IdentityProviders: []*state.IdP{{
		Name: "Passkeys", Type: "passkeys", Config: map[string]any{},
		Federation: &state.Federation{Organization: true},
	}}}}}
	p, err := Diff(d, &state.Live{Accounts: map[string]*state.LiveAccount{}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range p.Actions {
		if a.Resource == ResourceShare && a.Action == Create {
			if a.Share == nil || !a.Share.Organization || a.Share.OrganizationID != org {
				t.Fatalf("share request = %+v, want organization-wide naming %s", a.Share, org)
			}
			return
		}
	}
	t.Fatal("no share create in the plan")
}
