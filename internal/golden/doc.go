// Package golden compares what a test produced with a file kept under
// testdata, and rewrites that file instead when the tests run with -update
// (go test ./plan/render -update). It is the one golden-file helper of the
// tree: every package's golden tests use it, so -update means the same thing
// everywhere.
//
// It is imported by tests only and must not be imported by the product: it
// registers the -update flag in the binary that links it.
package golden
