package plan

import (
	"cmp"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/state"
)

// SigningCertificate is one certificate a SAML IdP signs its assertions with
// (config.idp_public_certs), as declared in the files or as set live.
type SigningCertificate struct {
	Address   string `json:"address"`
	AccountID string `json:"account_id"`
	IdP       string `json:"idp"`
	IdPID     string `json:"idp_id,omitempty"`
	// Source is "declared" or "live"; Index is the item of idp_public_certs.
	Source      string    `json:"source"`
	Index       int       `json:"index"`
	Subject     string    `json:"subject,omitempty"`
	Fingerprint string    `json:"sha256_fingerprint,omitempty"`
	NotAfter    time.Time `json:"not_after,omitzero"`
	DaysLeft    int       `json:"days_left"`
	// Error says why the value is not a certificate (only live values can be
	// wrong: the files are validated).
	Error string `json:"error,omitempty"`
}

// Signing certificate sources.
const (
	SourceDeclared = "declared"
	SourceLive     = "live"
)

// CertificateFacts are the public facts idpsync shows of a certificate.
type CertificateFacts struct {
	Subject     string
	Fingerprint string // state.CertificateFingerprint: SHA-256 of the DER, colon-separated hex
	NotAfter    time.Time
}

// ParseCertificateFacts reads a certificate written as PEM or, as the API
// may return idp_public_certs, as the bare base64 of its DER.
func ParseCertificateFacts(s string) (CertificateFacts, error) {
	fp, err := state.CertificateFingerprint(s)
	if err != nil {
		return CertificateFacts{}, err
	}
	der := []byte(nil)
	if block, _ := pem.Decode([]byte(s)); block != nil {
		der = block.Bytes
	} else if der, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), "")); err != nil {
		return CertificateFacts{}, errors.New("neither PEM nor base64 DER")
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return CertificateFacts{}, errors.New("not an X.509 certificate")
	}
	return CertificateFacts{Subject: c.Subject.String(), Fingerprint: fp, NotAfter: c.NotAfter.UTC()}, nil
}

// DaysLeft counts whole days from now until notAfter, negative once past.
func DaysLeft(notAfter, now time.Time) int {
	return int(notAfter.Sub(now).Hours() / 24)
}

// SigningCertificates lists the signing certificates of the SAML IdPs: for
// each declared one (d non-nil) its declared certificates and those of the
// live IdP it matches; without d, those of every live SAML IdP of the
// accounts. labels give account labels for addresses.
func SigningCertificates(d *state.Desired, live *state.Live, accounts []string, labels map[string]string, now time.Time) []SigningCertificate {
	var out []SigningCertificate
	add := func(label, acct, name, id, source string, v any) {
		items, _ := v.([]any)
		for i, it := range items {
			s, _ := it.(string)
			c := SigningCertificate{Address: IdPAddress(acct, label, name), AccountID: acct, IdP: name, IdPID: id, Source: source, Index: i}
			if f, err := ParseCertificateFacts(s); err != nil {
				c.Error = err.Error()
			} else {
				c.Subject, c.Fingerprint, c.NotAfter, c.DaysLeft = f.Subject, f.Fingerprint, f.NotAfter, DaysLeft(f.NotAfter, now)
			}
			out = append(out, c)
		}
	}
	label := func(id string) string {
		if l := labels[id]; l != "" {
			return l
		}
		return idptype.OwnerID(id)
	}
	for _, acct := range accounts {
		var la *state.LiveAccount
		if live != nil {
			la = live.Accounts[acct]
		}
		var da *state.Account
		if d != nil {
			da = d.Account(acct)
		}
		if da == nil {
			if la == nil {
				continue
			}
			for _, l := range la.IdentityProviders {
				if l.Type == idptype.SAML && !l.ReadOnly {
					add(label(acct), acct, l.Name, l.ID, SourceLive, l.Config["idp_public_certs"])
				}
			}
			continue
		}
		for _, i := range da.IdentityProviders {
			if i.Type != idptype.SAML {
				continue
			}
			var l *state.LiveIdP
			if la != nil {
				for _, c := range la.IdentityProviders {
					if c.ReadOnly || c.Type != idptype.SAML {
						continue
					}
					if (i.ID != "" && c.ID == i.ID) || (i.ID == "" && c.Name == i.Name) {
						l = c
						break
					}
				}
			}
			id := i.ID
			if l != nil {
				id = l.ID
			}
			add(label(acct), acct, i.Name, id, SourceDeclared, i.Config["idp_public_certs"])
			if l != nil {
				add(label(acct), acct, i.Name, l.ID, SourceLive, l.Config["idp_public_certs"])
			}
		}
	}
	slices.SortStableFunc(out, func(x, y SigningCertificate) int {
		return cmp.Or(cmp.Compare(x.AccountID, y.AccountID), cmp.Compare(x.IdP, y.IdP))
	})
	return out
}

// SigningWarnings warns of each live signing certificate that expires within
// the window (by now, the API's clock): the external IdP will sign with a
// new one, which Cloudflare must be given first. A declared IdP not yet
// created live is judged by its declared certificates.
func SigningWarnings(certs []SigningCertificate, now time.Time, within time.Duration) []Warning {
	hasLive := map[string]bool{}
	for _, c := range certs {
		if c.Source == SourceLive {
			hasLive[c.Address] = true
		}
	}
	var out []Warning
	for _, c := range certs {
		if c.Error != "" || (c.Source == SourceDeclared && hasLive[c.Address]) {
			continue
		}
		if c.NotAfter.Sub(now) > within {
			continue
		}
		msg := fmt.Sprintf("the IdP's signing certificate %d (%s) expires on %s, in %d days", c.Index+1, c.Subject, c.NotAfter.Format(time.DateOnly), c.DaysLeft)
		if !c.NotAfter.After(now) {
			msg = fmt.Sprintf("the IdP's signing certificate %d (%s) expired on %s", c.Index+1, c.Subject, c.NotAfter.Format(time.DateOnly))
		}
		out = append(out, Warning{
			Address: c.Address, Code: WarnSigningCertificateExpiring, Message: msg,
			Detail: "SHA-256 " + c.Fingerprint + "; add the IdP's next certificate to idp_public_certs",
		})
	}
	return out
}
