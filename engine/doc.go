// Package engine runs idpsync's pipeline: it reads the live state of the
// declared accounts through an API client (and the SAML metadata URLs the
// desired state names), diffs it against the desired state into a plan,
// narrows the plan to --target addresses, reads what the lockout analysis
// and drift attribution need (Access applications, policies and
// organizations; the audit log), and resolves the plan's secret references
// again at apply time. Apply is the apply operation: its gates in one order,
// the writes, the wait and the verification. The commands and the bench
// harness both call it, so they plan and apply the same way.
//
// It takes plain inputs (a client, the desired state, options, and for Apply
// a confirmer and a sink) and returns data. It must not print, read flags or
// the environment by itself (callers pass a getenv), or import anything
// under cmd/. It must not import Open Policy Agent (package policy/rego):
// Rego policies reach it through the PolicyChecker its caller passes, so
// the engine's tests, and every package that links it, do not link OPA.
package engine
