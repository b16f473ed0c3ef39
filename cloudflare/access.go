package cloudflare

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// appPageSize is what the application listing asks for per page. The SDK
// (cloudflare-go v7.9.0 zero_trust/accessapplication.go, List) documents page
// and per_page without a maximum, so the pager below never assumes the server
// honoured it: it follows result_info.total_pages and stops at an empty page.
const appPageSize = 100

// ListAccessApplications returns every Access application of the account.
func (c *Client) ListAccessApplications(ctx context.Context, accountID string) ([]AccessApplication, error) {
	if err := checkIDs("list access applications", "account id", accountID); err != nil {
		return nil, err
	}
	path := accountPath(accountID, "access", "apps")
	var all []AccessApplication
	for page := 1; ; page++ {
		req := request{
			method:         http.MethodGet,
			path:           path,
			query:          url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(appPageSize)}},
			retryAmbiguous: true,
		}
		resp, err := c.do(ctx, req)
		if err != nil {
			return nil, err
		}
		var items []AccessApplication
		if err := resp.decodeResult(req, &items); err != nil {
			return nil, err
		}
		all = append(all, items...)
		ri := resp.resultInfo
		switch {
		case len(items) == 0:
			return all, nil
		case ri != nil && ri.TotalPages > 0 && page >= ri.TotalPages:
			return all, nil
		case ri == nil && len(items) < appPageSize:
			return all, nil
		case page > 100_000:
			return nil, fmt.Errorf("GET %s: pagination did not end", path)
		}
	}
}

// GetAccessApplication reads one Access application.
func (c *Client) GetAccessApplication(ctx context.Context, accountID, appID string) (*AccessApplication, error) {
	if err := checkIDs("get access application", "account id", accountID, "application id", appID); err != nil {
		return nil, err
	}
	var a AccessApplication
	_, err := c.call(ctx, request{
		method:         http.MethodGet,
		path:           accountPath(accountID, "access", "apps", url.PathEscape(appID)),
		retryAmbiguous: true,
	}, &a)
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// NewAccessApplication is the body of an application create: the fields
// idpsync's tests and fixtures need.
type NewAccessApplication struct {
	Name                   string   `json:"name"`
	Domain                 string   `json:"domain,omitempty"`
	Type                   string   `json:"type"`
	AllowedIdPs            []string `json:"allowed_idps,omitempty"`
	AutoRedirectToIdentity bool     `json:"auto_redirect_to_identity,omitempty"`
}

// CreateAccessApplication adds an Access application. It is not retried
// when its outcome is unknown: application names need not be unique, so a
// read-back could not tell this create from another.
func (c *Client) CreateAccessApplication(ctx context.Context, accountID string, app NewAccessApplication) (*AccessApplication, error) {
	if err := checkIDs("create access application", "account id", accountID); err != nil {
		return nil, err
	}
	var a AccessApplication
	_, err := c.call(ctx, request{
		method: http.MethodPost,
		path:   accountPath(accountID, "access", "apps"),
		body:   app,
	}, &a)
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// DeleteAccessApplication removes an Access application.
func (c *Client) DeleteAccessApplication(ctx context.Context, accountID, appID string) error {
	if err := checkIDs("delete access application", "account id", accountID, "application id", appID); err != nil {
		return err
	}
	_, err := c.call(ctx, request{
		method:         http.MethodDelete,
		path:           accountPath(accountID, "access", "apps", url.PathEscape(appID)),
		retryAmbiguous: true,
		goneOK:         true,
	}, nil)
	return err
}

// GetAccessOrganization reads the account's Zero Trust organization
// (GET /accounts/{id}/access/organizations answers one object, not a list:
// cloudflare-go v7.9.0 zero_trust/organization.go, OrganizationService.List).
func (c *Client) GetAccessOrganization(ctx context.Context, accountID string) (*AccessOrganization, error) {
	if err := checkIDs("get access organization", "account id", accountID); err != nil {
		return nil, err
	}
	var o AccessOrganization
	_, err := c.call(ctx, request{
		method:         http.MethodGet,
		path:           accountPath(accountID, "access", "organizations"),
		retryAmbiguous: true,
	}, &o)
	if err != nil {
		return nil, err
	}
	return &o, nil
}
