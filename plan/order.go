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
	index := make(map[*node]int, len(nodes))
	for i, n := range nodes {
		index[n] = i
	}
	indeg := make([]int, len(nodes))
	children := make([][]int, len(nodes))
	for i, n := range nodes {
		for _, dep := range n.deps {
			j := index[dep]
			children[j] = append(children[j], i)
			indeg[i]++
		}
	}
	h := &ready{nodes: nodes}
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

// ready is a min-heap of node indexes by (address, kind, index).
type ready struct {
	nodes []*node
	items []int
}

func (r *ready) Len() int { return len(r.items) }

func (r *ready) Less(i, j int) bool {
	a, b := &r.nodes[r.items[i]].a, &r.nodes[r.items[j]].a
	if c := cmp.Or(cmp.Compare(a.Address, b.Address), cmp.Compare(a.Action, b.Action)); c != 0 {
		return c < 0
	}
	return r.items[i] < r.items[j]
}

func (r *ready) Swap(i, j int) { r.items[i], r.items[j] = r.items[j], r.items[i] }

func (r *ready) Push(x any) { r.items = append(r.items, x.(int)) }

func (r *ready) Pop() any {
	n := len(r.items)
	x := r.items[n-1]
	r.items = r.items[:n-1]
	return x
}
