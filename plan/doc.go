// Package plan turns a desired state and a live state into a Plan: plain,
// versioned data that says every create, update and delete, field by field, in
// dependency order. Around it: narrowing a plan to --target addresses, the
// staleness check of a saved plan (Moved), the pre-flight rules, the lockout
// analysis of what a removal takes away (over Access data the engine reads),
// the DANGER list and blockers, the drift report, and the certificate and
// SCIM reports of `certs` and `scim`. Addresses and the kinds of object are
// package plan/addr's; views in plan/render read a Plan, and package apply
// executes one.
//
// It must do no I/O (no network, no files, no environment, no clock but the
// one in Options) and import no client package: everything it needs arrives as
// a state.Desired, a state.Live or data read for it. It never prints.
package plan
