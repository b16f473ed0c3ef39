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
// acts[i] is nodes[i]'s action; it is sorted in place, so that a large plan's
// actions are not copied into a second slice.
func order(nodes []*node, acts []Action) error {
	deps := make([][]int, len(nodes))
	for i, n := range nodes {
		if len(n.deps) == 0 {
			continue
		}
		deps[i] = make([]int, len(n.deps))
		for j, dep := range n.deps {
			deps[i][j] = dep.i
		}
	}
	// Ranking once by (address, kind) lets the queue compare integers.
	byKey := make([]int, len(nodes))
	for i := range byKey {
		byKey[i] = i
	}
	slices.SortStableFunc(byKey, func(x, y int) int {
		a, b := &acts[x], &acts[y]
		return cmp.Or(cmp.Compare(a.Address, b.Address), cmp.Compare(a.Action, b.Action))
	})
	rank := make([]int, len(nodes))
	for r, i := range byKey {
		rank[i] = r
	}
	idx, err := dag.Order(deps, func(x, y int) bool { return rank[x] < rank[y] })
	if cyc := (*dag.CycleError)(nil); errors.As(err, &cyc) {
		return fmt.Errorf("plan has a dependency cycle among %d actions", len(cyc.Left))
	}
	for i, n := range nodes {
		if len(n.deps) == 0 {
			continue
		}
		addrs := make([]string, len(n.deps))
		for j, dep := range n.deps {
			addrs[j] = acts[dep.i].Address
		}
		slices.Sort(addrs)
		acts[i].DependsOn = slices.Compact(addrs)
	}
	permute(acts, idx)
	return nil
}

// permute rearranges acts in place so that acts[k] becomes the old
// acts[idx[k]], following each cycle of the permutation; idx is consumed.
func permute(acts []Action, idx []int) {
	for k := range idx {
		if idx[k] < 0 || idx[k] == k {
			continue
		}
		tmp := acts[k]
		j := k
		for {
			next := idx[j]
			idx[j] = -1
			if next == k {
				acts[j] = tmp
				break
			}
			acts[j] = acts[next]
			j = next
		}
	}
}
