package emulator

import (
	"net/http"
	"slices"
	"strings"
)

// SandboxOrganizationID is the organization that accounts created on first
// use (AutoAccounts) join. It is fixed, not random, so that a desired-state
// file can declare it: examples/split declares it, and `idpsync emulator`
// prints it when it starts.
const SandboxOrganizationID = "7c5dae5552338874e5053f2534d2767a"

// sandboxOrganizationName is the name GET /accounts/{id} reports for it.
const sandboxOrganizationName = "Sandbox organization"

// accountDetails is the account object of GET /accounts/{account_id}, in the
// shape of the SDK's accounts.Account (cloudflare-go v7.9.0
// accounts/account.go): managed_by.parent_org_id names the organization, and
// managed_by is empty for an account in none.
type accountDetails struct {
	ID        string           `json:"id"`
	Name      string           `json:"name"`
	Type      string           `json:"type"`
	ManagedBy accountManagedBy `json:"managed_by"`
}

type accountManagedBy struct {
	ParentOrgID   string `json:"parent_org_id,omitempty"`
	ParentOrgName string `json:"parent_org_name,omitempty"`
}

// getAccount answers GET /accounts/{account_id}.
func getAccount(c *call) reply {
	return ok(http.StatusOK, c.e.details(*c.account))
}

// details is the account object both account routes answer.
func (e *Emulator) details(a Account) accountDetails {
	d := accountDetails{ID: a.ID, Name: a.Name, Type: "enterprise"}
	if a.OrganizationID != "" {
		d.ManagedBy.ParentOrgID = a.OrganizationID
		d.ManagedBy.ParentOrgName = e.organizationName(a.OrganizationID)
	}
	return d
}

func (e *Emulator) organizationName(id string) string {
	for _, o := range e.data.Organizations {
		if o.ID == id {
			return o.Name
		}
	}
	return ""
}

// AutoAccountOrganization is the organization accounts created on first use
// join: the data's default_organization_id when it names one, else
// SandboxOrganizationID.
func (e *Emulator) AutoAccountOrganization() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.data.DefaultOrganizationID != "" {
		return e.data.DefaultOrganizationID
	}
	return SandboxOrganizationID
}

// accountsPages is how GET /accounts pages, as the API reference documents
// it (developers.cloudflare.com/api/go/resources/accounts/methods/list:
// per_page minimum 5, maximum 50). The default, 20, is what the reference
// has long given for this listing; clients must not rely on it.
var accountsPages = pageSpec{defPerPage: 20, minPerPage: 5, maxPerPage: 50}

// listAccounts answers GET /accounts: every account the emulator holds (its
// credentials are not tied to accounts), each as GET /accounts/{account_id}
// answers it, ordered by name as direction asks (asc by default) and
// narrowed by name when asked. Accounts created on first use are listed
// from then on.
func listAccounts(c *call) reply {
	dir := c.query("direction")
	if dir != "" && dir != "asc" && dir != "desc" {
		return fail(badRequest(CodeInvalidValue, "query parameter direction must be asc or desc, got %q", dir))
	}
	name := c.query("name")
	all := make([]accountDetails, 0, len(c.e.data.Accounts))
	for _, a := range c.e.data.Accounts {
		if name != "" && !strings.Contains(strings.ToLower(a.Name), strings.ToLower(name)) {
			continue
		}
		all = append(all, c.e.details(a))
	}
	slices.SortStableFunc(all, func(x, y accountDetails) int {
		if d := strings.Compare(x.Name, y.Name); d != 0 {
			return d
		}
		return strings.Compare(x.ID, y.ID)
	})
	if dir == "desc" {
		slices.Reverse(all)
	}
	return listFiltered(c, all, len(all), accountsPages)
}
