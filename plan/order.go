package plan

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/idpsync/idpsync/internal/dag"
)

// order sorts the actions topologically: every action after all of its
// dependencies, ties broken by address and then by action kind, so that the
// same inputs always give the same order whatever order they came in.
func order(nodes []*node) ([]Action, error) {
	deps := make([][]int, len(nodes))
	for i, n := range nodes {
		for _, dep := range n.deps {
			deps[i] = append(deps[i], dep.i)
		}
	}
	// Ranking once by (address, kind) lets the queue compare integers.
	byKey := make([]int, len(nodes))
	for i := range byKey {
		byKey[i] = i
	}
	slices.SortStableFunc(byKey, func(x, y int) int {
		a, b := &nodes[x].a, &nodes[y].a
		return cmp.Or(cmp.Compare(a.Address, b.Address), cmp.Compare(a.Action, b.Action))
	})
	rank := make([]int, len(nodes))
	for r, i := range byKey {
		rank[i] = r
	}
	idx, err := dag.Order(deps, func(x, y int) bool { return rank[x] < rank[y] })
	if cyc := (*dag.CycleError)(nil); errors.As(err, &cyc) {
		return nil, fmt.Errorf("plan has a dependency cycle among %d actions", len(cyc.Left))
	}
	out := make([]Action, 0, len(nodes))
	for _, i := range idx {
		a := nodes[i].a
		if len(nodes[i].deps) > 0 {
			deps := make([]string, 0, len(nodes[i].deps))
			for _, dep := range nodes[i].deps {
				deps = append(deps, dep.a.Address)
			}
			slices.Sort(deps)
			a.DependsOn = slices.Compact(deps)
		}
		out = append(out, a)
	}
	return out, nil
}
