// Package importcmd implements `idpsync import`: desired-state YAML written
// from live state, or from the JSON of `terraform show -json`
// (--from-terraform, with the removed blocks that make Terraform forget), so
// that adopting idpsync in an account starts from a plan with no changes.
//
// It parses the flags, reads live state through engine (or the Terraform
// JSON through tfimport), and maps what it read to YAML itself: that mapping
// (live IdP to declared IdP, secrets to ${env:...} references) is the one
// piece of logic a command holds. It sends no write and must not import
// another command package.
package importcmd
