// Package examples holds the example desired-state files (loaded by the state
// tests and the README tour), the example Rego policies and waivers of
// policy/ (run by the README's policy tour), and the CI recipes. Its tests check the recipes:
// the GitLab pipeline against GitLab's published CI schema. It has no code
// of its own and must not grow any.
package examples
