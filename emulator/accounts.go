package emulator

import "net/http"

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
	a := c.account
	d := accountDetails{ID: a.ID, Name: a.Name, Type: "enterprise"}
	if a.OrganizationID != "" {
		d.ManagedBy.ParentOrgID = a.OrganizationID
		d.ManagedBy.ParentOrgName = c.e.organizationName(a.OrganizationID)
	}
	return ok(http.StatusOK, d)
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
