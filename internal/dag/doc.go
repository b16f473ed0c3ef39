// Package dag orders the nodes of a dependency graph, given by index: one
// topological order with a caller-chosen tie-break, and the priority queue of
// ready nodes that both the plan's ordering and the executor's scheduler use.
//
// It knows nothing of plans or actions and must not import anything of the
// project; callers map their own items to indexes.
package dag
