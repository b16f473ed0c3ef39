// Package addr names what a plan works on: the kinds of object, one row each
// in Kinds (address path, parent, and how staleness, the destroy gate and
// waiting treat the kind), and typed addresses (Address) with their string
// form, which plans, their JSON and --target use. It is the one place that
// writes and reads that form: the rest of the tree builds addresses with
// Owner, IdPOf, Child, AsDeposed and AsDuplicate, reads them with Parse, and
// compares them with Within (what a --target covers) and Match (the
// patterns of drift exceptions and policy waivers).
//
// It is vocabulary: it imports nothing of the project, and must not know
// plans, live state or the API.
package addr
