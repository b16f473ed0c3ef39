package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
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
	rateRatio   float64 // scenario 3 apply size, in budgets
	faults      float64
	faultSize   int
	crashes     int
	crashSize   int
	localSizes  []int // IdPs, scenario 4
	loadSize    int   // IdPs, scenario 4 state.Load
	cliBin      string
	log         io.Writer
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

// planReads is scenario 1: a plan against an already-applied state.
func (h *harness) planReads(ctx context.Context) ([]Row, error) {
	var rows []Row
	for _, n := range h.sizes {
		w := workload{Accounts: n}
		s, err := newSite(h.root, w, h.cert, siteOptions{})
		if err != nil {
			return rows, err
		}
		err = func() error {
			defer s.Close()
			c, err := s.client(unlimited, h.concurrency)
			if err != nil {
				return err
			}
			if _, res, err := s.apply(ctx, c, h.concurrency); err != nil {
				return fmt.Errorf("%d accounts: set-up apply: %w", n, err)
			} else if err := resultError(res); err != nil {
				return fmt.Errorf("%d accounts: set-up apply: %w", n, err)
			}
			e := s.srv.Emulator
			e.SetLatency(h.latency)
			reqs := Row{Scenario: "1 plan", Size: sizeLabel(n), Metric: "requests", Bound: float64(w.MinPlanRequests(true))}
			wall := Row{Scenario: "1 plan", Size: sizeLabel(n), Metric: "wall time", Unit: unitSeconds,
				Bound: latencyBound(w.MinPlanRequests(true), readDepth(true), h.concurrency, h.latency)}
			for run := range h.runs {
				c, err := s.client(unlimited, h.concurrency)
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
				wall.Values = append(wall.Values, secs(elapsed))
				h.logf("  1 plan       %4d accounts  run %d/%d: %d requests, %s", n, run+1, h.runs, st.Total, elapsed.Round(time.Millisecond))
			}
			rows = append(rows, reqs, wall)
			return nil
		}()
		if err != nil {
			return rows, err
		}
	}
	return rows, nil
}

// applyScratch is scenario 2: apply from scratch.
func (h *harness) applyScratch(ctx context.Context) ([]Row, error) {
	var rows []Row
	for _, n := range h.sizes {
		w := workload{Accounts: n}
		minReq := w.MinPlanRequests(false) + w.MinApplyActions()
		reqs := Row{Scenario: "2 apply", Size: sizeLabel(n), Metric: "requests", Bound: float64(minReq)}
		wall := Row{Scenario: "2 apply", Size: sizeLabel(n), Metric: "wall time", Unit: unitSeconds,
			Bound: latencyBound(minReq, readDepth(false)+apiChain, h.concurrency, h.latency)}
		for run := range h.runs {
			total, elapsed, err := h.applyOnce(ctx, w)
			if err != nil {
				return rows, fmt.Errorf("%d accounts: %w", n, err)
			}
			reqs.Values = append(reqs.Values, float64(total))
			wall.Values = append(wall.Values, secs(elapsed))
			h.logf("  2 apply      %4d accounts  run %d/%d: %d requests, %s", n, run+1, h.runs, total, elapsed.Round(time.Millisecond))
		}
		rows = append(rows, reqs, wall)
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

// rateAccounts is the size of the scenario 3 apply: about rateRatio budgets.
func (h *harness) rateAccounts() int {
	perAccount := listingsPerAccount + actionsPerAccount
	return max(2, int(math.Round(h.rateRatio*float64(h.rate.Requests)/float64(perAccount))))
}

// ratePacing is scenario 3: an apply several times the rate budget, with the
// client told the same budget as the server enforces.
func (h *harness) ratePacing(ctx context.Context) ([]Row, error) {
	n := h.rateAccounts()
	w := workload{Accounts: n}
	minReq := w.MinPlanRequests(false) + w.MinApplyActions()
	budget := h.rate.Requests
	windows := int(math.Ceil(float64(minReq)/float64(budget))) - 1
	label := fmt.Sprintf("%s, %d req/%s", sizeLabel(n), budget, h.rate.Window)
	tooMany := Row{Scenario: "3 rate limit", Size: label, Metric: "429 responses", Kind: boundGoal}
	reqs := Row{Scenario: "3 rate limit", Size: label, Metric: "requests", Bound: float64(minReq)}
	wall := Row{Scenario: "3 rate limit", Size: label, Metric: "wall time", Unit: unitSeconds,
		Bound: max(secs(time.Duration(windows)*h.rate.Window), latencyBound(minReq, readDepth(false)+apiChain, h.concurrency, h.latency))}
	for run := range h.runs {
		s, err := newSite(h.root, w, h.cert, siteOptions{Latency: h.latency, RateLimit: h.rate})
		if err != nil {
			return nil, err
		}
		err = func() error {
			defer s.Close()
			c, err := s.client(cloudflare.RateLimit{Requests: h.rate.Requests, Window: h.rate.Window}, h.concurrency)
			if err != nil {
				return err
			}
			start := time.Now()
			_, res, err := s.apply(ctx, c, h.concurrency)
			elapsed := time.Since(start)
			if err != nil {
				return err
			}
			if err := resultError(res); err != nil {
				return err
			}
			st := s.srv.Emulator.Stats()
			tooMany.Values = append(tooMany.Values, float64(st.Statuses["429"]))
			reqs.Values = append(reqs.Values, float64(st.Total))
			wall.Values = append(wall.Values, secs(elapsed))
			h.logf("  3 rate limit %4d accounts  run %d/%d: %d requests, %d × 429, %s", n, run+1, h.runs, st.Total, st.Statuses["429"], elapsed.Round(time.Millisecond))
			s.srv.Emulator.SetRateLimit(emulator.RateLimit{})
			return s.check(ctx)
		}()
		if err != nil {
			return nil, fmt.Errorf("%d accounts: %w", n, err)
		}
	}
	return []Row{tooMany, reqs, wall}, nil
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
				c, err := s.client(unlimited, h.concurrency)
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
