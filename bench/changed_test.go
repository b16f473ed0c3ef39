package main

import (
	"context"
	"testing"
)

// TestChangedSinceScenario runs scenario 9 in a small estate: the one
// edited account is all the plan reads (its IdP and grant listings), and
// the wall-time row is there. Nothing asserts on time.
func TestChangedSinceScenario(t *testing.T) {
	t.Parallel()
	h := tinyHarness(t)
	rows, err := h.changedSinceOf(context.Background(), 12, false)
	if err != nil {
		t.Fatal(err)
	}
	m := rowsByMetric(rows)
	reqs, ok := m["9 changed-since plan/requests"]
	if !ok || len(reqs.Values) != h.runs {
		t.Fatalf("no requests row: %+v", rows)
	}
	for _, v := range reqs.Values {
		if v != 2 {
			t.Errorf("the plan sent %v requests, want 2 (the edited account's IdP and grant listings)", v)
		}
	}
	if !reqs.RatioMet() {
		t.Errorf("requests goal missed: %v", reqs.Values)
	}
	if w, ok := m["9 changed-since plan/wall time (CLI, git, both loads)"]; !ok || len(w.Values) != h.runs {
		t.Errorf("no wall-time row: %+v", rows)
	}
}

// TestChangedSinceScenarioFederated: with federation, the edited account's
// recipients are planned too, so the plan reads more than the account alone.
func TestChangedSinceScenarioFederated(t *testing.T) {
	t.Parallel()
	h := tinyHarness(t)
	rows, err := h.changedSinceOf(context.Background(), 12, true)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := rowsByMetric(rows)["9 changed-since plan/requests"]
	if !ok || len(r.Values) != h.runs || r.Values[0] <= 2 || r.Kind != boundNone {
		t.Fatalf("federated requests row: %+v", rows)
	}
}
