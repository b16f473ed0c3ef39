package plan

import (
	"reflect"
	"strings"
	"testing"
)

func TestAnalyzeLockout(t *testing.T) {
	const (
		src, rcpt, other = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "cccccccccccccccccccccccccccccccc"
		okta, gh         = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
		conn, conn2      = "33333333-3333-4333-8333-333333333333", "44444444-4444-4444-8444-444444444444"
		share            = "5555555555555555555555555555555a"
	)
	deleteOkta := Action{Address: "account[a].idp[Okta]", Action: Delete, Resource: ResourceIdP, AccountID: src, IdPName: "Okta", IDs: IDs{IdP: okta}}
	deleteGH := Action{Address: "account[a].idp[GitHub]", Action: Delete, Resource: ResourceIdP, AccountID: src, IdPName: "GitHub", IDs: IDs{IdP: gh}}
	unshare := Action{Address: "account[a].idp[Okta].share", Action: Delete, Resource: ResourceShare, AccountID: src, IdPName: "Okta", IDs: IDs{IdP: okta, Grant: "g1", Share: share}}
	unrecipient := Action{Address: "account[a].idp[Okta].share.recipient[b]", Action: Delete, Resource: ResourceRecipient, AccountID: src, IdPName: "Okta", RecipientAccount: rcpt, IDs: IDs{IdP: okta, Share: share}}
	updateOkta := Action{Address: "account[a].idp[Okta]", Action: Update, Resource: ResourceIdP, AccountID: src, IdPName: "Okta", IDs: IDs{IdP: okta}}
	both := []AccessIdP{{ID: okta, Name: "Okta"}, {ID: gh, Name: "GitHub"}}
	reached := map[ShareRef]*ShareReach{{src, share}: {Accounts: []string{rcpt}, Associated: map[string]bool{rcpt: true}}}
	associating := map[ShareRef]*ShareReach{{src, share}: {Accounts: []string{rcpt}, Associated: map[string]bool{}}}
	loginOkta := AccessRule{Kind: "login_method", IdPID: okta}
	everyone := AccessRule{Kind: "everyone"}
	email := AccessRule{Kind: "email"}
	payroll := func(allowed ...string) []AccessApplication {
		return []AccessApplication{{ID: "r1", Name: "Payroll", Domain: "pay.example.com", AllowedIdPs: allowed}}
	}
	app := func(id, name string, allowed []string, pols ...AccessPolicy) AccessApplication {
		return AccessApplication{ID: id, Name: name, Domain: strings.ToLower(name) + ".example.com", AllowedIdPs: allowed, Policies: pols}
	}

	tests := []struct {
		name    string
		actions []Action
		in      LockoutInput
		want    []Lockout
		// unread are substrings, one per expected LockoutUnread of the first action.
		unread []string
		loses  []string
	}{
		{
			name:    "only allowed IdP",
			actions: []Action{deleteOkta},
			in: LockoutInput{Access: map[string]*AccessState{src: {IdPs: both, Applications: []AccessApplication{
				app("app1", "Wiki", []string{okta}),
			}}}},
			want: []Lockout{{Kind: LockoutApplication, AccountID: src, ID: "app1", Name: "Wiki", Domain: "wiki.example.com", IdPID: okta, Only: true, Rules: []string{"allowed_idps"}}},
		},
		{
			name:    "one of several, and apps that keep every way in",
			actions: []Action{deleteOkta},
			in: LockoutInput{Access: map[string]*AccessState{src: {IdPs: both, Applications: []AccessApplication{
				app("app2", "Docs", []string{gh, okta}),
				app("app3", "Open", nil),
				app("app4", "Hub", []string{gh}),
			}}}},
			want: []Lockout{{Kind: LockoutApplication, AccountID: src, ID: "app2", Name: "Docs", Domain: "docs.example.com", IdPID: okta, Rules: []string{"allowed_idps"}}},
		},
		{
			name:    "two IdPs removed together take an application's every way in",
			actions: []Action{deleteOkta, deleteGH},
			in: LockoutInput{Access: map[string]*AccessState{src: {IdPs: both, Applications: []AccessApplication{
				app("app2", "Docs", []string{gh, okta}),
			}}}},
			want: []Lockout{{Kind: LockoutApplication, AccountID: src, ID: "app2", Name: "Docs", Domain: "docs.example.com", IdPID: okta, Only: true, Rules: []string{"allowed_idps"}}},
		},
		{
			name:    "policy only: allowed_idps empty, the allow policy needs the login method",
			actions: []Action{deleteOkta},
			in: LockoutInput{Access: map[string]*AccessState{src: {IdPs: both, Applications: []AccessApplication{
				app("app5", "Vault", nil, AccessPolicy{ID: "p1", Name: "Okta users", Decision: "allow", Include: []AccessRule{loginOkta}}),
			}}}},
			want: []Lockout{
				{Kind: LockoutApplication, AccountID: src, ID: "app5", Name: "Vault", Domain: "vault.example.com", IdPID: okta, Only: true, Rules: []string{"login_method"}},
				{Kind: LockoutPolicy, AccountID: src, ID: "p1", Name: "Okta users", IdPID: okta, Only: true, ApplicationID: "app5", Application: "Vault", Rules: []string{"login_method"}},
			},
		},
		{
			name:    "a require rule bound to the IdP cannot hold any more",
			actions: []Action{deleteOkta},
			in: LockoutInput{Access: map[string]*AccessState{src: {IdPs: both, Applications: []AccessApplication{
				app("app6", "Admin", nil, AccessPolicy{ID: "p2", Name: "Staff via Okta", Decision: "allow", Include: []AccessRule{everyone}, Require: []AccessRule{loginOkta}}),
			}}}},
			want: []Lockout{
				{Kind: LockoutApplication, AccountID: src, ID: "app6", Name: "Admin", Domain: "admin.example.com", IdPID: okta, Only: true, Rules: []string{"login_method"}},
				{Kind: LockoutPolicy, AccountID: src, ID: "p2", Name: "Staff via Okta", IdPID: okta, Only: true, ApplicationID: "app6", Application: "Admin", Rules: []string{"login_method"}},
			},
		},
		{
			name:    "an IdP-bound group rule",
			actions: []Action{deleteOkta},
			in: LockoutInput{Access: map[string]*AccessState{src: {IdPs: both, Applications: []AccessApplication{
				app("app7", "Grafana", []string{okta, gh}, AccessPolicy{ID: "p3", Name: "SRE group", Decision: "allow", Include: []AccessRule{{Kind: "saml", IdPID: okta}}}),
			}}}},
			want: []Lockout{
				{Kind: LockoutApplication, AccountID: src, ID: "app7", Name: "Grafana", Domain: "grafana.example.com", IdPID: okta, Only: true, Rules: []string{"allowed_idps", "saml"}},
				{Kind: LockoutPolicy, AccountID: src, ID: "p3", Name: "SRE group", IdPID: okta, Only: true, ApplicationID: "app7", Application: "Grafana", Rules: []string{"saml"}},
			},
		},
		{
			name:    "a policy with another way in loses one of several",
			actions: []Action{deleteOkta},
			in: LockoutInput{Access: map[string]*AccessState{src: {IdPs: both, Applications: []AccessApplication{
				app("app8", "Blog", nil, AccessPolicy{ID: "p4", Name: "Okta or staff", Decision: "allow", Include: []AccessRule{loginOkta, email}}),
			}}}},
			want: []Lockout{
				{Kind: LockoutApplication, AccountID: src, ID: "app8", Name: "Blog", Domain: "blog.example.com", IdPID: okta, Rules: []string{"login_method"}},
				{Kind: LockoutPolicy, AccountID: src, ID: "p4", Name: "Okta or staff", IdPID: okta, ApplicationID: "app8", Application: "Blog", Rules: []string{"login_method"}},
			},
		},
		{
			name:    "a bypass policy keeps a way in; a deny policy is no way in",
			actions: []Action{deleteOkta},
			in: LockoutInput{Access: map[string]*AccessState{src: {IdPs: both, Applications: []AccessApplication{
				app("app9", "Status", []string{okta},
					AccessPolicy{ID: "p5", Name: "Public", Decision: "bypass", Include: []AccessRule{everyone}},
					AccessPolicy{ID: "p6", Name: "Block Okta", Decision: "deny", Include: []AccessRule{loginOkta}}),
			}}}},
			want: []Lockout{{Kind: LockoutApplication, AccountID: src, ID: "app9", Name: "Status", Domain: "status.example.com", IdPID: okta, Rules: []string{"allowed_idps"}}},
		},
		{
			name:    "a reusable policy no application was read with",
			actions: []Action{deleteOkta},
			in: LockoutInput{Access: map[string]*AccessState{src: {IdPs: both, Policies: []AccessPolicy{
				{ID: "p7", Name: "Okta login", Decision: "allow", Include: []AccessRule{loginOkta}},
				{ID: "p8", Name: "Anyone", Decision: "allow", Include: []AccessRule{everyone}},
			}}}},
			want: []Lockout{{Kind: LockoutPolicy, AccountID: src, ID: "p7", Name: "Okta login", IdPID: okta, Only: true, Rules: []string{"login_method"}}},
		},
		{
			name:    "organization auto-redirects to the only IdP",
			actions: []Action{deleteOkta},
			in: LockoutInput{Access: map[string]*AccessState{src: {
				IdPs:         []AccessIdP{{ID: okta, Name: "Okta"}},
				Organization: &AccessOrganization{Name: "team", AuthDomain: "team.cloudflareaccess.com", AutoRedirectToIdentity: true},
			}}},
			want: []Lockout{{Kind: LockoutOrganization, AccountID: src, Name: "team", Domain: "team.cloudflareaccess.com", IdPID: okta, Only: true}},
		},
		{
			name:    "organization that does not auto-redirect, or has other IdPs",
			actions: []Action{deleteOkta},
			in: LockoutInput{Access: map[string]*AccessState{src: {
				IdPs:         both,
				Organization: &AccessOrganization{Name: "team", AutoRedirectToIdentity: true},
			}}},
		},
		{
			name:    "recipient: the received connection, by the share's records",
			actions: []Action{unshare},
			in: LockoutInput{Reach: reached, Access: map[string]*AccessState{rcpt: {
				IdPs:         []AccessIdP{{ID: conn, Name: "Okta", ReadOnly: true}, {ID: okta, Name: "Okta"}},
				Received:     []ReceivedGrant{{ShareID: share, FromAccount: src, GrantID: "g1", IdPName: "Okta"}},
				Applications: append(payroll(conn), app("r2", "Own", []string{okta})),
			}}},
			want:  []Lockout{{Kind: LockoutApplication, AccountID: rcpt, ID: "r1", Name: "Payroll", Domain: "pay.example.com", IdPID: conn, Only: true, Rules: []string{"allowed_idps"}}},
			loses: []string{rcpt},
		},
		{
			name:    "recipient: a policy-only lockout through the connection",
			actions: []Action{unrecipient},
			in: LockoutInput{Access: map[string]*AccessState{rcpt: {
				IdPs:     []AccessIdP{{ID: conn, Name: "Okta", ReadOnly: true}, {ID: gh, Name: "GitHub"}},
				Received: []ReceivedGrant{{ShareID: share, FromAccount: src, GrantID: "g1"}},
				Applications: []AccessApplication{app("r3", "Wiki", nil,
					AccessPolicy{ID: "p9", Name: "Partners", Decision: "allow", Include: []AccessRule{{Kind: "login_method", IdPID: conn}}})},
			}}},
			want: []Lockout{
				{Kind: LockoutApplication, AccountID: rcpt, ID: "r3", Name: "Wiki", Domain: "wiki.example.com", IdPID: conn, Only: true, Rules: []string{"login_method"}},
				{Kind: LockoutPolicy, AccountID: rcpt, ID: "p9", Name: "Partners", IdPID: conn, Only: true, ApplicationID: "r3", Application: "Wiki", Rules: []string{"login_method"}},
			},
		},
		{
			name:    "recipient: two same-named connections are not guessed",
			actions: []Action{unshare},
			in: LockoutInput{Reach: reached, Access: map[string]*AccessState{rcpt: {
				IdPs: []AccessIdP{{ID: conn, Name: "Okta", ReadOnly: true}, {ID: conn2, Name: "Okta", ReadOnly: true}},
				Received: []ReceivedGrant{
					{ShareID: share, FromAccount: src, GrantID: "g1", IdPName: "Okta"},
					{ShareID: "s2", FromAccount: other, GrantID: "g2", IdPName: "Okta"},
				},
				Applications: payroll(conn2),
			}}},
			unread: []string{"2 connections are named \"Okta\" (" + conn + ", " + conn2 + "), received from accounts " + src + ", " + other},
			loses:  []string{rcpt},
		},
		{
			name:    "recipient: same-named connections nothing uses block nothing (duplicates left by overlapping runs)",
			actions: []Action{unshare},
			in: LockoutInput{Reach: reached, Access: map[string]*AccessState{rcpt: {
				IdPs: []AccessIdP{{ID: conn, Name: "Okta", ReadOnly: true}, {ID: conn2, Name: "Okta", ReadOnly: true}, {ID: gh, Name: "GitHub"}},
				Received: []ReceivedGrant{
					{ShareID: share, FromAccount: src, GrantID: "g1", IdPName: "Okta"},
					{ShareID: "s2", FromAccount: src, GrantID: "g2", IdPName: "Okta"},
				},
				Applications: []AccessApplication{app("r4", "Hub", []string{gh})},
			}}},
			loses: []string{rcpt},
		},
		{
			name:    "recipient: one connection, still associating, another sender unknown",
			actions: []Action{unshare},
			in: LockoutInput{Reach: associating, Access: map[string]*AccessState{rcpt: {
				IdPs:         []AccessIdP{{ID: conn, Name: "Okta", ReadOnly: true}},
				Received:     []ReceivedGrant{{ShareID: share, FromAccount: src, GrantID: "g1"}, {ShareID: "s2", FromAccount: other, GrantID: "g2"}},
				Applications: payroll(conn),
			}}},
			unread: []string{"is named \"Okta\", and so may be IdPs shared by accounts " + src + ", " + other},
			loses:  []string{rcpt},
		},
		{
			name:    "recipient: the other sender's IdP has another name",
			actions: []Action{unshare},
			in: LockoutInput{Reach: associating, Access: map[string]*AccessState{rcpt: {
				IdPs:         []AccessIdP{{ID: conn, Name: "Okta", ReadOnly: true}},
				Received:     []ReceivedGrant{{ShareID: share, FromAccount: src, GrantID: "g1"}, {ShareID: "s2", FromAccount: other, GrantID: "g2", IdPName: "Azure"}},
				Applications: payroll(conn),
			}}},
			want:  []Lockout{{Kind: LockoutApplication, AccountID: rcpt, ID: "r1", Name: "Payroll", Domain: "pay.example.com", IdPID: conn, Only: true, Rules: []string{"allowed_idps"}}},
			loses: []string{rcpt},
		},
		{
			name:    "recipients that could not be listed block",
			actions: []Action{unshare},
			in:      LockoutInput{Reach: map[ShareRef]*ShareReach{{src, share}: {Unread: &LockoutUnread{AccountID: src, What: "the recipients of share " + share, Why: "403 forbidden"}}}},
			unread:  []string{"account " + src + ": the recipients of share " + share + " could not be read: 403 forbidden"},
		},
		{
			name:    "recipients never read block",
			actions: []Action{unshare},
			unread:  []string{"they were not read"},
		},
		{
			name:    "a recipient whose Access configuration was not read blocks",
			actions: []Action{unshare},
			in:      LockoutInput{Reach: reached},
			unread:  []string{"account " + rcpt + ": the Access configuration could not be read"},
			loses:   []string{rcpt},
		},
		{
			name:    "a recipient whose IdPs could not be listed blocks, though no connection was found",
			actions: []Action{unshare},
			in: LockoutInput{Reach: reached, Access: map[string]*AccessState{rcpt: {
				Unread: []LockoutUnread{{AccountID: rcpt, What: "the identity providers", Why: "HTTP 403"}}}}},
			unread: []string{"account " + rcpt + ": the identity providers could not be read: HTTP 403"},
			loses:  []string{rcpt},
		},
		{
			name:    "what an account could not read is reported on its actions",
			actions: []Action{deleteOkta},
			in: LockoutInput{Access: map[string]*AccessState{src: {IdPs: both,
				Unread: []LockoutUnread{{AccountID: src, What: "the reusable Access policies", Why: "HTTP 500"}}}}},
			unread: []string{"account " + src + ": the reusable Access policies could not be read: HTTP 500"},
		},
		{
			name:    "an update takes nothing away",
			actions: []Action{updateOkta},
			in:      LockoutInput{Access: map[string]*AccessState{src: {IdPs: both, Applications: []AccessApplication{app("app1", "Wiki", []string{okta})}}}},
		},
		{
			name: "a saved plan's own lists are replaced",
			actions: []Action{func() Action {
				a := updateOkta
				a.Lockout = []Lockout{{Name: "forged"}}
				a.LockoutUnread = []LockoutUnread{{What: "forged"}}
				return a
			}()},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Plan{Actions: append([]Action{}, tt.actions...)}
			AnalyzeLockout(p, tt.in)
			a := p.Actions[0]
			if !reflect.DeepEqual(a.Lockout, tt.want) {
				t.Errorf("Lockout =\n%+v\nwant\n%+v", a.Lockout, tt.want)
			}
			if a.LocksOut() != (len(tt.want) > 0) {
				t.Errorf("LocksOut() = %v", a.LocksOut())
			}
			if len(a.LockoutUnread) != len(tt.unread) || a.LockoutBlind() != (len(tt.unread) > 0) {
				t.Fatalf("LockoutUnread = %+v, want %d", a.LockoutUnread, len(tt.unread))
			}
			for i, u := range tt.unread {
				if got := a.LockoutUnread[i].String(); !strings.Contains(got, u) {
					t.Errorf("LockoutUnread[%d] = %q, want it to contain %q", i, got, u)
				}
			}
			if tt.loses != nil && !reflect.DeepEqual(a.LosesAccess, tt.loses) {
				t.Errorf("LosesAccess = %v, want %v", a.LosesAccess, tt.loses)
			}
		})
	}
}

