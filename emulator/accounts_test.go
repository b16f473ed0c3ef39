package emulator

import "testing"

func TestGetAccount(t *testing.T) {
	seeded := start(t, Options{}, true)
	auto := start(t, Options{AutoAccounts: true}, false)
	const fresh = "dddddddddddddddddddddddddddddddd"
	tests := []struct {
		name    string
		s       *Server
		account string
		status  int
		org     string
	}{
		{"in an organization", seeded, acctA, 200, orgID},
		{"in no organization", seeded, acctC, 200, ""},
		{"unknown", seeded, fresh, 404, ""},
		{"created on first use, in the sandbox organization", auto, fresh, 200, SandboxOrganizationID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, tt.s, "GET", "/accounts/"+tt.account, nil)
			checkFamily(t, r, false)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			if tt.status != 200 {
				return
			}
			var a accountDetails
			r.result(t, &a)
			if a.ID != tt.account || a.ManagedBy.ParentOrgID != tt.org {
				t.Fatalf("account %+v, want id %s in organization %q", a, tt.account, tt.org)
			}
			if (a.ManagedBy.ParentOrgName != "") != (tt.org != "") {
				t.Errorf("parent_org_name %q for organization %q", a.ManagedBy.ParentOrgName, tt.org)
			}
		})
	}
	if got := auto.Emulator.AutoAccountOrganization(); got != SandboxOrganizationID {
		t.Errorf("AutoAccountOrganization() = %s, want %s", got, SandboxOrganizationID)
	}
}
