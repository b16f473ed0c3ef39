// Package validatecmd implements `idpsync validate`: the offline check of the
// desired state that CI runs on every pull request.
//
// It parses flags into options, calls the packages that do the work (engine,
// plan, planfile, apply, samlmeta) and renders their results; it must not
// import another command package, and it holds no pipeline logic of its own.
package validatecmd
