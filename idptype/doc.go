// Package idptype is the domain vocabulary shared by every layer: the
// identity provider types and their config keys (REFERENCE.md §2.3), and the
// status, target, kind and resource-type values of shares and recipients.
//
// It is plain data and tiny helpers. It must import nothing of the project and
// nothing that does I/O, so that state/, plan/ and plan/render can use the
// vocabulary without linking the HTTP client.
package idptype
