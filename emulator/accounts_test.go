package emulator

import (
	"fmt"
	"maps"
	"strings"
	"testing"
)

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

// TestListAccounts: GET /accounts pages every account the emulator holds,
// each with its organization as the details give it, and holds page and
// per_page to the API reference's bounds (page ≥ 1, per_page 5..50).
func TestListAccounts(t *testing.T) {
	s := start(t, Options{AutoAccounts: true}, true)
	// Accounts created on first use are listed too.
	var fresh []string
	for i := range 12 {
		id := fmt.Sprintf("%032x", 0xe000+i)
		fresh = append(fresh, id)
		expect(t, do(t, s, "GET", "/accounts/"+id, nil), 200, 0)
	}
	want := map[string]string{acctA: orgID, acctB: orgID, acctC: ""}
	for _, id := range fresh {
		want[id] = SandboxOrganizationID
	}
	got := map[string]string{}
	pages := 0
	for page := 1; ; page++ {
		r := do(t, s, "GET", fmt.Sprintf("/accounts?page=%d&per_page=5", page), nil)
		checkFamily(t, r, false)
		expect(t, r, 200, 0)
		var items []accountDetails
		r.result(t, &items)
		info, _ := r.Env["result_info"].(map[string]any)
		if total, _ := info["total_count"].(float64); int(total) != len(want) {
			t.Fatalf("page %d: total_count %v, want %d", page, info["total_count"], len(want))
		}
		if len(items) == 0 {
			break
		}
		pages++
		if len(items) > 5 {
			t.Fatalf("page %d holds %d accounts, asked 5", page, len(items))
		}
		for _, a := range items {
			if _, dup := got[a.ID]; dup {
				t.Fatalf("account %s listed twice", a.ID)
			}
			got[a.ID] = a.ManagedBy.ParentOrgID
		}
	}
	if pages != 3 {
		t.Errorf("%d pages of 5 for %d accounts, want 3", pages, len(want))
	}
	if !maps.Equal(got, want) {
		t.Errorf("listed %v, want %v", got, want)
	}
	for _, q := range []string{"per_page=4", "per_page=51", "page=0", "per_page=x", "direction=up"} {
		t.Run(q, func(t *testing.T) {
			expect(t, do(t, s, "GET", "/accounts?"+q, nil), 400, map[bool]int{true: CodeInvalidValue, false: CodeInvalidPagination}[strings.HasPrefix(q, "direction")])
		})
	}
	// A token without Account Settings Read may not list accounts either.
	if err := s.Emulator.SetTokenLacks([]Scope{ScopeAccount}); err != nil {
		t.Fatal(err)
	}
	expect(t, do(t, s, "GET", "/accounts", nil), 403, CodeAuthentication)
}
