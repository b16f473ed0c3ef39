package cloudflare

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
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

// accountPerPage is the page size of GET /accounts: the documented maximum.
// Source: the API reference, https://developers.cloudflare.com/api/go/resources/accounts/methods/list
// (AccountListParams: page "minimum 1"; per_page "maximum 50, minimum 5").
// cloudflare-go v7.9.0 accounts/account.go AccountListParams states no bound.
const accountPerPage = 50

// AccountsPage is one page of GET /accounts.
type AccountsPage struct {
	// Accounts are the page's accounts, those without an id left out.
	Accounts []Account
	// Page is the page's number, from 1.
	Page int
	// Pages is how many pages the listing holds as the server reported it:
	// result_info.total_pages, else total_count over the page size it
	// served. 0 when it reported neither: the listing's length is unknown.
	Pages int
}

// ListAccounts reads GET /accounts, the accounts the credentials can see,
// one page at a time, and hands each page to more, which says whether to read
// the next. It stops when more says no, at the last page the server reported,
// at an empty page, or with an error at the client's bounds on a listing
// (MaxListObjects, MaxListBytes, maxPages).
//
// Each account comes with its organization: the SDK's AccountService.List
// (cloudflare-go v7.9.0 accounts/account.go, "List all accounts you have
// ownership or verified access to") answers pagination.V4PagePaginationArray
// of the same Account that AccountService.Get answers, managed_by
// included, and the API reference's List Accounts lists managed_by
// (optional) among what it returns. The caller decides what an absent
// managed_by means; no source says a listing fills it as the details do.
func (c *Client) ListAccounts(ctx context.Context, more func(AccountsPage) bool) error {
	const path = "/accounts"
	var read int64
	objects := 0
	for page := 1; ; page++ {
		req := request{
			method:         http.MethodGet,
			path:           path,
			query:          url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(accountPerPage)}},
			retryAmbiguous: true,
		}
		resp, err := c.do(ctx, req)
		if err != nil {
			return err
		}
		if read += int64(resp.size); read > c.maxListBytes {
			return &LimitError{Method: http.MethodGet, Path: path, What: "listing", Limit: c.maxListBytes, Unit: "bytes", Page: page}
		}
		var got []Account
		if err := resp.decodeResult(req, &got); err != nil {
			return err
		}
		if objects += len(got); objects > c.maxListObjects {
			return &LimitError{Method: http.MethodGet, Path: path, What: "listing", Limit: int64(c.maxListObjects), Unit: "objects", Page: page}
		}
		p := AccountsPage{Page: page, Accounts: make([]Account, 0, len(got))}
		for _, a := range got {
			if a.ID != "" {
				p.Accounts = append(p.Accounts, a)
			}
		}
		if ri := resp.resultInfo; ri != nil {
			size := ri.PerPage
			if size <= 0 {
				size = len(got)
			}
			switch {
			case ri.TotalPages > 0:
				p.Pages = ri.TotalPages
			case ri.TotalCount > 0 && size > 0:
				p.Pages = (ri.TotalCount + size - 1) / size
			}
		}
		if !more(p) || len(got) == 0 || p.Pages > 0 && page >= p.Pages {
			return nil
		}
		if page >= maxPages {
			return fmt.Errorf("GET %s: pagination did not end after %d pages", path, maxPages)
		}
	}
}
