package plan

import (
	"fmt"
	"maps"
	"time"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/state"
)

// autoRotation is how long before expiry Cloudflare rotates a certificate by itself.
const autoRotation = 30 * 24 * time.Hour

// encryption plans the certificate set and the encryption switch of a SAML IdP.
// It returns the last create-side action, which federation waits for.
func (d *differ) encryption(s *idpState, chain *node) (*node, error) {
	enc := s.d.Encryption
	if s.d.Type != idptype.SAML {
		if enc != nil && enc.Enabled {
			return nil, fmt.Errorf("%s: encryption applies only to saml identity providers", s.addr)
		}
		return chain, nil
	}
	want := enc != nil && enc.Enabled
	var set *state.LiveCertificateSet
	liveOn := false
	if !s.fresh {
		set, liveOn = s.l.CertificateSet, s.l.EncryptionEnabled
	}
	setAddr, encAddr := s.child(ResourceCertificateSet, ""), s.child(ResourceEncryption, "")
	var idpUpdate *node
	if s.node.kind == Update {
		idpUpdate = s.node
	}

	if !want {
		if liveOn {
			a := s.action(encAddr, ResourceEncryption, Update, ReasonEncryptionDisabled)
			if set != nil {
				a.IDs.CertificateSet = set.UID
				d.readSet(s, set)
			}
			a.Request = withEncryption(s.body(), false)
			a.Before = map[string]any{"enabled": true}
			a.After = map[string]any{"enabled": false}
			a.Changes = []Change{{Path: "config.enable_encryption", Before: true, After: false}}
			a.Notes = []string{"Access rejects encrypted assertions from this moment: the external IdP must stop encrypting at the same moment, or sign-ins fail"}
			d.add(a, idpUpdate)
		} else if enc != nil {
			a := s.action(encAddr, ResourceEncryption, NoOp, ReasonInSync)
			a.After = map[string]any{"enabled": false}
			d.add(a)
		}
		return chain, nil
	}

	setReason, encReason := ReasonMissing, ReasonEncryptionEnabled
	if s.childReason == ReasonParentReplaced {
		setReason, encReason = ReasonParentReplaced, ReasonParentReplaced
	}
	ids := s.ids()
	if set == nil {
		a := s.action(setAddr, ResourceCertificateSet, Create, setReason)
		a.Notes = []string{"creates the encryption certificate set; its public certificate must be given to the external IdP"}
		chain = d.add(a, chain)
	} else {
		ids.CertificateSet = set.UID
		d.readSet(s, set)
		d.certificateWarnings(s, set)
		a := s.action(setAddr, ResourceCertificateSet, NoOp, ReasonInSync)
		a.IDs = ids
		a.Before = certificateFields(set.Current)
		rotated := false
		if cur := set.Current; cur != nil && enc.RotateWithin > 0 && cur.NotAfter.Sub(d.opts.Now) < enc.RotateWithin {
			if set.Previous != nil {
				d.warn(Warning{
					Address: setAddr,
					Code:    WarnRotationDeferred,
					Message: "the certificate expires within rotate_within, but it is not rotated: a previous certificate still exists, and rotating again would invalidate the certificate the external IdP may still use",
					Detail:  previousDetail(set.Previous),
				})
			} else {
				a.Action, a.Reason = Rotate, ReasonCertificateExpiring
				a.Notes = []string{fmt.Sprintf("a new certificate becomes current; the current one (SHA-256 %s) keeps working until %s, by which time the external IdP must have the new public certificate", cur.SHA256, stamp(cur.NotAfter))}
				chain = d.add(a, chain)
				rotated = true
			}
		}
		if !rotated {
			d.add(a)
		}
	}

	if !liveOn || set == nil {
		a := s.action(encAddr, ResourceEncryption, Update, encReason)
		a.IDs = ids
		a.Request = withEncryption(s.body(), true)
		a.Before = map[string]any{"enabled": false}
		a.After = map[string]any{"enabled": true}
		a.Changes = []Change{{Path: "config.enable_encryption", Before: false, After: true}}
		a.Notes = []string{"Access rejects unencrypted assertions from this moment: the external IdP must have the public certificate and start encrypting at the same moment, or sign-ins fail"}
		return d.add(a, chain, idpUpdate), nil
	}
	a := s.action(encAddr, ResourceEncryption, NoOp, ReasonInSync)
	a.IDs = ids
	a.After = map[string]any{"enabled": true}
	d.add(a)
	return chain, nil
}

// withEncryption is the IdP body an encryption update PUTs: the IdP as it will
// be, with encryption set to the target state.
func withEncryption(r *IdPRequest, on bool) *IdPRequest {
	c := *r
	c.Config = maps.Clone(r.Config)
	c.EnableEncryption = on
	return &c
}

func (d *differ) readSet(s *idpState, set *state.LiveCertificateSet) {
	d.read(Read{
		Address:   s.child(ResourceCertificateSet, ""),
		AccountID: s.ac.d.ID,
		ID:        set.UID,
		Version:   timeVersion(set.UpdatedAt),
		Resource:  ResourceCertificateSet,
	})
}

// certificateWarnings tell a reviewer what the certificate lifecycle needs
// from the external IdP; none of it is an action idpsync can take.
func (d *differ) certificateWarnings(s *idpState, set *state.LiveCertificateSet) {
	addr := s.child(ResourceCertificateSet, "")
	if cur := set.Current; cur != nil {
		left := cur.NotAfter.Sub(d.opts.Now)
		switch {
		case left <= 0:
			d.warn(Warning{
				Address: addr,
				Code:    WarnExpiredCertificate,
				Message: fmt.Sprintf("the current encryption certificate expired on %s", stamp(cur.NotAfter)),
				Detail:  currentDetail(cur),
			})
		case left < autoRotation:
			d.warn(Warning{
				Address: addr,
				Code:    WarnCertificateExpiring,
				Message: fmt.Sprintf("the encryption certificate expires on %s; Cloudflare rotates it automatically 30 days before expiry, and the external IdP will need the new public certificate", stamp(cur.NotAfter)),
				Detail:  currentDetail(cur),
			})
		}
	}
	if set.Previous != nil && set.Current != nil {
		d.warn(Warning{
			Address: addr,
			Code:    WarnRotationInProgress,
			Message: fmt.Sprintf("the certificate set was rotated; the external IdP must get the new public certificate before the previous one expires on %s", stamp(set.Previous.NotAfter)),
			Detail:  currentDetail(set.Current),
		})
	}
}

func currentDetail(c *state.LiveCertificate) string {
	return fmt.Sprintf("current certificate %s: SHA-256 %s, not after %s", c.UID, c.SHA256, stamp(c.NotAfter))
}

func previousDetail(c *state.LiveCertificate) string {
	return fmt.Sprintf("previous certificate %s: SHA-256 %s, not after %s", c.UID, c.SHA256, stamp(c.NotAfter))
}

func certificateFields(c *state.LiveCertificate) map[string]any {
	if c == nil {
		return nil
	}
	return map[string]any{"current_certificate": c.UID, "sha256": c.SHA256, "not_after": stamp(c.NotAfter)}
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
