package plan

import (
	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan/addr"
)

// Addresses name every object a plan touches, in the form people type after
// --target (addr.Address): account[<label>].idp[<name>] and the kinds'
// paths (addr.Kinds). The label is the account's name, else its id. Plans
// hold them as strings; these build the strings from the kinds table
// without a parse, on the diff's hot path.

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

// childAddress is the address of the object of kind k (with key, for a
// keyed kind) of the IdP at idpAddress.
func childAddress(idpAddress string, k addr.Kind, key string) string {
	info, _ := addr.Info(k)
	s := idpAddress + "." + info.Path
	if info.Keyed {
		s += "[" + key + "]"
	}
	return s
}

// CertificateSetAddress is the address of the SAML encryption certificate set of an IdP.
func CertificateSetAddress(idpAddress string) string {
	return childAddress(idpAddress, addr.CertificateSet, "")
}

// EncryptionAddress is the address of the SAML encryption switch of an IdP.
func EncryptionAddress(idpAddress string) string {
	return childAddress(idpAddress, addr.Encryption, "")
}

// GrantAddress is the address of the federation grant of an IdP.
func GrantAddress(idpAddress string) string {
	return childAddress(idpAddress, addr.Grant, "")
}

// ShareAddress is the address of the share that carries an IdP's grant.
func ShareAddress(idpAddress string) string {
	return childAddress(idpAddress, addr.Share, "")
}

// RecipientAddress is the address of one recipient account of an IdP's share.
func RecipientAddress(idpAddress, accountID string) string {
	return childAddress(idpAddress, addr.Recipient, accountID)
}

// Deposed is the suffix of the address of an object that a replacement
// removes (addr.Deposed).
const Deposed = addr.Deposed
