package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/emulator"
)

// harness holds the settings every scenario shares.
type harness struct {
	root        string // scratch directory for desired-state files and the CLI
	cert        []byte // the external IdPs' signing certificate
	latency     time.Duration
	concurrency int // client requests in flight and apply parallelism
	runs        int
	sizes       []int // accounts, scenarios 1 and 2
	rate        emulator.RateLimit
	rateRatio   float64 // scenario 3 plan size, in budgets
	rateShare   int     // scenario 3: the other client's requests per window
	rateRuns    int
	// wideSize and wideConcurrency: scenario 1's plan with many requests in flight.
	wideSize, wideConcurrency int
	emuSizes                  []int // scenario 7: accounts the emulator holds
	emuPlanned                int   // scenario 7: accounts of the plan measured; 0: emuMeasured
	goalSizes                 []int // scenario 8: accounts held to issue 26's goals
	estate, estateRuns        int   // scenario 8: the full plan under the budget
	faults                    float64
	faultSize                 int
	crashes                   int
	crashSize                 int
	localSizes                []int // IdPs, scenario 4
	loadSize                  int   // IdPs, scenario 4 state.Load
	cliBin                    string
	log                       io.Writer
	// faultSleep, when set, is how scenario 5's clients wait before a
	// retry instead of a real timer. None of its figures is a time: the
	// tests shorten the waits, go run ./bench keeps them whole.
	faultSleep func(ctx context.Context, d time.Duration) error
}

func (h *harness) logf(format string, args ...any) {
	if h.log != nil {
		fmt.Fprintf(h.log, format+"\n", args...)
	}
}

func sizeLabel(accounts int) string {
	return fmt.Sprintf("%d acct × %d IdPs", accounts, idpsPerAccount)
}

func secs(d time.Duration) float64 { return d.Seconds() }

// latencyBound is the least wall time of requests requests of which depth
// must run one after the other, with at most conc in flight.
func latencyBound(requests, depth, conc int, latency time.Duration) float64 {
	waves := int(math.Ceil(float64(requests) / float64(conc)))
	return secs(time.Duration(max(waves, depth)) * latency)
}

// terraformPerAccount is what the same work costs through Terraform with the
// Cloudflare provider, per account of the workload, as issue 14 measured it:
// 4 requests for a no-change plan, 4 for an apply from scratch.
const terraformPerAccount = 4

// planReads is scenario 1: a plan against an already-applied state, with the
// client's default budget (1200/5m), which a plan of up to 200 accounts fits
// in; and, at h.wideSize accounts, the same plan with h.wideConcurrency
// requests in flight.
func (h *harness) planReads(ctx context.Context) ([]Row, error) {
	var rows []Row
	for _, n := range h.sizes {
		w := workload{Accounts: n}
		s, err := h.appliedSite(ctx, w)
		if err != nil {
			return rows, err
		}
		err = func() error {
			defer s.Close()
			e := s.srv.Emulator
			e.SetLatency(h.latency)
			minReq := w.MinPlanRequests(true)
			budget := cloudflare.DefaultRateLimit
			concs := []int{h.concurrency}
			if n == h.wideSize && h.wideConcurrency != h.concurrency {
				concs = append(concs, h.wideConcurrency)
			}
			for _, conc := range concs {
				label := sizeLabel(n)
				if conc != h.concurrency {
					label = fmt.Sprintf("%s, --concurrency %d", sizeLabel(n), conc)
				}
				reqs := Row{Scenario: "1 plan", Size: label, Metric: "requests", Bound: float64(minReq)}
				perAcct := Row{Scenario: "1 plan", Size: label, Metric: "requests per account", Kind: boundReference, Bound: terraformPerAccount, BoundNote: "Terraform"}
				wall := Row{Scenario: "1 plan", Size: label, Metric: fmt.Sprintf("wall time, budget %s", budget), Unit: unitSeconds,
					Bound: latencyBound(minReq, readDepth(true), conc, h.latency)}
				if minReq <= budget.Requests {
					wall.MaxRatio = 1.2
					if conc != h.concurrency {
						wall.MaxRatio = 1.3
					}
				}
				for run := range h.runs {
					c, err := s.client(budget, conc)
					if err != nil {
						return err
					}
					e.ResetStats()
					start := time.Now()
					p, err := s.plan(ctx, c)
					elapsed := time.Since(start)
					if err != nil {
						return fmt.Errorf("%d accounts: plan: %w", n, err)
					}
					if p.HasChanges() {
						return fmt.Errorf("%d accounts: the plan against the applied state has changes (%+v)", n, p.Summary())
					}
					st := e.Stats()
					reqs.Values = append(reqs.Values, float64(st.Total))
					perAcct.Values = append(perAcct.Values, float64(st.Total)/float64(n))
					wall.Values = append(wall.Values, secs(elapsed))
					h.logf("  1 plan       %4d accounts  %2d in flight  run %d/%d: %d requests, %s", n, conc, run+1, h.runs, st.Total, elapsed.Round(time.Millisecond))
				}
				rows = append(rows, reqs, perAcct, wall)
			}
			return nil
		}()
		if err != nil {
			return rows, err
		}
	}
	return rows, nil
}

