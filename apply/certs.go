package apply

import (
	"context"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/plan"
	idpstate "github.com/idpsync/idpsync/state"
)

// noteSet records a set this run touched, with its current certificate, and
// lets mark say what was done with it.
func (x *executor) noteSet(a *plan.Action, set *cloudflare.CertificateSet, mark func(*AppliedCertificateSet)) {
	x.mu.Lock()
	defer x.mu.Unlock()
	c := x.certs[a.IdP]
	if c == nil || c.SetUID != set.UID {
		c = &AppliedCertificateSet{
			AccountID: a.AccountID,
			Account:   a.Account,
			IdP:       a.IdP,
			IdPName:   a.IdPName,
			SetUID:    set.UID,
		}
		x.certs[a.IdP] = c
	}
	if cur := set.CurrentCertificate; cur != nil && cur.PublicCertificate != "" {
		c.CertificateUID = cur.UID
		c.CertificatePEM = cur.PublicCertificate
		c.NotAfter = cur.NotAfter
		// An unparsable certificate leaves the fingerprint empty; the PEM is
		// still reported, for --cert-out.
		c.Fingerprint, _ = idpstate.CertificateFingerprint(cur.PublicCertificate)
	}
	mark(c)
}

// noteEnabled records the set an encryption update switched on. The external
// IdP needs its certificate now, so it is read when this run has not seen it.
func (x *executor) noteEnabled(ctx context.Context, a *plan.Action, uid string, got *cloudflare.IdentityProvider) {
	enabled := func(c *AppliedCertificateSet) { c.Enabled = true }
	if got != nil && got.SAMLCertificateSet != nil && got.SAMLCertificateSet.UID == uid && got.SAMLCertificateSet.CurrentCertificate != nil {
		x.noteSet(a, got.SAMLCertificateSet, enabled)
		return
	}
	x.mu.Lock()
	c := x.certs[a.IdP]
	known := c != nil && c.SetUID == uid && c.CertificatePEM != ""
	x.mu.Unlock()
	if known {
		x.noteSet(a, &cloudflare.CertificateSet{UID: uid}, enabled)
		return
	}
	set, err := x.client.GetCertificateSet(ctx, a.AccountID, uid)
	if err != nil || set == nil {
		// Encryption is on; only the report of its certificate is missing.
		x.warn("%s: encryption enabled, but certificate set %s could not be read: %v", a.Address, uid, err)
		set = &cloudflare.CertificateSet{UID: uid}
	}
	x.noteSet(a, set, enabled)
}
