// Package certscmd implements `idpsync certs`: the SAML encryption
// certificates that the external identity providers must be given, and the
// IdPs' own signing certificates, with when each expires.
//
// It parses the flags, resolves which owners to list (cli.Listed), reads
// their IdPs through engine, and prints the table or the JSON itself. It
// sends no write, must not import another command package, and never prints
// more of a certificate than its parsed public facts.
package certscmd
