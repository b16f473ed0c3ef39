package rego

import (
	"context"
	"testing"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/policy"
)

// benchRules are the eight built-in rules as warnings, with the parameters
// of policy's tests, and a waiver.
func benchRules() *plan.PolicyRules {
	params := map[string]plan.PolicyRule{
		idptype.RuleForbidTypes:         {Types: []string{"onetimepin"}},
		idptype.RuleMaxDestroys:         {Max: 2},
		idptype.RuleAllowedShareTargets: {Accounts: []string{"b7c2f0e4a91d4c3e8f6a25d0c1e9b3a7"}},
	}
	var rs plan.PolicyRules
	for _, r := range idptype.PolicyRules {
		rule := params[r.ID]
		rule.ID, rule.Level, rule.All = r.ID, idptype.PolicyWarn, true
		rs.Rules = append(rs.Rules, rule)
	}
	rs.Waivers = []plan.PolicyWaiver{{Rule: idptype.RuleRequireSignRequest, Address: "account[prod].idp[IdP 0*]", Reason: "bench", Until: "2099-12-31"}}
	return &rs
}

// BenchmarkCheckRego: the built-in rules and a waiver over 2,000 IdPs with
// the examples' Rego policy, whose input is built from the plan and the
// desired state on every check.
func BenchmarkCheckRego(b *testing.B) {
	p, d := bigPlan(2000)
	r, err := LoadDir("../../examples/policy")
	if err != nil {
		b.Fatal(err)
	}
	rs := benchRules()
	for b.Loop() {
		if err := policy.Check(context.Background(), p, policy.Options{Desired: d, Rules: rs, Rego: r, Now: now}); err != nil {
			b.Fatal(err)
		}
	}
}
