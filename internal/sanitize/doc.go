// Package sanitize makes text that idpsync did not write safe to print on a
// terminal or in a CI log: names, messages and header values an API server
// sends, and file names a checkout holds. Both are attacker-controlled in a
// pull request's plan job, whose output is public.
//
// It removes terminal escape sequences and control characters, and breaks
// the markers CI runners read as commands in their logs: a line that begins
// with "::" (GitHub Actions workflow commands, which the runner recognises
// after leading whitespace) and "##[" or "##vso[" (Azure Pipelines).
//
// It knows nothing of idpsync's types and must not import anything of the
// project; it must never be applied to text idpsync writes on purpose, such
// as the YAML of import or a saved plan, whose bytes are data.
package sanitize
