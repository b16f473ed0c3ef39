// Package policyopt is the option group of the commands that check a plan
// against Rego policies (plan, apply, drift): the --policy and
// --policy-timeout flags, compiling the directory before anything reaches
// the API, and the check itself (the built-in rules with the Rego ones).
//
// It compiles the directory with the loader it is given (the Factory's
// LoadPolicy, which package root sets to package policy/rego's) and must
// not import policy/rego itself: those commands' test binaries would then
// link Open Policy Agent. It must not print, reach the API, or read
// anything but the policy directory it is given.
package policyopt
