// Package cli is what every idpsync command shares: its IO streams, the exit
// codes, and the flags that select and reach the Cloudflare API.
//
// It holds no pipeline: reading live state, diffing and targeting live in
// package engine, which takes plain inputs and never this package's Factory.
// No command package lives here and nothing here imports a command package.
package cli
