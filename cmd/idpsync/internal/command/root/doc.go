// Package root assembles the idpsync command tree and runs it.
//
// It adds each command package's command to the tree, declares --root for
// all of them, turns SIGINT and SIGTERM into the Factory's interrupt (the
// second one cancels the command's context), and maps errors to exit codes.
// It holds no command's logic; the commands never import each other, only
// root imports them.
package root
