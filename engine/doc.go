// Package engine runs idpsync's pipeline: it reads the live state of the
// declared accounts through an API client, diffs it against the desired state
// into a plan, narrows the plan to --target addresses, and resolves the
// plan's secret references again at apply time. The commands and the bench
// harness both call it, so they plan the same way.
//
// It takes plain inputs (a client, the desired state, options) and returns
// data. It must not print, read flags or the environment by itself (callers
// pass a getenv), or import anything under cmd/.
package engine
