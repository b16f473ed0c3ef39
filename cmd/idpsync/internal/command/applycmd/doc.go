// Package applycmd implements `idpsync apply`: plan (or load a saved plan),
// confirm, execute in dependency order, then verify.
//
// It parses flags into options, calls the packages that do the work (engine,
// plan, planfile, apply, samlmeta) and renders their results; it must not
// import another command package, and it holds no pipeline logic of its own.
package applycmd
