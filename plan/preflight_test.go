package plan

import (
	"errors"
	"strings"
	"testing"

	"github.com/idpsync/idpsync/state"
)

func TestPreflight(t *testing.T) {
	const (
		src   = "023e105f4ecef8ad9ca31a8372d0c353"
		peer  = "1a2b3c4d5e6f708192a3b4c5d6e7f809"
		other = "4d5e6f708192a3b4c5d6e7f8091a2b3c"
	)
	orgA, orgB := strings.Repeat("a", 32), strings.Repeat("b", 32)
	known := func(id string) state.LiveOrganization { return state.LiveOrganization{Known: true, ID: id} }
	okta := func(fed *state.Federation) *state.IdP {
		return &state.IdP{Name: "Okta", Type: "okta", Config: map[string]any{"client_id": "x", "okta_account": "https://x.okta.com"}, Federation: fed}
	}
	grants := func(n int) []*state.LiveGrant {
		var out []*state.LiveGrant
		for i := range n {
			out = append(out, &state.LiveGrant{ID: strings.Repeat(string(rune('0'+i)), 32), IdPID: "idp"})
		}
		return out
	}
	tests := []struct {
		name     string
		declared string // the declared organization
		idp      *state.IdP
		live     state.LiveAccount
		peers    map[string]*state.LiveOrganization
		want     []string // substrings, one per problem; none: no error
	}{
		{name: "same organization", declared: orgA, live: state.LiveAccount{Org: known(orgA)}},
		{name: "organization not readable", declared: orgA, live: state.LiveAccount{Org: state.LiveOrganization{Unknown: "403"}}},
		{name: "another organization", declared: orgA, live: state.LiveAccount{Org: known(orgB)},
			want: []string{"declares organization " + orgA + ", but the account belongs to organization " + orgB}},
		{name: "another organization named by a share", declared: orgA, live: state.LiveAccount{Organization: orgB},
			want: []string{"belongs to organization " + orgB}},
		{name: "no organization", declared: orgA, live: state.LiveAccount{Org: known("")},
			want: []string{"belongs to no organization"}},
		{name: "federation without an organization", idp: okta(&state.Federation{Organization: true}), live: state.LiveAccount{Org: known("")},
			want: []string{"belongs to no organization, and IdP federation works only inside one"}},
		{name: "recipient in the organization", idp: okta(&state.Federation{Accounts: []string{peer}}), live: state.LiveAccount{Org: known(orgA)},
			peers: map[string]*state.LiveOrganization{peer: {Known: true, ID: orgA}}},
		{name: "recipient of another organization", idp: okta(&state.Federation{Accounts: []string{peer, other}}), live: state.LiveAccount{Org: known(orgA)},
			peers: map[string]*state.LiveOrganization{peer: {Known: true, ID: orgB}, other: {Unknown: "404"}},
			want:  []string{"recipient account " + peer + " belongs to organization " + orgB}},
		{name: "recipient checked against the declared organization", declared: orgA, idp: okta(&state.Federation{Accounts: []string{peer}}),
			peers: map[string]*state.LiveOrganization{peer: {Known: true, ID: orgB}},
			want:  []string{"shares reach only accounts of organization " + orgA}},
		{name: "under the cap", idp: okta(&state.Federation{Organization: true}), live: state.LiveAccount{Grants: grants(4)}},
		{name: "over the cap with undeclared grants", idp: okta(&state.Federation{Organization: true}), live: state.LiveAccount{Grants: grants(5)},
			want: []string{"federates 6 identity providers of the account (5 already, 1 more), but the API allows at most 5"}},
		{name: "one-time PIN not federated", idp: &state.IdP{Name: "PIN", Type: "onetimepin", Config: map[string]any{}}, live: state.LiveAccount{Org: known(orgA)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &state.Account{ID: src, Organization: tt.declared}
			if tt.idp != nil {
				a.IdentityProviders = []*state.IdP{tt.idp}
			}
			la := tt.live
			la.ID = src
			live := &state.Live{Accounts: map[string]*state.LiveAccount{src: &la}, Peers: tt.peers}
			p, err := Diff(&state.Desired{Accounts: []*state.Account{a}}, live, Options{})
			if err != nil {
				t.Fatalf("Diff: %v", err)
			}
			err = Preflight(p, live, PreflightOptions{})
			checkProblems(t, err, tt.want)
		})
	}
}

// A saved plan is not trusted: a grant for a type that cannot be federated
// is refused even when the plan carries one.
func TestPreflightRefusesTamperedPlan(t *testing.T) {
	const src = "023e105f4ecef8ad9ca31a8372d0c353"
	p := &Plan{
		Accounts: []AccountRef{{ID: src, Label: "platform"}},
		Actions: []Action{
			{Address: "account[platform].idp[PIN]", Resource: ResourceIdP, Action: Create, AccountID: src, Account: "platform", IdP: "account[platform].idp[PIN]",
				Request: &IdPRequest{Name: "PIN", Type: "onetimepin"}},
			{Address: "account[platform].idp[PIN].grant", Resource: ResourceGrant, Action: Create, AccountID: src, Account: "platform", IdP: "account[platform].idp[PIN]"},
			{Address: "account[platform].idp[CF].grant", Resource: ResourceGrant, Action: Create, AccountID: src, Account: "platform", IdP: "account[platform].idp[CF]",
				IDs: IDs{IdP: "live-cf"}},
		},
	}
	live := &state.Live{Accounts: map[string]*state.LiveAccount{src: {ID: src, IdentityProviders: []*state.LiveIdP{{ID: "live-cf", Name: "CF", Type: "cloudflare"}}}}}
	checkProblems(t, Preflight(p, live, PreflightOptions{}), []string{"type cloudflare cannot be federated", "type onetimepin cannot be federated"})
}

func checkProblems(t *testing.T, err error, want []string) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("Preflight: %v", err)
		}
		return
	}
	var pe *PreflightError
	if !errors.As(err, &pe) {
		t.Fatalf("Preflight error = %v, want a PreflightError", err)
	}
	if len(pe.Problems) != len(want) {
		t.Fatalf("Preflight problems = %q, want %d", pe.Problems, len(want))
	}
	for i, w := range want {
		if !strings.Contains(pe.Problems[i].Message, w) {
			t.Errorf("problem %d = %q, want one containing %q", i, pe.Problems[i].Message, w)
		}
	}
}
