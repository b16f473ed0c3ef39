package plan

import (
	"reflect"
	"testing"
)

func TestAnalyzeLockout(t *testing.T) {
	const (
		src, rcpt = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
		okta, gh  = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
		conn      = "33333333-3333-4333-8333-333333333333"
	)
	deleteOkta := Action{Address: "account[a].idp[Okta]", Action: Delete, Resource: ResourceIdP, AccountID: src, IdPName: "Okta", IDs: IDs{IdP: okta}}
	unshare := Action{Address: "account[a].idp[Okta].grant", Action: Delete, Resource: ResourceGrant, AccountID: src, IdPName: "Okta", LosesAccess: []string{rcpt}}
	updateOkta := Action{Address: "account[a].idp[Okta]", Action: Update, Resource: ResourceIdP, AccountID: src, IdPName: "Okta", IDs: IDs{IdP: okta}}
	both := []AccessIdP{{ID: okta, Name: "Okta"}, {ID: gh, Name: "GitHub"}}

	tests := []struct {
		name   string
		action Action
		access map[string]*AccessState
		want   []Lockout
	}{
		{
			name:   "only allowed IdP",
			action: deleteOkta,
			access: map[string]*AccessState{src: {IdPs: both, Applications: []AccessApplication{
				{ID: "app1", Name: "Wiki", Domain: "wiki.example.com", AllowedIdPs: []string{okta}},
			}}},
			want: []Lockout{{Kind: LockoutApplication, AccountID: src, ID: "app1", Name: "Wiki", Domain: "wiki.example.com", IdPID: okta, Only: true}},
		},
		{
			name:   "one of several, and an app that allows every IdP",
			action: deleteOkta,
			access: map[string]*AccessState{src: {IdPs: both, Applications: []AccessApplication{
				{ID: "app2", Name: "Docs", Domain: "docs.example.com", AllowedIdPs: []string{gh, okta}},
				{ID: "app3", Name: "Open", Domain: "open.example.com"},
				{ID: "app4", Name: "GitHub only", Domain: "gh.example.com", AllowedIdPs: []string{gh}},
			}}},
			want: []Lockout{{Kind: LockoutApplication, AccountID: src, ID: "app2", Name: "Docs", Domain: "docs.example.com", IdPID: okta}},
		},
		{
			name:   "organization auto-redirects to the only IdP",
			action: deleteOkta,
			access: map[string]*AccessState{src: {
				IdPs:         []AccessIdP{{ID: okta, Name: "Okta"}},
				Organization: &AccessOrganization{Name: "team", AuthDomain: "team.cloudflareaccess.com", AutoRedirectToIdentity: true},
			}},
			want: []Lockout{{Kind: LockoutOrganization, AccountID: src, Name: "team", Domain: "team.cloudflareaccess.com", IdPID: okta, Only: true}},
		},
		{
			name:   "organization that does not auto-redirect, or has other IdPs",
			action: deleteOkta,
			access: map[string]*AccessState{src: {
				IdPs:         both,
				Organization: &AccessOrganization{Name: "team", AutoRedirectToIdentity: true},
			}},
		},
		{
			name:   "recipient side: the received connection",
			action: unshare,
			access: map[string]*AccessState{rcpt: {
				IdPs: []AccessIdP{{ID: conn, Name: "Okta", ReadOnly: true, FromAccount: src}, {ID: okta, Name: "Okta"}},
				Applications: []AccessApplication{
					{ID: "r1", Name: "Payroll", Domain: "pay.example.com", AllowedIdPs: []string{conn}},
					{ID: "r2", Name: "Own Okta", Domain: "own.example.com", AllowedIdPs: []string{okta}},
				},
			}},
			want: []Lockout{{Kind: LockoutApplication, AccountID: rcpt, ID: "r1", Name: "Payroll", Domain: "pay.example.com", IdPID: conn, Only: true}},
		},
		{
			name:   "recipient side: a connection from another account is not this one",
			action: unshare,
			access: map[string]*AccessState{rcpt: {
				IdPs:         []AccessIdP{{ID: conn, Name: "Okta", ReadOnly: true, FromAccount: "cccccccccccccccccccccccccccccccc"}},
				Applications: []AccessApplication{{ID: "r1", Name: "Payroll", AllowedIdPs: []string{conn}}},
			}},
		},
		{
			name:   "an update takes nothing away",
			action: updateOkta,
			access: map[string]*AccessState{src: {IdPs: both, Applications: []AccessApplication{{ID: "app1", Name: "Wiki", AllowedIdPs: []string{okta}}}}},
		},
		{
			name:   "a saved plan's own list is replaced",
			action: func() Action { a := updateOkta; a.Lockout = []Lockout{{Name: "forged"}}; return a }(),
			access: map[string]*AccessState{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Plan{Actions: []Action{tt.action}}
			AnalyzeLockout(p, tt.access)
			if got := p.Actions[0].Lockout; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Lockout =\n%+v\nwant\n%+v", got, tt.want)
			}
			if p.Actions[0].LocksOut() != (len(tt.want) > 0) {
				t.Errorf("LocksOut() = %v", p.Actions[0].LocksOut())
			}
		})
	}
}

func TestLockoutAccounts(t *testing.T) {
	p := &Plan{Actions: []Action{
		{Action: Update, Resource: ResourceIdP, AccountID: "x", IDs: IDs{IdP: "1"}},
		{Action: Create, Resource: ResourceIdP, AccountID: "y"},
	}}
	if got := LockoutAccounts(p); len(got) != 0 {
		t.Errorf("a plan without removals needs reads of %v", got)
	}
	p.Actions = append(p.Actions,
		Action{Action: Replace, Resource: ResourceIdP, AccountID: "b", IDs: IDs{IdP: "2"}},
		Action{Action: Delete, Resource: ResourceRecipient, AccountID: "b", LosesAccess: []string{"c", "a"}},
	)
	if got, want := LockoutAccounts(p), []string{"a", "b", "c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("LockoutAccounts = %v, want %v", got, want)
	}
}
