package plan

import (
	"cmp"
	"container/heap"
	"fmt"
	"slices"
)

// order sorts the actions topologically: every action after all of its
// dependencies, ties broken by address and then by action kind, so that the
// same inputs always give the same order whatever order they came in.
func order(nodes []*node) ([]Action, error) {
	indeg := make([]int, len(nodes))
	children := make([][]int, len(nodes))
	for i, n := range nodes {
		for _, dep := range n.deps {
			j := dep.i
			children[j] = append(children[j], i)
			indeg[i]++
		}
	}
	// Ranking once by (address, kind) lets the heap compare integers.
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
	h := &ready{rank: rank}
	for i := range nodes {
		if indeg[i] == 0 {
			h.items = append(h.items, i)
		}
	}
	heap.Init(h)
	out := make([]Action, 0, len(nodes))
	for h.Len() > 0 {
		i := heap.Pop(h).(int)
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
		for _, c := range children[i] {
			if indeg[c]--; indeg[c] == 0 {
				heap.Push(h, c)
			}
		}
	}
	if len(out) != len(nodes) {
		return nil, fmt.Errorf("plan has a dependency cycle among %d actions", len(nodes)-len(out))
	}
	return out, nil
}

// ready is a min-heap of node indexes by rank.
type ready struct {
	rank  []int
	items []int
}

func (r *ready) Len() int { return len(r.items) }

func (r *ready) Less(i, j int) bool { return r.rank[r.items[i]] < r.rank[r.items[j]] }

func (r *ready) Swap(i, j int) { r.items[i], r.items[j] = r.items[j], r.items[i] }

func (r *ready) Push(x any) { r.items = append(r.items, x.(int)) }

func (r *ready) Pop() any {
	n := len(r.items)
	x := r.items[n-1]
	r.items = r.items[:n-1]
	return x
}
