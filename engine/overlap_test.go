package engine_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/state"
)

// duplicates counts what overlapping runs can leave behind: IdPs of one name
// and type in one account, grants of one IdP, active shares of one grant.
func duplicates(live *state.Live) int {
	n := 0
	for _, la := range live.Accounts {
		type key struct{ name, typ string }
		idps := map[key]int{}
		for _, l := range la.IdentityProviders {
			if !l.ReadOnly {
				idps[key{l.Name, l.Type}]++
			}
		}
		grants := map[string]int{}
		for _, g := range la.Grants {
			grants[g.IdPID]++
		}
		shares := map[string]int{}
		for _, s := range la.Shares {
			if s.Status == idptype.ShareActive {
				shares[s.GrantID]++
			}
		}
		for _, m := range []map[key]int{idps} {
			for _, c := range m {
				n += c - 1
			}
		}
		for _, m := range []map[string]int{grants, shares} {
			for _, c := range m {
				n += c - 1
			}
		}
	}
	return n
}

// runApply is one `idpsync apply --auto-approve` (without --allow-destroy),
// through the operation the command runs.
func runApply(ctx context.Context, c *cloudflare.Client, d *state.Desired, key []byte, getenv func(string) (string, bool)) error {
	_, err := engine.Apply(ctx, c, engine.ApplyInput{Desired: d}, engine.ApplyOptions{SecretKey: key, Getenv: getenv, AutoApprove: true, Parallelism: 4}, nil, nil)
	return err
}

// TestOverlappingApplies starts three applies of one file at once, against
// the emulator with latency, for a few rounds. Whatever they leave, a plan
// never reports "no changes" while a duplicate exists, and one further apply
// converges to none, with no --allow-destroy.
func TestOverlappingApplies(t *testing.T) {
	ctx := context.Background()
	key := []byte("overlap-test-key-overlap-test-key")
	rounds := 3
	sawDuplicates := 0
	for round := range rounds {
		srv := startEmulator(t)
		srv.Emulator.SetLatency(3 * time.Millisecond)
		c := newClient(t, srv, cloudflare.RateLimit{Requests: 100000, Window: time.Minute})
		d, getenv := verifyDesired(t, 2)

		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				// A racing run may fail (a grant the API refuses twice): what
				// matters is the state it leaves.
				_ = runApply(ctx, c, d, key, getenv)
			})
		}
		wg.Wait()
		srv.Emulator.SetLatency(0)

		live, err := engine.ReadDeclared(ctx, c, d)
		if err != nil {
			t.Fatal(err)
		}
		dups := duplicates(live)
		sawDuplicates += dups
		p, _, err := engine.Plan(ctx, c, d, engine.PlanOptions{SecretKey: key})
		if err != nil {
			t.Fatalf("round %d: plan after the race: %v", round, err)
		}
		if dups > 0 && !p.HasChanges() {
			t.Fatalf("round %d: %d duplicates, and plan reports no changes", round, dups)
		}
		if dups > 0 && !plan.Drift(p).Drifted {
			t.Fatalf("round %d: %d duplicates, and drift reports none", round, dups)
		}

		if err := runApply(ctx, c, d, key, getenv); err != nil {
			t.Fatalf("round %d: the repairing apply: %v", round, err)
		}
		live, err = engine.ReadDeclared(ctx, c, d)
		if err != nil {
			t.Fatal(err)
		}
		if n := duplicates(live); n != 0 {
			t.Fatalf("round %d: %d duplicates after one further apply", round, n)
		}
		p, _, err = engine.Plan(ctx, c, d, engine.PlanOptions{SecretKey: key})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range p.Actions {
			if a.Action != plan.NoOp && a.Reason == plan.ReasonDuplicate {
				t.Errorf("round %d: still repairing %s", round, a.Address)
			}
		}
	}
	t.Logf("duplicates left by the races over %d rounds: %d", rounds, sawDuplicates)
}
