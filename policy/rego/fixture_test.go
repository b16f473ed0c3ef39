package rego

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/state"
)

// The fixtures are package policy's (its testdata/rules/desired.yaml and
// the plan of its builtin_test.go): the Rego findings are checked against
// the same desired state and plan as the built-in rules.

var now = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

const (
	prodID    = "023e105f4ecef8ad9ca31a8372d0c353"
	sandboxID = "9a7806061c88ada191ed06f989cc3dac"
)

func loadDesired(t *testing.T) *state.Desired {
	t.Helper()
	d, diags := state.Load(context.Background(), []string{"../testdata/rules/desired.yaml"}, state.LoadOptions{
		Root:   "../testdata/rules",
		Now:    func() time.Time { return now },
		Getenv: func(string) (string, bool) { return "", false },
	})
	if diags.HasErrors() {
		t.Fatalf("load: %v", diags)
	}
	return d
}

// fixturePlan destroys three objects in prod and one in sandbox, and locks
// an application out in prod.
func fixturePlan() *plan.Plan {
	return &plan.Plan{
		FormatVersion: plan.FormatVersion,
		Accounts:      []plan.AccountRef{{ID: prodID, Label: "prod", Prune: true}, {ID: sandboxID, Label: "sandbox"}},
		Actions: []plan.Action{
			{Address: "account[prod].idp[Legacy]", Action: plan.Delete, Resource: plan.ResourceIdP, AccountID: prodID, Account: "prod",
				Lockout: []plan.Lockout{
					{Kind: plan.LockoutApplication, AccountID: prodID, Name: "Wiki", Domain: "wiki.example.com", IdPID: "x", Only: true},
					{Kind: plan.LockoutApplication, AccountID: prodID, Name: "Docs", Domain: "docs.example.com", IdPID: "x"},
				}},
			{Address: "account[prod].idp[Old]", Action: plan.Replace, Resource: plan.ResourceIdP, AccountID: prodID, Account: "prod",
				Lockout: []plan.Lockout{{Kind: plan.LockoutOrganization, AccountID: prodID, Name: "Prod", Domain: "prod.cloudflareaccess.com", IdPID: "y", Only: true}}},
			{Address: "account[prod].idp[Old].grant", Action: plan.Delete, Resource: plan.ResourceGrant, AccountID: prodID, Account: "prod"},
			{Address: "account[sandbox].idp[Temp]", Action: plan.Delete, Resource: plan.ResourceIdP, AccountID: sandboxID, Account: "sandbox"},
			{Address: "account[prod].idp[Okta]", Action: plan.NoOp, Resource: plan.ResourceIdP, AccountID: prodID, Account: "prod"},
		},
	}
}

func format(rs []plan.PolicyResult) string {
	var b strings.Builder
	for _, r := range rs {
		waived := ""
		if r.Waived {
			waived = fmt.Sprintf(" waived(%s until %s)", r.Waiver.Reason, r.Waiver.Until)
		}
		fmt.Fprintf(&b, "%s %s %s%s: %s\n", r.Level, r.Rule, r.Address, waived, r.Message)
	}
	if b.Len() == 0 {
		return "(no findings)\n"
	}
	return b.String()
}