func TestLockoutAccounts(t *testing.T) {
	p := &Plan{Actions: []Action{
		{Action: Update, Resource: ResourceIdP, AccountID: "x", IDs: IDs{IdP: "1"}},
		{Action: Create, Resource: ResourceIdP, AccountID: "y"},
		// A grant delete without a share carrying it reaches nobody.
		{Action: Delete, Resource: ResourceGrant, AccountID: "y", IDs: IDs{Grant: "g"}},
	}}
	if got := LockoutAccounts(p, nil); len(got) != 0 {
		t.Errorf("a plan without removals needs reads of %v", got)
	}
	if got := LockoutShares(p); len(got) != 0 {
		t.Errorf("a plan without share removals lists recipients of %v", got)
	}
	p.Actions = append(p.Actions,
		Action{Action: Replace, Resource: ResourceIdP, AccountID: "b", IDs: IDs{IdP: "2"}},
		Action{Action: Delete, Resource: ResourceRecipient, AccountID: "b", RecipientAccount: "c", IDs: IDs{Share: "s0"}},
		Action{Action: Delete, Resource: ResourceShare, AccountID: "b", IDs: IDs{Share: "s1"}},
		Action{Action: Delete, Resource: ResourceGrant, AccountID: "b", IDs: IDs{Grant: "g1", Share: "s1"}},
	)
	if got, want := LockoutShares(p), []ShareRef{{"b", "s0"}, {"b", "s1"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("LockoutShares = %v, want %v", got, want)
	}
	reach := map[ShareRef]*ShareReach{{"b", "s1"}: {Accounts: []string{"d", "a"}}}
	if got, want := LockoutAccounts(p, reach), []string{"a", "b", "c", "d"}; !reflect.DeepEqual(got, want) {
		t.Errorf("LockoutAccounts = %v, want %v", got, want)
	}
}
