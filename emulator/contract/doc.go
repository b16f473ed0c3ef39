// Package contract checks HTTP traffic against the OpenAPI document of the
// Cloudflare API subset idpsync uses (emulator/testdata/access-subset.openapi.yaml):
// request bodies and query parameters against each operation's declared
// parameters and requestBody, responses against the schema of their status.
// The emulator's tests run its responses through it, and the client's tests
// run the client's requests and the emulator's answers through it, so the
// two sides are held to the document rather than to each other.
//
// Its checks are test support, with one exception: Shape, which `idpsync
// doctor` runs over the real API's answers, reports differences by place and
// field name only, never a value. It does no I/O besides reading the document
// it is given.
package contract
