// Package cli is what every idpsync command shares: its IO streams and exit
// codes, the flags that select and reach the Cloudflare API and the
// connection they build (--sandbox starts the emulator), loading the desired
// state with its diagnostics, the option groups several commands declare
// (--changed-since, the owners certs and scim list), the refusal of a plan
// that policy denies, and the files commands write (PEM certificates, SCIM
// secrets, comments).
//
// The Factory holds no flag's value: each option group (API, Load, Listed)
// lives in the options of the command that declares it, so no flag of one
// command reaches another.
//
// Every command and every command's test binary links this package, so it
// must not import Open Policy Agent (package policy/rego): the Factory
// carries the Rego loader as a function (LoadPolicy), which package root
// sets, and --policy is package policyopt, which plan, apply and drift
// import.
//
// The operations live elsewhere: reading, diffing, targeting and applying in
// package engine, which takes plain inputs and never this package's
// Factory. No command package lives here and nothing here imports a command
// package.
package cli
