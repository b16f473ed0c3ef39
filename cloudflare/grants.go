package cloudflare

import (
	"context"
	"net/http"
	"net/url"
)

// grantBody is the body of a grant create.
type grantBody struct {
	IdPID string `json:"idp_id"`
}

// ListGrants returns every federation grant of the account. The endpoint
// takes no paging parameters.
func (c *Client) ListGrants(ctx context.Context, accountID string) ([]Grant, error) {
	if err := checkIDs("list grants", "account id", accountID); err != nil {
		return nil, err
	}
	var grants []Grant
	req := request{
		method:         http.MethodGet,
		path:           accountPath(accountID, "access", "idp_federation_grants"),
		retryAmbiguous: true,
	}
	resp, err := c.call(ctx, req, &grants)
	if err != nil {
		return nil, err
	}
	// Without paging parameters there is no next page to ask for; a listing
	// the server reports as partial would hide a grant and lead to a second
	// one, so it is refused.
	if err := checkComplete(req.path, resp.resultInfo, len(grants)); err != nil {
		return nil, err
	}
	return grants, nil
}

// CreateGrant federates an IdP. An IdP has at most one grant, so after an
// interrupted create a grant for idpID in the listing is the one this call made.
func (c *Client) CreateGrant(ctx context.Context, accountID, idpID string) (*Grant, error) {
	if err := checkIDs("create grant", "account id", accountID, "identity provider id", idpID); err != nil {
		return nil, err
	}
	var created Grant
	var found *Grant
	_, err := c.createWithReadBack(ctx, request{
		method: http.MethodPost,
		path:   accountPath(accountID, "access", "idp_federation_grants"),
		body:   grantBody{IdPID: idpID},
	}, &created, func(ctx context.Context) (bool, error) {
		grants, err := c.ListGrants(ctx, accountID)
		if err != nil {
			return false, err
		}
		for _, g := range grants {
			if g.IdPID == idpID {
				found = &g
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	if found != nil {
		return found, nil
	}
	return &created, nil
}

// GetGrant reads one grant.
func (c *Client) GetGrant(ctx context.Context, accountID, grantID string) (*Grant, error) {
	if err := checkIDs("get grant", "account id", accountID, "grant id", grantID); err != nil {
		return nil, err
	}
	var g Grant
	_, err := c.call(ctx, request{
		method:         http.MethodGet,
		path:           accountPath(accountID, "access", "idp_federation_grants", url.PathEscape(grantID)),
		retryAmbiguous: true,
	}, &g)
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// DeleteGrant deletes a grant, which ends the federation at once. A 404 after
// an attempt that may have been applied means the delete happened.
func (c *Client) DeleteGrant(ctx context.Context, accountID, grantID string) error {
	if err := checkIDs("delete grant", "account id", accountID, "grant id", grantID); err != nil {
		return err
	}
	_, err := c.call(ctx, request{
		method:         http.MethodDelete,
		path:           accountPath(accountID, "access", "idp_federation_grants", url.PathEscape(grantID)),
		retryAmbiguous: true,
		goneOK:         true,
	}, nil)
	return err
}
