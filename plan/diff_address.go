package plan

import "github.com/idpsync/idpsync/idptype"

// Addresses name every object a plan touches, in the form people type after
// --target: account[<label>].idp[<name>] and the child suffixes below. The
// label is the account's name, else its id.

// AccountAddress is the address of a declared account, or of a zone when
// owner is a zone's key (idptype.ZoneKey): account[platform], zone[docs].
func AccountAddress(owner, accountLabel string) string {
	return idptype.OwnerKind(owner) + "[" + accountLabel + "]"
}

// IdPAddress is the address of an IdP, e.g. account[platform].idp[Okta] or
// zone[docs].idp[GitHub].
func IdPAddress(owner, accountLabel, idpName string) string {
	return AccountAddress(owner, accountLabel) + ".idp[" + idpName + "]"
}

// CertificateSetAddress is the address of the SAML encryption certificate set of an IdP.
func CertificateSetAddress(idpAddress string) string {
	return idpAddress + ".encryption.certificate_set"
}

// EncryptionAddress is the address of the SAML encryption switch of an IdP.
func EncryptionAddress(idpAddress string) string {
	return idpAddress + ".encryption"
}

// GrantAddress is the address of the federation grant of an IdP.
func GrantAddress(idpAddress string) string {
	return idpAddress + ".grant"
}

// ShareAddress is the address of the share that carries an IdP's grant.
func ShareAddress(idpAddress string) string {
	return idpAddress + ".share"
}

// RecipientAddress is the address of one recipient account of an IdP's share.
func RecipientAddress(idpAddress, accountID string) string {
	return idpAddress + ".share.recipient[" + accountID + "]"
}

// Deposed is the suffix of the address of an object that a replacement
// removes: the old grant and share of an IdP whose type changes are deleted
// before the IdP is replaced, and new ones are created under the plain
// address after it, so that every action of a plan has its own address.
const Deposed = " (deposed)"
