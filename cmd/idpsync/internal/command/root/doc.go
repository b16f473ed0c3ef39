// Package root assembles the idpsync command tree and runs it.
//
// It only adds each command package's command to the tree and maps errors to
// exit codes; the commands never import each other, only root imports them.
package root
