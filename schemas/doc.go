// Package schemas holds the JSON Schemas of the idpsync desired-state format
// and of the JSON plan (plan.schema.json, generated from package plan).
// Editors use the first through the yaml-language-server modeline, and the
// loader validates every document against it; policy authors and other tools
// read plans by the second.
//
// It holds data only: it must not import other idpsync packages, and the
// schemas must only change through their generators (gen_schema.go and
// gen_plan_schema.go; go generate ./schemas).
package schemas
