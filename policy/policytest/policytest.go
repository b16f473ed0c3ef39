package policytest

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/state"
)

// Now is the fixtures' clock.
var Now = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

// The fixtures' two accounts.
const (
	ProdID    = "023e105f4ecef8ad9ca31a8372d0c353"
	SandboxID = "9a7806061c88ada191ed06f989cc3dac"
)

// LoadDesired loads dir/desired.yaml (package policy's testdata/rules),
// with dir as the configuration root and an empty environment.
func LoadDesired(t *testing.T, dir string) *state.Desired {
	t.Helper()
	d, diags := state.Load(context.Background(), []string{filepath.Join(dir, "desired.yaml")}, state.LoadOptions{
		Root:   dir,
		Now:    func() time.Time { return Now },
		Getenv: func(string) (string, bool) { return "", false },
	})
	if diags.HasErrors() {
		t.Fatalf("load: %v", diags)
	}
	return d
}

// FixturePlan destroys three objects in prod and one in sandbox, and locks
// an application out in prod.
func FixturePlan() *plan.Plan {
	return &plan.Plan{
		FormatVersion: plan.FormatVersion,
		Accounts:      []plan.AccountRef{{ID: ProdID, Label: "prod", Prune: true}, {ID: SandboxID, Label: "sandbox"}},
		Actions: []plan.Action{
			{Address: "account[prod].idp[Legacy]", Action: plan.Delete, Resource: plan.ResourceIdP, AccountID: ProdID, Account: "prod",
				Lockout: []plan.Lockout{
					{Kind: plan.LockoutApplication, AccountID: ProdID, Name: "Wiki", Domain: "wiki.example.com", IdPID: "x", Only: true},
					{Kind: plan.LockoutApplication, AccountID: ProdID, Name: "Docs", Domain: "docs.example.com", IdPID: "x"},
				}},
			{Address: "account[prod].idp[Old]", Action: plan.Replace, Resource: plan.ResourceIdP, AccountID: ProdID, Account: "prod",
				Lockout: []plan.Lockout{{Kind: plan.LockoutOrganization, AccountID: ProdID, Name: "Prod", Domain: "prod.cloudflareaccess.com", IdPID: "y", Only: true}}},
			{Address: "account[prod].idp[Old].grant", Action: plan.Delete, Resource: plan.ResourceGrant, AccountID: ProdID, Account: "prod"},
			{Address: "account[sandbox].idp[Temp]", Action: plan.Delete, Resource: plan.ResourceIdP, AccountID: SandboxID, Account: "sandbox"},
			{Address: "account[prod].idp[Okta]", Action: plan.NoOp, Resource: plan.ResourceIdP, AccountID: ProdID, Account: "prod"},
		},
	}
}

// BigPlan is an account of n SAML IdPs, each to be created, and its desired
// state: the work of checking grows with both.
func BigPlan(n int) (*plan.Plan, *state.Desired) {
	acct := &state.Account{ID: ProdID, Name: "prod"}
	p := &plan.Plan{FormatVersion: plan.FormatVersion, Accounts: []plan.AccountRef{{ID: ProdID, Label: "prod"}}}
	for i := range n {
		name := fmt.Sprintf("IdP %05d", i)
		acct.IdentityProviders = append(acct.IdentityProviders, &state.IdP{Name: name, Type: idptype.SAML,
			Config: map[string]any{"issuer_url": "https://idp.example.com", "sign_request": i%2 == 0}})
		p.Actions = append(p.Actions, plan.Action{Address: plan.IdPAddress(ProdID, "prod", name), Action: plan.Create, Resource: plan.ResourceIdP,
			AccountID: ProdID, Account: "prod", After: map[string]any{"name": name, "type": "saml"}})
	}
	return p, &state.Desired{Accounts: []*state.Account{acct}}
}

// Format is findings as golden-file text, one per line.
func Format(rs []plan.PolicyResult) string {
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
