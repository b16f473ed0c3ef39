package rego

import (
	"testing"

	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/policy/policytest"
	"github.com/idpsync/idpsync/state"
)

// The fixtures are policytest's (with package policy's testdata/rules):
// the Rego findings are checked against the same desired state and plan as
// the built-in rules.

var now = policytest.Now

func loadDesired(t *testing.T) *state.Desired { return policytest.LoadDesired(t, "../testdata/rules") }

func fixturePlan() *plan.Plan { return policytest.FixturePlan() }

func bigPlan(n int) (*plan.Plan, *state.Desired) { return policytest.BigPlan(n) }

func format(rs []plan.PolicyResult) string { return policytest.Format(rs) }
