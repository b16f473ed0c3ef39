// Package rego loads a --policy directory of Rego policies (conftest
// conventions: `deny` and `warn` sets of messages) and evaluates them, and
// their `test_` rules, with an embedded Open Policy Agent. Its Policies are
// a policy.Evaluator: package policy merges their findings with the
// built-in rules' and applies the waivers.
//
// Threat model: the Rego files come from the same pull request as the YAML
// and run in the job that holds the API token. So a policy sees only the
// input it is given (policy.Input: never a secret value), cannot reach the
// network, the environment or files (the builtins that could are removed
// from the capabilities, so such a policy does not compile), and is stopped
// by a timeout. The directory it reads is bounded in files, size and
// depth, and links are refused. OPA's messages quote the policy, so they
// are sanitised before they leave.
//
// It is the only package that imports Open Policy Agent, and only package
// root (which hands LoadDir to the commands that take --policy through the
// Factory) and `policy test` import it: it must not be imported by policy,
// engine, the shared command code or the commands that take --policy, whose
// test binaries would then link OPA. It must not import the HTTP client, print, or read anything
// but the policy directory it is given.
package rego
