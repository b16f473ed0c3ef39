// Package cli is what every idpsync command shares: its IO streams and exit
// codes, the flags that select and reach the Cloudflare API and the
// connection they build (--sandbox starts the emulator), loading the desired
// state with its diagnostics, and the files commands write (PEM
// certificates, SCIM secrets, comments).
//
// The operations live elsewhere: reading, diffing, targeting and applying in
// package engine, which takes plain inputs and never this package's
// Factory. No command package lives here and nothing here imports a command
// package.
package cli
