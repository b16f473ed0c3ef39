// Package importcmd implements `idpsync import`: desired-state YAML written
// from live state, so that adopting idpsync in an account starts from a plan
// with no changes.
//
// It parses flags into options, calls the packages that do the work (engine,
// plan, planfile, apply, samlmeta) and renders their results; it must not
// import another command package, and it holds no pipeline logic of its own.
package importcmd
