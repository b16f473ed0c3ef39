package apply

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/idpsync/idpsync/plan"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func destroyPlan(prunePlatform bool) *plan.Plan {
	idp := act(plan.Delete, plan.ResourceIdP, "0aa", "Okta", "")
	idp.Account = "platform"
	idp.Destructive = true
	grant := act(plan.Delete, plan.ResourceGrant, "0aa", "Okta", ".grant")
	grant.Account = "platform"
	grant.Destructive = true
	grant.LosesAccess = []string{"0bb", "0cc"}
	rcpt := act(plan.Delete, plan.ResourceRecipient, "0dd", "Azure", ".share.recipient[0cc]")
	rcpt.Account = "eng"
	rcpt.Destructive = true
	rcpt.LosesAccess = []string{"0cc"}
	upd := act(plan.Update, plan.ResourceIdP, "0dd", "Azure", "")
	upd.Account = "eng"
	return &plan.Plan{
		Accounts: []plan.AccountRef{
			{ID: "0aa", Label: "platform", Prune: prunePlatform},
			{ID: "0bb", Label: "sales"},
			{ID: "0cc", Label: "0cc"},
			{ID: "0dd", Label: "eng"},
		},
		Actions: []plan.Action{idp, grant, rcpt, upd},
	}
}

func TestCheckDestroy(t *testing.T) {
	tests := []struct {
		name         string
		plan         *plan.Plan
		allow        bool
		wantBlocked  []string
		wantLosesAcc []string
	}{
		{
			name:         "blocked",
			plan:         destroyPlan(false),
			wantBlocked:  []string{"account[0aa].idp[Okta]", "account[0aa].idp[Okta].grant", "account[0dd].idp[Azure].share.recipient[0cc]"},
			wantLosesAcc: []string{"0cc", "platform (0aa)", "sales (0bb)"},
		},
		{
			name:         "prune allows its own account only",
			plan:         destroyPlan(true),
			wantBlocked:  []string{"account[0dd].idp[Azure].share.recipient[0cc]"},
			wantLosesAcc: []string{"0cc"},
		},
		{name: "allowed", plan: destroyPlan(false), allow: true},
		{name: "nothing destructive", plan: &plan.Plan{Actions: []plan.Action{act(plan.Create, plan.ResourceIdP, "0aa", "Okta", "")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckDestroy(tt.plan, nil, tt.allow)
			if tt.wantBlocked == nil {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var de *DestroyError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want a *DestroyError", err)
			}
			var got []string
			for _, b := range de.Blocked {
				got = append(got, b.Address)
			}
			if !slices.Equal(got, tt.wantBlocked) {
				t.Errorf("blocked = %v, want %v", got, tt.wantBlocked)
			}
			if !slices.Equal(de.LosesAccess, tt.wantLosesAcc) {
				t.Errorf("loses access = %v, want %v", de.LosesAccess, tt.wantLosesAcc)
			}
			golden(t, "check_destroy_"+filepath.Base(t.Name()), err.Error()+"\n")
		})
	}
}
