package policy

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/internal/golden"
	"github.com/idpsync/idpsync/plan"
)

// rules declares each rule under test, scoped to prod so that the sandbox
// account's findings show the scope at work.
var rules = map[string]plan.PolicyRule{
	idptype.RuleRequireSAMLEncryption:      {ID: idptype.RuleRequireSAMLEncryption},
	idptype.RuleRequireSignRequest:         {ID: idptype.RuleRequireSignRequest},
	idptype.RuleForbidTypes:                {ID: idptype.RuleForbidTypes, Types: []string{"onetimepin"}},
	idptype.RuleRequireOIDCPKCE:            {ID: idptype.RuleRequireOIDCPKCE},
	idptype.RuleRequireSCIMUserDeprovision: {ID: idptype.RuleRequireSCIMUserDeprovision},
	idptype.RuleMaxDestroys:                {ID: idptype.RuleMaxDestroys, Max: 2},
	idptype.RuleForbidLockout:              {ID: idptype.RuleForbidLockout},
	idptype.RuleAllowedShareTargets:        {ID: idptype.RuleAllowedShareTargets, Accounts: []string{"b7c2f0e4a91d4c3e8f6a25d0c1e9b3a7"}},
}

func TestRulesCatalogueCovered(t *testing.T) {
	for _, r := range idptype.PolicyRules {
		if _, ok := rules[r.ID]; !ok {
			t.Errorf("built-in rule %s has no golden test", r.ID)
		}
	}
}

// TestBuiltinGolden checks every built-in rule four ways: as a deny, as a
// warn, with a waiver in force, and with the same waiver expired.
func TestBuiltinGolden(t *testing.T) {
	d := loadDesired(t)
	for _, r := range idptype.PolicyRules {
		t.Run(r.ID, func(t *testing.T) {
			var out strings.Builder
			for _, variant := range []string{"deny", "warn", "waived", "expired waiver", "scoped to sandbox"} {
				rule := rules[r.ID]
				rule.Level, rule.All = idptype.PolicyDeny, true
				set := &plan.PolicyRules{Rules: []plan.PolicyRule{rule}}
				pattern := "*prod]*"
				if r.ID == idptype.RuleMaxDestroys {
					pattern = "plan" // the finding is about the whole plan
				}
				switch variant {
				case "warn":
					set.Rules[0].Level = idptype.PolicyWarn
				case "waived":
					set.Waivers = []plan.PolicyWaiver{{Rule: r.ID, Address: pattern, Reason: "migration ticket SEC-42", Until: "2026-12-06"}}
				case "expired waiver":
					set.Waivers = []plan.PolicyWaiver{{Rule: r.ID, Address: pattern, Reason: "migration ticket SEC-42", Until: "2026-12-05"}}
				case "scoped to sandbox":
					set.Rules[0].All, set.Rules[0].Owners = false, []string{sandboxID}
				}
				p2 := fixturePlan()
				if err := Check(context.Background(), p2, Options{Desired: d, Rules: set, Now: now}); err != nil {
					t.Fatal(err)
				}
				// The plan saved, then checked again at apply: its own rules
				// and findings, no desired state.
				saved := *p2
				saved.Policy = append([]plan.PolicyResult(nil), p2.Policy...)
				if err := Check(context.Background(), &saved, Options{Now: now}); err != nil {
					t.Fatal(err)
				}
				if format(saved.Policy) != format(p2.Policy) {
					t.Errorf("%s: a saved plan checked again differs:\n%s\nwant\n%s", variant, format(saved.Policy), format(p2.Policy))
				}
				fmt.Fprintf(&out, "## %s\n%s", variant, format(p2.Policy))
				if variant == "deny" && len(p2.PolicyDenied()) == 0 {
					t.Errorf("the fixture breaks no %s rule", r.ID)
				}
				if variant == "warn" {
					if err := Gate(p2); err != nil {
						t.Errorf("%s: gate refused: %v", variant, err)
					}
				}
				if variant == "expired waiver" && Gate(p2) == nil {
					t.Errorf("an expired waiver still waives")
				}
			}
			golden.Check(t, filepath.Join("testdata/rules", r.ID+".golden"), []byte(out.String()))
		})
	}
}

func TestGateMessage(t *testing.T) {
	p := &plan.Plan{Policy: []plan.PolicyResult{
		{Rule: "forbid_types", Level: "deny", Address: "account[prod].idp[PIN]", Message: "no"},
		{Rule: "forbid_types", Level: "deny", Address: "account[prod].idp[X]", Message: "ok", Waived: true},
		{Rule: "rego:main", Level: "warn", Address: "plan", Message: "hmm"},
	}}
	err := Gate(p)
	if err == nil {
		t.Fatal("an unwaived deny passed the gate")
	}
	if got := err.Error(); !strings.Contains(got, "account[prod].idp[PIN]: no (forbid_types)") || strings.Contains(got, "idp[X]") || strings.Contains(got, "hmm") {
		t.Errorf("gate message:\n%s", got)
	}
	p.Policy = p.Policy[1:]
	if err := Gate(p); err != nil {
		t.Errorf("a waived deny and a warn stopped the gate: %v", err)
	}
}
