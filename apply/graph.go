package apply

import (
	"errors"
	"fmt"

	"github.com/idpsync/idpsync/internal/dag"
	"github.com/idpsync/idpsync/plan"
)

// graph is the dependency graph of a plan's actions, by index.
type graph struct {
	deps       [][]int
	dependents [][]int
	// prio is the number of API calls on the longest chain that starts at the
	// action. Starting the longest chains first keeps the run close to its
	// critical path when more actions are ready than may run.
	prio []int
}

func newGraph(acts []plan.Action) (*graph, error) {
	n := len(acts)
	index := make(map[string]int, n)
	for i, a := range acts {
		if a.Address == "" {
			return nil, fmt.Errorf("action %d has no address", i)
		}
		if j, dup := index[a.Address]; dup {
			return nil, fmt.Errorf("%s: address appears in actions %d and %d; a plan has one action per address", a.Address, j, i)
		}
		index[a.Address] = i
	}
	g := &graph{deps: make([][]int, n), dependents: make([][]int, n), prio: make([]int, n)}
	for i, a := range acts {
		seen := map[int]bool{}
		for _, d := range a.DependsOn {
			j, ok := index[d]
			if !ok {
				return nil, fmt.Errorf("%s: depends on %s, which the plan does not have", a.Address, d)
			}
			if j == i {
				return nil, fmt.Errorf("%s: depends on itself", a.Address)
			}
			if seen[j] {
				continue
			}
			seen[j] = true
			g.deps[i] = append(g.deps[i], j)
			g.dependents[j] = append(g.dependents[j], i)
		}
	}
	order, err := g.topo(acts)
	if err != nil {
		return nil, err
	}
	for k := len(order) - 1; k >= 0; k-- {
		i := order[k]
		longest := 0
		for _, d := range g.dependents[i] {
			longest = max(longest, g.prio[d])
		}
		g.prio[i] = calls(acts[i]) + longest
	}
	return g, nil
}

// topo orders the actions so that each follows its dependencies, or names
// an action on a cycle.
func (g *graph) topo(acts []plan.Action) ([]int, error) {
	order, err := dag.Order(g.deps, func(a, b int) bool { return a < b })
	if cyc := (*dag.CycleError)(nil); errors.As(err, &cyc) {
		return nil, fmt.Errorf("%s: dependency cycle", acts[cyc.Left[0]].Address)
	}
	return order, nil
}

// calls is the number of API requests an action makes, its cost on a chain.
func calls(a plan.Action) int {
	switch a.Action {
	case plan.NoOp:
		return 0
	case plan.Replace:
		return 2
	}
	return 1
}

// newReadyQueue pops the ready action with the longest chain ahead of it;
// ties go to plan order.
func newReadyQueue(prio []int) *dag.Queue {
	return dag.NewQueue(func(a, b int) bool {
		if prio[a] != prio[b] {
			return prio[a] > prio[b]
		}
		return a < b
	})
}
