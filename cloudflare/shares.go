package cloudflare

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/idpsync/idpsync/idptype"
)

// ListSharesOptions filters and expands the share listing.
type ListSharesOptions struct {
	IncludeResources       bool
	IncludeRecipientCounts bool
	Kind                   idptype.ShareKind   // sent, received, or empty for both
	Status                 idptype.ShareStatus // empty for any
	TargetType             idptype.ShareTarget // empty for any
}

func (o ListSharesOptions) query() url.Values {
	q := url.Values{}
	if o.IncludeResources {
		q.Set("include_resources", "true")
	}
	if o.IncludeRecipientCounts {
		q.Set("include_recipient_counts", "true")
	}
	if o.Kind != "" {
		q.Set("kind", string(o.Kind))
	}
	if o.Status != "" {
		q.Set("status", string(o.Status))
	}
	if o.TargetType != "" {
		q.Set("target_type", string(o.TargetType))
	}
	return q
}

// ListShares returns the account's shares, in one request when the server
// answers unpaginated as documented for a list without page and per_page.
func (c *Client) ListShares(ctx context.Context, accountID string, opts ListSharesOptions) ([]Share, error) {
	if err := checkIDs("list shares", "account id", accountID); err != nil {
		return nil, err
	}
	return unpaginated(ctx, c, request{
		path:   accountPath(accountID, "shares"),
		query:  opts.query(),
		family: shareFamily,
	}, sharePerPage, func(s Share) string { return s.ID })
}

