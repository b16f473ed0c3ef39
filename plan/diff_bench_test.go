package plan

import (
	"fmt"
	"testing"
	"time"

	"github.com/idpsync/idpsync/state"
)

// benchStates builds 2,500 accounts of 4 IdPs each: two SAML IdPs with
// encryption (one of them federated with two accounts), a GitHub IdP with a
// secret and an OIDC IdP, and a live state where about one IdP in ten differs.
func benchStates() (*state.Desired, *state.Live) {
	d := &state.Desired{}
	live := &state.Live{Accounts: map[string]*state.LiveAccount{}}
	n := 0
	for i := range 2500 {
		id := fmt.Sprintf("%032x", i+1)
		acct := &state.Account{ID: id, Name: fmt.Sprintf("acct-%04d", i)}
		la := &state.LiveAccount{ID: id, Organization: orgID}
		for j := range 4 {
			var di *state.IdP
			var l *state.LiveIdP
			switch j {
			case 0, 1:
				di = desiredOkta()
				l = liveOkta()
				if j == 1 {
					di.Federation, l.Grant = nil, nil
				}
			case 2:
				di, l = desiredGitHub(), liveGitHub()
			case 3:
				di = &state.IdP{Name: "OIDC", Type: "oidc", Config: map[string]any{
					"client_id": "c", "client_secret": secretCanary, "auth_url": "https://a", "token_url": "https://t",
					"certs_url": "https://c", "scopes": []any{"openid", "email"}, "pkce_enabled": false,
				}, Secrets: map[string]state.SecretSource{"client_secret": {Ref: "${env:OIDC}"}}}
				l = &state.LiveIdP{Name: "OIDC", Type: "oidc", Config: map[string]any{
					"client_id": "c", "auth_url": "https://a", "token_url": "https://t",
					"certs_url": "https://c", "scopes": []any{"openid", "email"},
				}}
			}
			di.Name = fmt.Sprintf("%s-%d", di.Name, j)
			l.Name, l.ID, l.Version = di.Name, fmt.Sprintf("idp-%d-%d", i, j), fmt.Sprintf("v%d", n)
			if l.Grant != nil {
				l.Grant.ID = fmt.Sprintf("g%031x", n)
				l.Grant.Share.ID = fmt.Sprintf("s%031x", n)
				l.Grant.Share.GrantID = l.Grant.ID
				la.Grants = append(la.Grants, l.Grant)
				la.Shares = append(la.Shares, l.Grant.Share)
			}
			// About one IdP in ten differs: a changed setting, a missing IdP,
			// or a recipient to add.
			switch n % 30 {
			case 0:
				di.Config["client_id"] = "changed"
				di.Config["issuer_url"] = "https://changed"
			case 1:
				l = nil
			case 2:
				if di.Federation != nil {
					di.Federation.Accounts = append(di.Federation.Accounts, "33333333333333333333333333333333")
				} else {
					l.Config["max_sso_url_length"] = float64(1024)
				}
			}
			n++
			acct.IdentityProviders = append(acct.IdentityProviders, di)
			if l != nil {
				la.IdentityProviders = append(la.IdentityProviders, l)
			}
		}
		d.Accounts = append(d.Accounts, acct)
		live.Accounts[id] = la
	}
	return d, live
}

func BenchmarkDiff10k(b *testing.B) {
	d, live := benchStates()
	o := Options{Now: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), SecretKey: []byte("bench")}
	p, err := Diff(d, live, o)
	if err != nil {
		b.Fatal(err)
	}
	s := p.Summary()
	if s.Add == 0 || s.Change == 0 {
		b.Fatalf("benchmark states do not differ: %+v", s)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Diff(d, live, o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(p.Actions)), "actions")
}
