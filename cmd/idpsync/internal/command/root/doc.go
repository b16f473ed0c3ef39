// Package root assembles the idpsync command tree and runs it.
//
// It adds each command package's command to the tree, declares --root for
// all of them, turns SIGINT and SIGTERM into the Factory's interrupt (the
// second one cancels the command's context), and maps errors to exit codes.
// It holds no command's logic; the commands never import each other, only
// root imports them.
//
// It sets the Factory's LoadPolicy to package policy/rego's loader: with
// `policy test`, it is the only command code that links Open Policy Agent,
// so the test binaries of plan, apply and drift do not.
//
// It is tested in package main (cmd/idpsync), whose test binary links it
// anyway: a test binary of its own would link the whole CLI once more.
package root
