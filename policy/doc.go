// Package policy checks a plan against guardrails: the built-in rules and
// waivers of the desired state's `policy:` block, and Rego rules of a
// directory (conftest conventions: `deny` and `warn` sets of messages),
// evaluated by an embedded Open Policy Agent.
//
// It returns findings (plan.PolicyResult) and never prints: commands render
// them with the plan, and the apply gate refuses an unwaived deny.
//
// Threat model: the Rego files come from the same pull request as the YAML
// and run in the job that holds the API token. So a policy sees only the
// documented input (the plan, the desired state in reference form, the
// lockout findings: never a secret value), cannot reach the network, the
// environment or files (the builtins that could are removed from the
// capabilities, so such a policy does not compile), and is stopped by a
// timeout. Findings are data: every view escapes them.
//
// It must not import the HTTP client or read anything but the policy
// directory it is given.
package policy
