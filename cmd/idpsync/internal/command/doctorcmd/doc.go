// Package doctorcmd implements `idpsync doctor`: a read-only check, before the
// first apply or in CI with the plan job's token, of what idpsync needs of the
// Cloudflare API with the credentials at hand.
//
// It parses flags into options, runs package doctor and renders its Report
// (view.go); it must not import another command package, send a write, or
// print anything an answer of the API contained.
package doctorcmd