// applyScratch is scenario 2: apply from scratch, verified as the CLI does.
func (h *harness) applyScratch(ctx context.Context) ([]Row, error) {
	var rows []Row
	for _, n := range h.sizes {
		w := workload{Accounts: n}
		minReq := w.MinPlanRequests(false) + w.MinApplyActions()
		reqs := Row{Scenario: "2 apply", Size: sizeLabel(n), Metric: "requests (plan, apply, verify)", Bound: float64(minReq), MaxRatio: 1.10}
		perAcct := Row{Scenario: "2 apply", Size: sizeLabel(n), Metric: "requests per account", Kind: boundReference, Bound: terraformPerAccount, BoundNote: "Terraform"}
		wall := Row{Scenario: "2 apply", Size: sizeLabel(n), Metric: "wall time", Unit: unitSeconds,
			Bound: latencyBound(minReq, readDepth(false)+apiChain, h.concurrency, h.latency)}
		for run := range h.runs {
			total, elapsed, err := h.applyOnce(ctx, w)
			if err != nil {
				return rows, fmt.Errorf("%d accounts: %w", n, err)
			}
			reqs.Values = append(reqs.Values, float64(total))
			perAcct.Values = append(perAcct.Values, float64(total)/float64(n))
			wall.Values = append(wall.Values, secs(elapsed))
			h.logf("  2 apply      %4d accounts  run %d/%d: %d requests, %s", n, run+1, h.runs, total, elapsed.Round(time.Millisecond))
		}
		rows = append(rows, reqs, perAcct, wall)
	}
	return rows, nil
}

func (h *harness) applyOnce(ctx context.Context, w workload) (int, time.Duration, error) {
	s, err := newSite(h.root, w, h.cert, siteOptions{Latency: h.latency})
	if err != nil {
		return 0, 0, err
	}
	defer s.Close()
	c, err := s.client(unlimited, h.concurrency)
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	_, res, err := s.apply(ctx, c, h.concurrency)
	elapsed := time.Since(start)
	if err != nil {
		return 0, 0, err
	}
	if err := resultError(res); err != nil {
		return 0, 0, err
	}
	total := s.srv.Emulator.Stats().Total
	if err := s.check(ctx); err != nil {
		return 0, 0, err
	}
	return total, elapsed, nil
}

// check fails when the site holds duplicates or has not converged.
func (s *site) check(ctx context.Context) error {
	if d := s.srv.Emulator.Snapshot().Duplicates(); len(d) > 0 {
		return fmt.Errorf("duplicates: %v", d)
	}
	ok, err := s.converged(ctx)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if !ok {
		return fmt.Errorf("verify: the plan after apply is not empty")
	}
	return nil
}

