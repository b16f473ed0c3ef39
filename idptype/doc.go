// Package idptype is the domain vocabulary shared by every layer: the
// identity provider types and their config and SCIM keys (REFERENCE.md
// §2.3), the status, target, kind and resource-type values of shares and
// recipients, the built-in policy rules, and the owner keys that tell a
// zone from an account (scope.go).
//
// It is plain data and tiny helpers. It must import nothing of the project and
// nothing that does I/O, so that state/, plan/ and plan/render can use the
// vocabulary without linking the HTTP client.
package idptype
