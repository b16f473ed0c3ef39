// Package changeset finds the accounts and zones whose declarations differ
// between two desired states (a pull request's base and its head), and the
// accounts a plan of them must include: `plan --changed-since` plans only
// those.
//
// Declarations are compared by the identity of what they declare (account or
// zone id, then IdP name), never by file, so moving an account to another
// file or splitting one file into two is no change. References are compared
// as written: the base is loaded without the environment or any secret
// (state.LoadOptions.FS), and the head's resolved values are set aside for
// the same comparison, so a secret's value never decides anything here.
//
// It reads nothing by itself (no file, no git, no API) and never prints.
package changeset
