package policy

import (
	"fmt"
	"strings"
	"testing"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan"
)

// TestForbidLockoutNamesPolicies: a policy that loses its only way in is
// named as a policy of its application, not as an application.
func TestForbidLockoutNamesPolicies(t *testing.T) {
	p := &plan.Plan{Actions: []plan.Action{{Address: "account[prod].idp[Okta]", Action: plan.Delete, AccountID: prodID,
		Lockout: []plan.Lockout{
			{Kind: plan.LockoutPolicy, AccountID: prodID, Name: "Okta users", Application: "Vault", IdPID: "x", Only: true},
			{Kind: plan.LockoutPolicy, AccountID: prodID, Name: "Admins", IdPID: "x", Only: true},
			{Kind: plan.LockoutPolicy, AccountID: prodID, Name: "Staff", Application: "Vault", IdPID: "x"},
		}}}}
	var got []string
	checkLockout(plan.PolicyRule{ID: idptype.RuleForbidLockout, All: true}, p, func(addr, format string, args ...any) {
		got = append(got, addr+": "+fmt.Sprintf(format, args...))
	})
	want := `account[prod].idp[Okta]: this delete leaves policy "Okta users" of application "Vault", policy "Admins" without a way in`
	if len(got) != 1 || got[0] != want {
		t.Fatalf("findings = %q, want %q", got, want)
	}
	if strings.Contains(got[0], "Staff") {
		t.Error("a policy that keeps another way in was reported")
	}
}
