// Package policy checks a plan against guardrails: the built-in rules and
// waivers of the desired state's `policy:` block, and the findings of the
// Rego rules of a --policy directory, which an Evaluator (package
// policy/rego) returns. It builds the document those rules read as `input`
// and merges, waives and sorts every finding.
//
// It returns findings (plan.PolicyResult) and never prints: commands render
// them with the plan, and the apply gate (Gate) refuses an unwaived deny.
//
// Threat model: the input it hands an Evaluator holds only the documented
// document (the plan, the desired state in reference form, the lockout
// findings): never a secret value. Findings are data: every view escapes
// them.
//
// It must not import Open Policy Agent (or policy/rego): the engine and
// every command link this package, and only those that take --policy may
// pay for OPA. It must not import the HTTP client or read any file.
package policy
