// Package spmetadatacmd implements `idpsync sp-metadata`: Cloudflare's side of
// a SAML identity provider, as SAML 2.0 metadata the IdP admin can upload.
//
// It parses the flags, reads the account's IdPs through engine and its
// Access organization through the client, builds the metadata with samlmeta
// and writes it. It sends no write and must not import another command
// package.
package spmetadatacmd
