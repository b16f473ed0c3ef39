// Package cloudflare is idpsync's client for the subset of the Cloudflare API v4
// it manages: Access identity providers, SAML encryption certificate sets, IdP
// federation grants and resource-sharing shares.
//
// The wire types in this file follow ../shared/cloudflare-api/access-subset.openapi.yaml
// field for field; the emulator serves the same types, and a contract test checks
// both against that document.
//
// It knows no YAML and no plan: it speaks the wire format, retries, paces to
// the rate limit and reads back ambiguous creates, nothing more. It must never
// put a secret (client secret, SCIM secret, API token) into an error or a log,
// never wait longer than its bound on a wait the server asks for, nor read more
// than its bounds on one answer and one listing (bounds.go), and never render
// the server's text unsanitised.
package cloudflare