// rateAccounts is the size of the scenario 3 plan: about rateRatio budgets.
func (h *harness) rateAccounts() int {
	perAccount := listingsPerAccount + sharesPerAccount
	return max(2, int(math.Round(h.rateRatio*float64(h.rate.Requests)/float64(perAccount))))
}

// ratePacing is scenario 3: a no-change plan several times the rate budget,
// the client told the same budget as the server enforces; once alone, and
// once while another client spends part of the same budget.
func (h *harness) ratePacing(ctx context.Context) ([]Row, error) {
	n := h.rateAccounts()
	w := workload{Accounts: n}
	s, err := h.appliedSite(ctx, w)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	e := s.srv.Emulator
	e.SetLatency(h.latency)
	minReq := w.MinPlanRequests(true)
	budget := h.rate.Requests
	var rows []Row
	for _, shared := range []bool{false, true} {
		label := fmt.Sprintf("%s, %d req/%s", sizeLabel(n), budget, h.rate.Window)
		if shared {
			label += fmt.Sprintf(", another client at %d/%s", h.rateShare, h.rate.Window)
		}
		tooMany := Row{Scenario: "3 rate limit", Size: label, Metric: "429 responses (both clients)", Kind: boundGoal}
		reqs := Row{Scenario: "3 rate limit", Size: label, Metric: "plan requests", Bound: float64(minReq)}
		wall := Row{Scenario: "3 rate limit", Size: label, Metric: "plan wall time", Unit: unitSeconds, MaxRatio: 1.1}
		other := Row{Scenario: "3 rate limit", Size: label, Metric: "other client's requests meanwhile", Kind: boundNone}
		for run := range h.rateRuns {
			// A fresh server window for every run, as after a quiet spell.
			e.SetRateLimit(h.rate)
			e.ResetStats()
			c, err := s.client(cloudflare.RateLimit{Requests: budget, Window: h.rate.Window}, h.concurrency)
			if err != nil {
				return nil, err
			}
			var otherN atomic.Int64
			stop := make(chan struct{})
			var wg sync.WaitGroup
			if shared {
				oc, err := s.client(cloudflare.RateLimit{Requests: h.rateShare, Window: h.rate.Window}, 1)
				if err != nil {
					return nil, err
				}
				wg.Go(func() { h.otherClient(ctx, oc, &otherN, stop) })
			}
			start := time.Now()
			p, err := s.plan(ctx, c)
			elapsed := time.Since(start)
			close(stop)
			wg.Wait()
			if err != nil {
				return nil, fmt.Errorf("%d accounts: plan: %w", n, err)
			}
			if p.HasChanges() {
				return nil, fmt.Errorf("%d accounts: the plan against the applied state has changes", n)
			}
			st := e.Stats()
			ours := int(c.Stats().Requests)
			theirs := int(otherN.Load())
			// The budget bound of both clients' requests together: the
			// best client could send no faster, whoever sent them.
			windows := int(math.Ceil(float64(ours+theirs)/float64(budget))) - 1
			wall.Bound = max(wall.Bound, secs(time.Duration(windows)*h.rate.Window))
			tooMany.Values = append(tooMany.Values, float64(st.Statuses["429"]))
			reqs.Values = append(reqs.Values, float64(ours))
			wall.Values = append(wall.Values, secs(elapsed))
			other.Values = append(other.Values, float64(theirs))
			h.logf("  3 rate limit %4d accounts  shared %v run %d/%d: %d requests (+%d others), %d × 429, %s", n, shared, run+1, h.rateRuns, ours, theirs, st.Statuses["429"], elapsed.Round(time.Millisecond))
		}
		rows = append(rows, tooMany, reqs, wall)
		if shared {
			rows = append(rows, other)
		}
	}
	e.SetRateLimit(emulator.RateLimit{})
	return rows, s.check(ctx)
}

