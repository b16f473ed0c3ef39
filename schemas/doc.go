// Package schemas holds the JSON Schema of the idpsync desired-state format.
// Editors use it through the yaml-language-server modeline; the loader
// validates every document against it.
//
// It holds data only: it must not import other idpsync packages, and the
// schema must only change through its generator (see gen_schema.go).
package schemas
