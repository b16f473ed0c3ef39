// Package schemacmd implements `idpsync schema`.
//
// It prints an embedded schema only: the desired-state format's, or with
// --plan the JSON plan's. It must not import another command package nor
// read the desired state.
package schemacmd
