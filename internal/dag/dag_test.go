package dag_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/idpsync/idpsync/internal/dag"
)

func TestOrder(t *testing.T) {
	byIndex := func(a, b int) bool { return a < b }
	byIndexDesc := func(a, b int) bool { return a > b }
	tests := []struct {
		name     string
		deps     [][]int
		less     func(a, b int) bool
		want     []int
		wantLeft []int
	}{
		{"empty", nil, byIndex, []int{}, nil},
		{"independent, tie-break ascending", [][]int{nil, nil, nil}, byIndex, []int{0, 1, 2}, nil},
		{"independent, tie-break descending", [][]int{nil, nil, nil}, byIndexDesc, []int{2, 1, 0}, nil},
		{"chain against the tie-break", [][]int{{1}, {2}, nil}, byIndex, []int{2, 1, 0}, nil},
		{"diamond", [][]int{nil, {0}, {0}, {1, 2}}, byIndexDesc, []int{0, 2, 1, 3}, nil},
		{"repeated dependency counts once", [][]int{nil, {0, 0}}, byIndex, []int{0, 1}, nil},
		{"cycle and what hangs off it", [][]int{nil, {2}, {1}, {2}}, byIndex, []int{0}, []int{1, 2, 3}},
		{"self loop", [][]int{{0}}, byIndex, []int{}, []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := dag.Order(tt.deps, tt.less)
			if !slices.Equal(got, tt.want) {
				t.Errorf("order = %v, want %v", got, tt.want)
			}
			var cyc *dag.CycleError
			if tt.wantLeft == nil {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if !errors.As(err, &cyc) || !slices.Equal(cyc.Left, tt.wantLeft) {
				t.Fatalf("err = %v, want a cycle leaving %v", err, tt.wantLeft)
			}
		})
	}
}

func TestQueuePopsByLess(t *testing.T) {
	prio := []int{5, 1, 9, 1}
	q := dag.NewQueue(func(a, b int) bool {
		if prio[a] != prio[b] {
			return prio[a] > prio[b]
		}
		return a < b
	})
	for _, i := range []int{3, 0, 1, 2} {
		q.Push(i)
	}
	var got []int
	for q.Len() > 0 {
		got = append(got, q.Pop())
	}
	if want := []int{2, 0, 1, 3}; !slices.Equal(got, want) {
		t.Fatalf("popped %v, want %v", got, want)
	}
}
