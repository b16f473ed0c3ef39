package policy

import (
	"context"
	"fmt"
	"testing"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/state"
)

// bigPlan is an account of n SAML IdPs, each to be created, and its desired
// state: the work of checking grows with both.
func bigPlan(n int) (*plan.Plan, *state.Desired) {
	acct := &state.Account{ID: prodID, Name: "prod"}
	p := &plan.Plan{FormatVersion: plan.FormatVersion, Accounts: []plan.AccountRef{{ID: prodID, Label: "prod"}}}
	for i := range n {
		name := fmt.Sprintf("IdP %05d", i)
		acct.IdentityProviders = append(acct.IdentityProviders, &state.IdP{Name: name, Type: idptype.SAML,
			Config: map[string]any{"issuer_url": "https://idp.example.com", "sign_request": i%2 == 0}})
		p.Actions = append(p.Actions, plan.Action{Address: plan.IdPAddress(prodID, "prod", name), Action: plan.Create, Resource: plan.ResourceIdP,
			AccountID: prodID, Account: "prod", After: map[string]any{"name": name, "type": "saml"}})
	}
	return p, &state.Desired{Accounts: []*state.Account{acct}}
}

func benchRules() *plan.PolicyRules {
	var rs plan.PolicyRules
	for _, r := range idptype.PolicyRules {
		rule := rules[r.ID]
		rule.Level, rule.All = idptype.PolicyWarn, true
		rs.Rules = append(rs.Rules, rule)
	}
	rs.Waivers = []plan.PolicyWaiver{{Rule: idptype.RuleRequireSignRequest, Address: "account[prod].idp[IdP 0*]", Reason: "bench", Until: "2099-12-31"}}
	return &rs
}

// BenchmarkCheckBuiltin: the eight built-in rules and a waiver over 2,000 IdPs.
func BenchmarkCheckBuiltin(b *testing.B) {
	p, d := bigPlan(2000)
	rs := benchRules()
	for b.Loop() {
		if err := Check(context.Background(), p, Options{Desired: d, Rules: rs, Now: now}); err != nil {
			b.Fatal(err)
		}
	}
}
