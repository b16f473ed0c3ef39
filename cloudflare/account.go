package cloudflare

import (
	"context"
	"errors"
	"net/http"
)

// Account is the account object of GET /accounts/{account_id}, limited to
// what idpsync reads.
//
// Source: the official SDK, github.com/cloudflare/cloudflare-go/v7@v7.9.0
// accounts/account.go (AccountService.Get calls GET accounts/{account_id} and
// decodes the Access-style envelope's result into Account, whose ManagedBy
// "Parent container details" has ParentOrgID "ID of the parent Organization,
// if one exists"), and the API reference,
// https://developers.cloudflare.com/api/resources/accounts/methods/get/ and
// .../api/resources/organizations/ (managed_by: {parent_org_id, parent_org_name},
// parent_org_id maxLength 32).
type Account struct {
	ID        string           `json:"id"`
	Name      string           `json:"name"`
	Type      string           `json:"type,omitempty"`
	ManagedBy AccountManagedBy `json:"managed_by"`
}

// AccountManagedBy is the account's parent container: its organization.
type AccountManagedBy struct {
	// ParentOrgID is empty when the account belongs to no organization.
	ParentOrgID   string `json:"parent_org_id,omitempty"`
	ParentOrgName string `json:"parent_org_name,omitempty"`
}

// GetAccount reads an account's details, among them the organization it
// belongs to. Federation works only inside one organization, so idpsync learns
// it before the first write rather than from a refused share.
func (c *Client) GetAccount(ctx context.Context, accountID string) (*Account, error) {
	if err := checkIDs("get account", "account id", accountID); err != nil {
		return nil, err
	}
	var a Account
	if _, err := c.call(ctx, request{
		method:         http.MethodGet,
		path:           accountPath(accountID),
		retryAmbiguous: true,
	}, &a); err != nil {
		return nil, err
	}
	if a.ID == "" {
		return nil, errors.New("GET " + accountPath(accountID) + ": the answer has no account id")
	}
	return &a, nil
}
