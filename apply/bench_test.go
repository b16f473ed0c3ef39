package apply

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/idpsync/idpsync/plan"
)

// benchPlan is 50 accounts × 4 new IdPs: two SAML with encryption, and two
// (one of them SAML) federated to the next three accounts.
func benchPlan() *plan.Plan {
	const accounts = 50
	acct := func(i int) string { return fmt.Sprintf("acct%02d", i%accounts) }
	var groups [][]plan.Action
	for i := range accounts {
		recipients := []string{acct(i + 1), acct(i + 2), acct(i + 3)}
		for j := range 4 {
			name := fmt.Sprintf("idp%d", j)
			var acts []plan.Action
			if j < 2 {
				acts = samlChain(acct(i), name)
			} else {
				idp := act(plan.Create, plan.ResourceIdP, acct(i), name, "")
				idp.Request = oidcRequest(name)
				acts = []plan.Action{idp}
			}
			if j == 0 || j == 2 {
				grant := act(plan.Create, plan.ResourceGrant, acct(i), name, ".grant", acts[0].Address)
				share := act(plan.Create, plan.ResourceShare, acct(i), name, ".share", grant.Address)
				share.Share = &plan.ShareRequest{Name: "Identity provider: " + name, Accounts: recipients}
				acts = append(acts, grant, share)
			}
			groups = append(groups, acts)
		}
	}
	return newPlan(groups...)
}

// BenchmarkExecute measures a whole apply against a client whose every call
// takes 1 ms, and compares the wall time with the lower bound: the longest
// dependency chain, or all calls spread over the parallelism, whichever is
// longer. ratio is wall time over that bound; 1 is perfect. ratio-measured
// uses the mean latency the sleeps really took (call-ms) instead of 1 ms.
func BenchmarkExecute(b *testing.B) {
	const (
		latency     = time.Millisecond
		parallelism = 8
	)
	p := benchPlan()
	g, err := newGraph(p.Actions)
	if err != nil {
		b.Fatal(err)
	}
	chain, total := 0, 0
	for i, a := range p.Actions {
		chain = max(chain, g.prio[i])
		total += calls(a)
	}
	bound := max(time.Duration(chain)*latency, time.Duration((total+parallelism-1)/parallelism)*latency)
	secrets := resolver{"client_secret": "x"}

	var wall, slept time.Duration
	b.ResetTimer()
	for b.Loop() {
		f := &fakeClient{latency: latency}
		start := time.Now()
		res, err := Execute(context.Background(), f, p, Options{Parallelism: parallelism, Secrets: secrets})
		wall += time.Since(start)
		slept += f.slept
		if err != nil || !res.OK() {
			b.Fatalf("err %v, result %+v", err, res.Errors)
		}
		if n := len(f.log()); n != total {
			b.Fatalf("%d calls, want %d", n, total)
		}
	}
	perOp := wall / time.Duration(b.N)
	// The bound again with the latency the sleeps really took: what is left
	// above 1 is the executor's own overhead.
	actual := slept / time.Duration(b.N*total)
	actualBound := max(time.Duration(chain)*actual, time.Duration((total+parallelism-1)/parallelism)*actual)
	b.ReportMetric(float64(len(p.Actions)), "actions")
	b.ReportMetric(float64(total), "calls")
	b.ReportMetric(float64(perOp.Microseconds())/1000, "wall-ms")
	b.ReportMetric(float64(bound.Microseconds())/1000, "bound-ms")
	b.ReportMetric(float64(perOp)/float64(bound), "ratio")
	b.ReportMetric(float64(actual.Microseconds())/1000, "call-ms")
	b.ReportMetric(float64(perOp)/float64(actualBound), "ratio-measured")
}
