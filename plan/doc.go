// Package plan turns a desired state and a live state into a Plan: plain,
// versioned data that says every create, update and delete, field by field, in
// dependency order. It does no I/O and never prints; views in plan/render read
// a Plan, and package apply executes one.
//
// It must do no I/O (no network, no files, no environment, no clock but the
// one in Options) and import no client package: everything it needs arrives as
// a state.Desired and a state.Live.
package plan
