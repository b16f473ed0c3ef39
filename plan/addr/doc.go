// Package addr names what a plan works on: the kinds of object, one row each
// in Kinds, and typed addresses (Address) with their string form, which
// plans, their JSON and --target use.
//
// It is vocabulary: it imports nothing of the project, and must not know
// plans, live state or the API.
package addr
