// Package certscmd implements `idpsync certs`: the SAML encryption
// certificates that the external identity providers must be given, and the
// IdPs' own signing certificates, with when each expires.
//
// It parses the flags, resolves which owners to list (cli.Listed), reads
// their IdPs through engine, gathers the report with package plan and hands
// it to render.Certs, which owns the table, the Markdown and the JSON. It
// sends no write, must not import another command package, and never shows
// more of a certificate than its parsed public facts.
package certscmd