// otherClient stands for another user of the same budget (the dashboard,
// another token): it reads at an even pace of h.rateShare requests per
// window, obeying the server's Ratelimit header like any idpsync client.
func (h *harness) otherClient(ctx context.Context, c *cloudflare.Client, n *atomic.Int64, stop <-chan struct{}) {
	gap := h.rate.Window / time.Duration(h.rateShare)
	t := time.NewTicker(gap)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rctx, cancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-stop:
			case <-rctx.Done():
			}
			cancel()
		}()
		if _, err := c.ListGrants(rctx, accountID(0)); err == nil {
			n.Add(1)
		}
		cancel()
	}
}

// faultTolerance is scenario 5: applies against an API that fails a share of
// requests, half of the failed writes after committing them.
func (h *harness) faultTolerance(ctx context.Context) ([]Row, error) {
	const maxApplies = 5
	w := workload{Accounts: h.faultSize}
	label := fmt.Sprintf("%s, %.0f%% faults", sizeLabel(w.Accounts), h.faults*100)
	applies := Row{Scenario: "5 faults", Size: label, Metric: "applies to converge", Kind: boundGoal, Bound: 1}
	dups := Row{Scenario: "5 faults", Size: label, Metric: "duplicates", Kind: boundGoal}
	empty := Row{Scenario: "5 faults", Size: label, Metric: "post-apply plan empty", Kind: boundGoal, Bound: 1}
	injected := Row{Scenario: "5 faults", Size: label, Metric: "failed responses", Kind: boundNone}
	retries := Row{Scenario: "5 faults", Size: label, Metric: "client retries", Kind: boundNone}
	readBacks := Row{Scenario: "5 faults", Size: label, Metric: "client read-backs", Kind: boundNone}
	for run := range h.runs {
		s, err := newSite(h.root, w, h.cert, siteOptions{Latency: h.latency, Faults: h.faults, Seed: int64(run + 1)})
		if err != nil {
			return nil, err
		}
		err = func() error {
			defer s.Close()
			e := s.srv.Emulator
			var (
				n, failed         int
				retried, readBack int64
				ok                bool
				lastErr           error
			)
			for n < maxApplies && !ok {
				n++
				e.SetFaults(h.faults)
				e.SetLatency(h.latency)
				e.ResetStats()
				c, err := s.clientWith(cloudflare.Options{RateLimit: unlimited, Concurrency: h.concurrency, Sleep: h.faultSleep})
				if err != nil {
					return err
				}
				_, res, err := s.apply(ctx, c, h.concurrency)
				if err == nil {
					err = resultError(res)
				}
				lastErr = err
				st := e.Stats()
				failed += st.Total - st.Statuses["200"] - st.Statuses["201"] - st.Statuses["202"] - st.Statuses["204"]
				cs := c.Stats()
				retried += cs.Retries
				readBack += cs.ReadBacks
				if ok, err = s.converged(ctx); err != nil {
					return err
				}
			}
			applies.Values = append(applies.Values, float64(n))
			dups.Values = append(dups.Values, float64(len(e.Snapshot().Duplicates())))
			empty.Values = append(empty.Values, b2f(ok))
			injected.Values = append(injected.Values, float64(failed))
			retries.Values = append(retries.Values, float64(retried))
			readBacks.Values = append(readBacks.Values, float64(readBack))
			h.logf("  5 faults     %4d accounts  run %d/%d: %d applies, converged %v, %d duplicates, %d failed responses (last apply error: %v)",
				w.Accounts, run+1, h.runs, n, ok, len(e.Snapshot().Duplicates()), failed, lastErr)
			return nil
		}()
		if err != nil {
			return nil, err
		}
	}
	return []Row{applies, dups, empty, injected, retries, readBacks}, nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func itoa(n int) string { return strconv.Itoa(n) }
