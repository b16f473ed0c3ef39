package cloudflare

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// CreateSAMLCertificate creates the IdP's encryption certificate set and
// assigns it, or returns the set it already has (created is false). The API
// makes this idempotent, so it is retried like a read.
func (c *Client) CreateSAMLCertificate(ctx context.Context, accountID, idpID string) (set *CertificateSet, created bool, err error) {
	if err := checkIDs("create SAML certificate", "account id", accountID, "identity provider id", idpID); err != nil {
		return nil, false, err
	}
	var s CertificateSet
	resp, err := c.call(ctx, request{
		method:         http.MethodPost,
		path:           accountPath(accountID, "access", "identity_providers", url.PathEscape(idpID), "saml_certificate"),
		retryAmbiguous: true,
	}, &s)
	if err != nil {
		return nil, false, err
	}
	return &s, resp.status == http.StatusCreated, nil
}

// ListCertificateSets returns every certificate set of the account.
func (c *Client) ListCertificateSets(ctx context.Context, accountID string) ([]CertificateSet, error) {
	if err := checkIDs("list certificate sets", "account id", accountID); err != nil {
		return nil, err
	}
	return listAll(ctx, c, request{path: accountPath(accountID, "access", "saml_certificates")}, certSetPerPage,
		func(s CertificateSet) string { return s.UID })
}

// GetCertificateSet reads one certificate set.
func (c *Client) GetCertificateSet(ctx context.Context, accountID, setID string) (*CertificateSet, error) {
	if err := checkIDs("get certificate set", "account id", accountID, "certificate set id", setID); err != nil {
		return nil, err
	}
	var s CertificateSet
	_, err := c.call(ctx, request{
		method:         http.MethodGet,
		path:           accountPath(accountID, "access", "saml_certificates", url.PathEscape(setID)),
		retryAmbiguous: true,
	}, &s)
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// RotateCertificateSet makes a new current certificate. Rotation is not
// idempotent: a second one drops the certificate the external IdP may still
// use. So the set is read first, and after an interrupted rotate it is read
// again: a new current certificate means the rotation happened (or the API
// rotated on its own), and it is not sent again.
func (c *Client) RotateCertificateSet(ctx context.Context, accountID, setID string) (*CertificateSet, error) {
	if err := checkIDs("rotate certificate set", "account id", accountID, "certificate set id", setID); err != nil {
		return nil, err
	}
	before, err := c.GetCertificateSet(ctx, accountID, setID)
	if err != nil {
		return nil, fmt.Errorf("rotate certificate set: %w", err)
	}
	var rotated CertificateSet
	var after *CertificateSet
	_, err = c.createWithReadBack(ctx, request{
		method: http.MethodPost,
		path:   accountPath(accountID, "access", "saml_certificates", url.PathEscape(setID), "rotate"),
	}, &rotated, func(ctx context.Context) (bool, error) {
		s, err := c.GetCertificateSet(ctx, accountID, setID)
		if err != nil {
			return false, err
		}
		if currentUID(s) != currentUID(before) || !s.UpdatedAt.Equal(before.UpdatedAt) {
			after = s
			return true, nil
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	if after != nil {
		return after, nil
	}
	return &rotated, nil
}

func currentUID(s *CertificateSet) string {
	if s == nil || s.CurrentCertificate == nil {
		return ""
	}
	return s.CurrentCertificate.UID
}

// GetCertificatePEM downloads the set's current public certificate as PEM text.
func (c *Client) GetCertificatePEM(ctx context.Context, accountID, setID string) (string, error) {
	if err := checkIDs("get certificate PEM", "account id", accountID, "certificate set id", setID); err != nil {
		return "", err
	}
	resp, err := c.do(ctx, request{
		method:         http.MethodGet,
		path:           accountPath(accountID, "access", "saml_certificates", url.PathEscape(setID), "pem"),
		retryAmbiguous: true,
		pem:            true,
	})
	if err != nil {
		return "", err
	}
	return string(resp.raw), nil
}
