// Package importcmd implements `idpsync import`: desired-state YAML written
// from live state, or from the JSON of `terraform show -json`
// (--from-terraform, with the removed blocks that make Terraform forget), so
// that adopting idpsync in an account starts from a plan with no changes.
//
// It parses flags into options, calls the packages that do the work (engine,
// plan, planfile, apply, samlmeta, tfimport) and renders their results; it must not
// import another command package, and it holds no pipeline logic of its own.
package importcmd
