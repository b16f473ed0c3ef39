// Package driftcmd implements `idpsync drift`, the nightly check that live
// state still matches the declared state.
//
// It parses flags into options, calls the packages that do the work (engine,
// plan, planfile, apply, samlmeta) and renders their results; it must not
// import another command package, and it holds no pipeline logic of its own.
package driftcmd
