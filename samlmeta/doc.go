// Package samlmeta reads and writes SAML 2.0 metadata: it parses an identity
// provider's EntityDescriptor into the three values a Cloudflare SAML IdP needs
// (entity id, single sign-on URL, signing certificates), and writes the
// service-provider metadata Cloudflare's side of a SAML IdP presents.
//
// It is pure: it neither reads files nor talks to the network (see
// samlmeta/fetch for that), and it never echoes the document it parses.
// Metadata comes from outside (a file a pull request edits, a URL the IdP
// serves), so error messages name elements and positions only, never values,
// and parsed certificates are re-encoded from their DER, never copied as text.
package samlmeta
