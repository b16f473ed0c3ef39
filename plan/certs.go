package plan

import (
	"fmt"
	"time"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/state"
)

// EncryptionCertificate is one certificate of a SAML encryption
// certificate set, as `certs` reports it.
type EncryptionCertificate struct {
	UID         string    `json:"uid"`
	Subject     string    `json:"subject,omitempty"`
	NotAfter    time.Time `json:"not_after"`
	DaysLeft    int       `json:"days_left"`
	Fingerprint string    `json:"sha256_fingerprint"`
}

// CertificateSet is one IdP's SAML encryption certificate set, as `certs`
// reports it.
type CertificateSet struct {
	Address          string                 `json:"address"`
	AccountID        string                 `json:"account_id"`
	IdP              string                 `json:"idp"`
	IdPID            string                 `json:"idp_id"`
	UID              string                 `json:"uid"`
	EncryptionOn     bool                   `json:"encryption_enabled"`
	Current          *EncryptionCertificate `json:"current"`
	Previous         *EncryptionCertificate `json:"previous,omitempty"`
	RotationUnderWay bool                   `json:"rotation_under_way"`
	// PEM is the current certificate, for `certs --out`; no view shows it.
	PEM string `json:"-"`
}

// EncryptionCertificates lists the encryption certificate sets of the
// accounts' own IdPs (read-only federated connections are the source's), in
// account and live order; labels give account labels for addresses. Days
// are counted from now, the API's clock.
func EncryptionCertificates(live *state.Live, accounts []string, labels map[string]string, now time.Time) []CertificateSet {
	sets := []CertificateSet{}
	for _, id := range accounts {
		acct := live.Accounts[id]
		if acct == nil {
			continue
		}
		label := labels[id]
		if label == "" {
			label = idptype.OwnerID(id)
		}
		for _, idp := range acct.IdentityProviders {
			cs := idp.CertificateSet
			if cs == nil || idp.ReadOnly {
				continue
			}
			s := CertificateSet{
				Address:      IdPAddress(id, label, idp.Name),
				AccountID:    id,
				IdP:          idp.Name,
				IdPID:        idp.ID,
				UID:          cs.UID,
				EncryptionOn: idp.EncryptionEnabled,
				Current:      encryptionCertificate(cs.Current, now),
				Previous:     encryptionCertificate(cs.Previous, now),
			}
			s.RotationUnderWay = s.Previous != nil
			if cs.Current != nil {
				s.PEM = cs.Current.PEM
			}
			sets = append(sets, s)
		}
	}
	return sets
}

func encryptionCertificate(c *state.LiveCertificate, now time.Time) *EncryptionCertificate {
	if c == nil {
		return nil
	}
	out := &EncryptionCertificate{UID: c.UID, NotAfter: c.NotAfter, DaysLeft: DaysLeft(c.NotAfter, now), Fingerprint: c.SHA256}
	if facts, err := ParseCertificateFacts(c.PEM); err == nil {
		out.Subject = facts.Subject
	}
	return out
}

// CertificateSlot is one certificate of a set with its place in it:
// "current" or "previous".
type CertificateSlot struct {
	Slot string
	Cert *EncryptionCertificate
}

// Slots are the set's certificates that exist, current first.
func (s *CertificateSet) Slots() []CertificateSlot {
	var out []CertificateSlot
	for _, c := range []CertificateSlot{{"current", s.Current}, {"previous", s.Previous}} {
		if c.Cert != nil {
			out = append(out, c)
		}
	}
	return out
}

// ExpiringWithin names every listed certificate that expires within the
// window from now, expired ones included, in the words `certs
// --expiring-within` reports them.
func ExpiringWithin(sets []CertificateSet, signing []SigningCertificate, now time.Time, within time.Duration) []string {
	var out []string
	soon := func(t time.Time) bool { return t.Sub(now) <= within }
	for _, s := range sets {
		for _, c := range s.Slots() {
			if soon(c.Cert.NotAfter) {
				out = append(out, fmt.Sprintf("%s encryption %s certificate: %s (%d days left)", s.Address, c.Slot, c.Cert.NotAfter.UTC().Format(time.DateOnly), c.Cert.DaysLeft))
			}
		}
	}
	for _, c := range signing {
		if c.Error == "" && soon(c.NotAfter) {
			out = append(out, fmt.Sprintf("%s signing certificate %d (%s): %s (%d days left)", c.Address, c.Index+1, c.Source, c.NotAfter.Format(time.DateOnly), c.DaysLeft))
		}
	}
	return out
}

// SCIMEntry is one IdP's SCIM provisioning, as `scim` reports it. It never
// holds the SCIM secret: the API does not return it after the first time.
type SCIMEntry struct {
	Address                string `json:"address"`
	AccountID              string `json:"account_id"`
	IdP                    string `json:"idp"`
	IdPID                  string `json:"idp_id"`
	Type                   string `json:"type"`
	Enabled                bool   `json:"enabled"`
	BaseURL                string `json:"scim_base_url,omitempty"`
	UserDeprovision        bool   `json:"user_deprovision"`
	SeatDeprovision        bool   `json:"seat_deprovision"`
	IdentityUpdateBehavior string `json:"identity_update_behavior,omitempty"`
}

// SCIMEntries lists the IdPs of the accounts in account and live order.
// Read-only federated connections are left out: their SCIM belongs to the
// source.
func SCIMEntries(live *state.Live, accounts []string, labels map[string]string) []SCIMEntry {
	var out []SCIMEntry
	for _, id := range accounts {
		la := live.Accounts[id]
		if la == nil {
			continue
		}
		label := labels[id]
		if label == "" {
			label = idptype.OwnerID(id)
		}
		for _, l := range la.IdentityProviders {
			if l.ReadOnly {
				continue
			}
			e := SCIMEntry{
				Address: IdPAddress(id, label, l.Name), AccountID: id, IdP: l.Name, IdPID: l.ID, Type: l.Type,
			}
			e.Enabled, _ = l.SCIMConfig["enabled"].(bool)
			e.BaseURL, _ = l.SCIMConfig["scim_base_url"].(string)
			e.UserDeprovision, _ = l.SCIMConfig["user_deprovision"].(bool)
			e.SeatDeprovision, _ = l.SCIMConfig["seat_deprovision"].(bool)
			e.IdentityUpdateBehavior, _ = l.SCIMConfig["identity_update_behavior"].(string)
			out = append(out, e)
		}
	}
	return out
}
