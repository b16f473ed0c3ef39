// Package versioncmd implements `idpsync version`.
//
// It prints build information only; it must not import another command
// package nor reach the API.
package versioncmd
