package policy

import (
	"context"
	"testing"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan"
)

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
