// Package state holds the two sides idpsync compares: the desired state loaded
// and validated from YAML (with file:line:col diagnostics and ${env:}/${file:}
// references), and the model of the live state that package engine reads from
// the API and normalizes into the same vocabulary.
//
// It makes no API calls and must not import the HTTP client: plan/ and
// plan/render build on it without linking net/http. It reads files only
// inside the configuration root and never prints.
package state
