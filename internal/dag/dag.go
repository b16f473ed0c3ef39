package dag

import (
	"container/heap"
	"fmt"
)

// Queue holds ready nodes and pops the one that less puts first.
type Queue struct {
	h queueHeap
}

// NewQueue returns an empty queue ordered by less: less(a, b) means node a
// pops before node b.
func NewQueue(less func(a, b int) bool) *Queue {
	return &Queue{h: queueHeap{less: less}}
}

// Push adds node i.
func (q *Queue) Push(i int) { heap.Push(&q.h, i) }

// Pop removes and returns the first node; the queue must not be empty.
func (q *Queue) Pop() int { return heap.Pop(&q.h).(int) }

// Len is the number of nodes waiting.
func (q *Queue) Len() int { return len(q.h.items) }

type queueHeap struct {
	less  func(a, b int) bool
	items []int
}

func (h *queueHeap) Len() int           { return len(h.items) }
func (h *queueHeap) Less(i, j int) bool { return h.less(h.items[i], h.items[j]) }
func (h *queueHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *queueHeap) Push(x any)         { h.items = append(h.items, x.(int)) }
func (h *queueHeap) Pop() any {
	last := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return last
}

// CycleError reports nodes that could not be ordered because they lie on, or
// depend on, a dependency cycle.
type CycleError struct {
	// Left are the nodes left unordered, ascending.
	Left []int
}

func (e *CycleError) Error() string {
	return fmt.Sprintf("dependency cycle among %d nodes", len(e.Left))
}

// Order returns the nodes 0..len(deps)-1 so that every node comes after all
// of deps[i], the nodes it depends on. Among the nodes ready at any point,
// less picks which comes first, so equal inputs give equal orders. Repeated
// dependencies count once. On a cycle it returns a *CycleError.
func Order(deps [][]int, less func(a, b int) bool) ([]int, error) {
	n := len(deps)
	waiting := make([]int, n)
	dependents := make([][]int, n)
	for i, ds := range deps {
		seen := make(map[int]bool, len(ds))
		for _, d := range ds {
			if seen[d] {
				continue
			}
			seen[d] = true
			dependents[d] = append(dependents[d], i)
			waiting[i]++
		}
	}
	q := NewQueue(less)
	for i := range n {
		if waiting[i] == 0 {
			q.Push(i)
		}
	}
	order := make([]int, 0, n)
	for q.Len() > 0 {
		i := q.Pop()
		order = append(order, i)
		for _, d := range dependents[i] {
			if waiting[d]--; waiting[d] == 0 {
				q.Push(d)
			}
		}
	}
	if len(order) < n {
		var left []int
		for i := range n {
			if waiting[i] > 0 {
				left = append(left, i)
			}
		}
		return order, &CycleError{Left: left}
	}
	return order, nil
}
