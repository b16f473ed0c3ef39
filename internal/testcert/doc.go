// Package testcert makes throwaway self-signed certificates for tests, and
// the SHA-256 fingerprint in the colon form idpsync reports, so that every
// package's tests build the certificates they feed to parsers, planners and
// the emulator the same way.
//
// It is for tests only and must not be imported by non-test code: its
// certificates have no use outside a test and their keys are discarded.
package testcert
