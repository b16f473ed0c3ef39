package plan

import (
	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan/addr"
)

// Addresses name every object a plan touches, in the form people type after
// --target (addr.Address): account[<label>].idp[<name>] and the kinds'
// paths (addr.Kinds). The label is the account's name, else its id. Plans
// hold them as strings (addr.Address.String); the address of an IdP's
// object is IdPAt(...).Child(kind, key).

// OwnerAt is the address of a declared account, or of a zone when owner is
// a zone's key (idptype.ZoneKey).
func OwnerAt(owner, accountLabel string) addr.Address {
	return addr.Owner(idptype.IsZone(owner), accountLabel)
}

// IdPAt is the address of an IdP of a declared account or zone.
func IdPAt(owner, accountLabel, idpName string) addr.Address {
	return OwnerAt(owner, accountLabel).IdPOf(idpName)
}

// AccountAddress is OwnerAt in its string form: account[platform], zone[docs].
func AccountAddress(owner, accountLabel string) string {
	return OwnerAt(owner, accountLabel).String()
}

// IdPAddress is IdPAt in its string form, e.g. account[platform].idp[Okta]
// or zone[docs].idp[GitHub].
func IdPAddress(owner, accountLabel, idpName string) string {
	return IdPAt(owner, accountLabel, idpName).String()
}
