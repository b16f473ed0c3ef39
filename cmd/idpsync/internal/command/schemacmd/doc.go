// Package schemacmd implements `idpsync schema`.
//
// It prints the embedded schema only; it must not import another command
// package nor read the desired state.
package schemacmd
