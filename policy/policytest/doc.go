// Package policytest holds the fixtures the tests of policy and policy/rego
// share: one desired state, one plan that destroys and locks out, a large
// plan for the benchmarks, and the findings' text form, so that the
// built-in rules and the Rego policies are checked against the same inputs.
//
// It is test support: production code must not import it, and it must not
// reach the API, the environment or any file but the desired state it is
// pointed at.
package policytest
