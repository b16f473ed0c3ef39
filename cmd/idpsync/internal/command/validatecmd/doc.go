// Package validatecmd implements `idpsync validate`: the offline check of the
// desired state that CI runs on every pull request.
//
// It parses the flags, loads the files with state.Load (without reading
// secrets from the environment) and prints the diagnostics and a one-line
// result, as text or JSON. It must not reach the API nor import another
// command package.
package validatecmd
