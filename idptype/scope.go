package idptype

import "strings"

// The IdP endpoints exist under accounts and under zones: the SDK builds
// "/{accounts|zones}/{id}/access/identity_providers[/{id}]", with the account
// and zone ids mutually exclusive (cloudflare-go v7.9.0
// zero_trust/identityprovider.go, accountOrZone). Everything else idpsync
// manages is per account only: SAML certificate sets
// (zero_trust/accesssamlcertificate.go and identityprovidersamlcertificate.go
// build "accounts/%s/access/saml_certificates" and
// "accounts/%s/access/identity_providers/%s/saml_certificate"), federation
// grants (accessidpfederationgrant.go) and shares (resource_sharing).
//
// A zone travels through idpsync as the owner key "zones/<zone id>" wherever
// an account id would: live state, plans and the client are keyed by it, and
// the client turns it into the /zones/ path.

// ZonePrefix starts the owner key of a zone.
const ZonePrefix = "zones/"

// ZoneKey is the owner key of a zone id.
func ZoneKey(zoneID string) string { return ZonePrefix + zoneID }

// IsZone reports whether an owner key is a zone's.
func IsZone(key string) bool { return strings.HasPrefix(key, ZonePrefix) }

// OwnerID is the bare account or zone id of an owner key.
func OwnerID(key string) string { return strings.TrimPrefix(key, ZonePrefix) }

// OwnerKind is "zone" or "account", as addresses and messages name owners.
func OwnerKind(key string) string {
	if IsZone(key) {
		return "zone"
	}
	return "account"
}

// OwnerName names an owner in a message: "account <id>" or "zone <id>",
// never the owner key itself.
func OwnerName(key string) string { return OwnerKind(key) + " " + OwnerID(key) }
