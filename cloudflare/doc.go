// Package cloudflare is idpsync's client for the subset of the Cloudflare API v4
// it uses: what it manages (Access identity providers, SAML encryption
// certificate sets, IdP federation grants, resource-sharing shares and their
// recipients) and what it reads to plan safely (Access applications,
// policies and organizations for the lockout analysis, the audit log for
// drift attribution, accounts and their organizations).
//
// The wire types (types.go and beside each call) follow the repository's
// copy of the API subset, emulator/testdata/access-subset.openapi.yaml,
// field for field; the emulator defines its own, and the contract tests hold
// both to that document.
//
// It knows no YAML and no plan: it speaks the wire format, retries, paces to
// the rate limit and reads back ambiguous creates, nothing more. It must never
// put a secret (client secret, SCIM secret, API token) into an error or a log,
// never wait longer than its bound on a wait the server asks for, nor read more
// than its bounds on one answer and one listing (bounds.go), and never render
// the server's text unsanitised.
package cloudflare