// GetShare reads one share.
func (c *Client) GetShare(ctx context.Context, accountID, shareID string, includeResources bool) (*Share, error) {
	if err := checkIDs("get share", "account id", accountID, "share id", shareID); err != nil {
		return nil, err
	}
	var q url.Values
	if includeResources {
		q = url.Values{"include_resources": {"true"}}
	}
	var s Share
	_, err := c.call(ctx, request{
		method:         http.MethodGet,
		path:           accountPath(accountID, "shares", url.PathEscape(shareID)),
		query:          q,
		family:         shareFamily,
		retryAmbiguous: true,
	}, &s)
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// CreateShare creates a share. After an interrupted create, an active sent
// share carrying the same grant (or, for a share without a grant, of the same
// name) means the create happened.
func (c *Client) CreateShare(ctx context.Context, accountID string, req CreateShareRequest) (*Share, error) {
	if err := checkIDs("create share", "account id", accountID); err != nil {
		return nil, err
	}
	if req.Recipients == nil {
		req.Recipients = []RecipientRequest{}
	}
	if req.Resources == nil {
		req.Resources = []ResourceRequest{}
	}
	for i := range req.Resources {
		req.Resources[i].Meta = nonNilMeta(req.Resources[i].Meta)
	}
	var grantID string
	for _, r := range req.Resources {
		if r.ResourceType == idptype.ResourceFederationGrant {
			grantID = r.ResourceID
			break
		}
	}
	var created Share
	var found *Share
	_, err := c.createWithReadBack(ctx, request{
		method: http.MethodPost,
		path:   accountPath(accountID, "shares"),
		body:   req,
		family: shareFamily,
	}, &created, func(ctx context.Context) (bool, error) {
		shares, err := c.ListShares(ctx, accountID, ListSharesOptions{IncludeResources: true, Kind: idptype.ShareSent})
		if err != nil {
			return false, err
		}
		for _, s := range shares {
			if s.Status == idptype.ShareDeleting || s.Status == idptype.ShareDeleted {
				continue
			}
			if grantID == "" && s.Name == req.Name || grantID != "" && carriesGrant(s, grantID) {
				found = &s
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

func carriesGrant(s Share, grantID string) bool {
	for _, r := range s.Resources {
		if r.ResourceType == idptype.ResourceFederationGrant && r.ResourceID == grantID &&
			r.Status != idptype.ShareDeleting && r.Status != idptype.ShareDeleted {
			return true
		}
	}
	return false
}

func nonNilMeta(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// DeleteShare starts deleting a share; the returned share shows its new
// status. Deletion is asynchronous and repeatable, so the call is retried; a
// 404 after an attempt that may have been applied returns (nil, nil).
func (c *Client) DeleteShare(ctx context.Context, accountID, shareID string) (*Share, error) {
	if err := checkIDs("delete share", "account id", accountID, "share id", shareID); err != nil {
		return nil, err
	}
	var s Share
	resp, err := c.call(ctx, request{
		method:         http.MethodDelete,
		path:           accountPath(accountID, "shares", url.PathEscape(shareID)),
		family:         shareFamily,
		retryAmbiguous: true,
		goneOK:         true,
	}, &s)
	if err != nil {
		return nil, err
	}
	if resp.gone {
		return nil, nil
	}
	return &s, nil
}

// ListRecipients returns every recipient of a share, in every association
// state, in one request when the server answers unpaginated.
func (c *Client) ListRecipients(ctx context.Context, accountID, shareID string) ([]Recipient, error) {
	if err := checkIDs("list recipients", "account id", accountID, "share id", shareID); err != nil {
		return nil, err
	}
	return unpaginated(ctx, c, request{
		path:   accountPath(accountID, "shares", url.PathEscape(shareID), "recipients"),
		family: shareFamily,
	}, sharePerPage, func(r Recipient) string { return r.ID })
}

// errNoReadBack is why an interrupted add of an organization recipient is not
// retried: the listing names accounts, so it cannot tell whether the add happened.
var errNoReadBack = errors.New("cannot read back an organization recipient")

// AddRecipient adds one recipient to an account-targeted share. After an
// interrupted add, the account among the share's associating or associated
// recipients means the add happened.
func (c *Client) AddRecipient(ctx context.Context, accountID, shareID string, r RecipientRequest) (*Recipient, error) {
	if err := checkIDs("add recipient", "account id", accountID, "share id", shareID); err != nil {
		return nil, err
	}
	var created Recipient
	var found *Recipient
	_, err := c.createWithReadBack(ctx, request{
		method: http.MethodPost,
		path:   accountPath(accountID, "shares", url.PathEscape(shareID), "recipients"),
		body:   r,
		family: shareFamily,
	}, &created, func(ctx context.Context) (bool, error) {
		if r.RecipientAccountID == "" {
			return false, errNoReadBack
		}
		rs, err := c.ListRecipients(ctx, accountID, shareID)
		if err != nil {
			return false, err
		}
		for _, x := range rs {
			if x.AccountID == r.RecipientAccountID && (x.AssociationStatus == idptype.Associating || x.AssociationStatus == idptype.Associated) {
				found = &x
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

// ReplaceRecipients sets the recipients of an account-targeted share; the
// server adds and disassociates the difference, so the call is repeatable.
func (c *Client) ReplaceRecipients(ctx context.Context, accountID, shareID string, rs []RecipientRequest) error {
	if err := checkIDs("replace recipients", "account id", accountID, "share id", shareID); err != nil {
		return err
	}
	if rs == nil {
		rs = []RecipientRequest{}
	}
	_, err := c.call(ctx, request{
		method:         http.MethodPut,
		path:           accountPath(accountID, "shares", url.PathEscape(shareID), "recipients"),
		body:           rs,
		family:         shareFamily,
		retryAmbiguous: true,
	}, nil)
	return err
}

// RemoveRecipient starts disassociating a recipient (a soft delete: it stays
// listed as disassociating, then disassociated). The call is repeatable; a 404
// after an attempt that may have been applied returns (nil, nil).
func (c *Client) RemoveRecipient(ctx context.Context, accountID, shareID, recipientID string) (*Recipient, error) {
	if err := checkIDs("remove recipient", "account id", accountID, "share id", shareID, "recipient id", recipientID); err != nil {
		return nil, err
	}
	var r Recipient
	resp, err := c.call(ctx, request{
		method:         http.MethodDelete,
		path:           accountPath(accountID, "shares", url.PathEscape(shareID), "recipients", url.PathEscape(recipientID)),
		family:         shareFamily,
		retryAmbiguous: true,
		goneOK:         true,
	}, &r)
	if err != nil {
		return nil, err
	}
	if resp.gone {
		return nil, nil
	}
	return &r, nil
}

// ListShareResources returns every resource of a share, in one request when
// the server answers unpaginated.
func (c *Client) ListShareResources(ctx context.Context, accountID, shareID string) ([]ShareResource, error) {
	if err := checkIDs("list share resources", "account id", accountID, "share id", shareID); err != nil {
		return nil, err
	}
	return unpaginated(ctx, c, request{
		path:   accountPath(accountID, "shares", url.PathEscape(shareID), "resources"),
		family: shareFamily,
	}, sharePerPage, func(r ShareResource) string { return r.ID })
}
