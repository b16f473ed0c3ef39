package cloudflare

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// appPageSize is what the application listing asks for per page. The SDK
// (cloudflare-go v7.9.0 zero_trust/accessapplication.go, List) documents page
// and per_page without a maximum, so the pager never assumes the server
// honoured it (listPages).
const appPageSize = 100

// ListAccessApplications returns every Access application of the account
// (or of the zone, for a zone owner key).
func (c *Client) ListAccessApplications(ctx context.Context, accountID string) ([]AccessApplication, error) {
	if err := checkIDs("list access applications", "account id", accountID); err != nil {
		return nil, err
	}
	// listAll pages by result_info: total_pages when the server reports it,
	// else total_count, else the first empty page.
	return listAll(ctx, c, request{path: accountPath(accountID, "access", "apps")}, appPageSize,
		func(a AccessApplication) string { return a.ID })
}

// ListAccessApplicationPolicies returns every policy an Access application
// is evaluated with: its own and the reusable ones it uses
// (GET /{accounts|zones}/{id}/access/apps/{app_id}/policies, paged with page
// and per_page: cloudflare-go v7.9.0 zero_trust/accessapplicationpolicy.go,
// List; "Returns both exclusively scoped and reusable policies used by the
// application", cloudflare-typescript
// src/resources/zero-trust/access/applications/policies.ts).
func (c *Client) ListAccessApplicationPolicies(ctx context.Context, accountID, appID string) ([]AccessPolicy, error) {
	if err := checkIDs("list access application policies", "account id", accountID, "application id", appID); err != nil {
		return nil, err
	}
	return listAll(ctx, c, request{path: accountPath(accountID, "access", "apps", url.PathEscape(appID), "policies")}, appPageSize,
		func(p AccessPolicy) string { return p.ID })
}

// ListAccessPolicies returns the account's reusable Access policies
// (GET /accounts/{id}/access/policies, paged with page and per_page:
// cloudflare-go v7.9.0 zero_trust/accesspolicy.go, List; the SDK builds no
// zone form).
func (c *Client) ListAccessPolicies(ctx context.Context, accountID string) ([]AccessPolicy, error) {
	if err := checkIDs("list access policies", "account id", accountID); err != nil {
		return nil, err
	}
	return listAll(ctx, c, request{path: accountPath(accountID, "access", "policies")}, appPageSize,
		func(p AccessPolicy) string { return p.ID })
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
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
		return nil, fmt.Errorf("%w: %w", ErrNoAccessOrganization, err)
	}
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// ErrNoAccessOrganization is GetAccessOrganization's answer for an account
// whose organization read answers 404: Zero Trust is not set up there, so
// no organization exists to refer to an IdP (an account has none until one
// is created; cloudflare-go v7.9.0 zero_trust/organization.go has New for it).
var ErrNoAccessOrganization = errors.New("the account has no Access organization (Zero Trust is not set up)")
