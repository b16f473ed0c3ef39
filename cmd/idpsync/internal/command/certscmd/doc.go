// Package certscmd implements `idpsync certs`: the SAML encryption
// certificates that the external identity providers must be given, and the
// IdPs' own signing certificates, with when each expires.
//
// It parses flags into options, calls the packages that do the work (engine,
// plan, planfile, apply, samlmeta) and renders their results; it must not
// import another command package, and it holds no pipeline logic of its own.
package certscmd
