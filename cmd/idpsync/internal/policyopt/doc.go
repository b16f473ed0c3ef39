// Package policyopt is the option group of the commands that check a plan
// against Rego policies (plan, apply, drift): the --policy and
// --policy-timeout flags, compiling the directory before anything reaches
// the API, and the check itself (the built-in rules with the Rego ones).
//
// It is a package of its own so that only those commands link Open Policy
// Agent (through policy/rego): package cli, which every command and its
// tests link, must not import it. It must not print, reach the API, or
// read anything but the policy directory it is given.
package policyopt
