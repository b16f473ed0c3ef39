// Package gitrev reads the files of a directory as they were at a git
// revision, as an fs.FS, by running the git binary: `plan --changed-since`
// loads the configuration at the base of a pull request through it.
//
// The revision comes from a command line a CI job builds from a pull
// request's branch names, so it is treated as hostile: a revision that
// starts with "-" or holds control characters is refused, git is given
// --end-of-options before it, and it is resolved to a commit id before any
// other command sees it. Only the tree below the directory given is listed
// (never above it, never a symbolic link or a submodule), every output git
// writes is bounded, and every git process ends with the context.
//
// It knows nothing of idpsync's types and must not import anything of the
// project. It never prints.
package gitrev
