// Package policycmd implements `idpsync policy`: `policy test DIR` runs the
// Rego unit tests of a policy directory the way `opa test` does, and
// `policy rules` lists the built-in rules.
//
// It reads only the policy directory and must not reach the API.
package policycmd
