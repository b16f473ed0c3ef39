// Package apply executes a reviewed plan.Plan against the Cloudflare API: every
// action in dependency order, independent branches at once, exactly as the plan
// says. A failed action skips everything that depends on it and nothing else.
//
// idpsync keeps no local state, so each action is idempotent on its own: a
// delete that finds nothing is done, certificate-set creation is idempotent in
// the API, and the client reads back ambiguous creates. A re-run after a crash
// plans again from live state and converges.
//
// It must not decide anything the plan did not: it never diffs, never reads the
// YAML and never prints; it reports each step through Options.OnEvent, which
// engine.Apply hands to the command's view. Its gates (CheckDestroy) are
// called by engine.Apply, in their place among the others. A saved plan it
// is given has been verified by plan/planfile, and it still never trusts the
// plan for safety rules (CheckDestroy looks again).
package apply
