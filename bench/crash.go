package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// buildCLI builds cmd/idpsync into the scratch directory once.
func (h *harness) buildCLI(ctx context.Context) (string, error) {
	if h.cliBin != "" {
		return h.cliBin, nil
	}
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the idpsync module: run the harness from the repository")
	}
	bin := filepath.Join(h.root, "idpsync")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/idpsync")
	cmd.Dir = filepath.Dir(mod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/idpsync: %w\n%s", err, out)
	}
	h.cliBin = bin
	return bin, nil
}

// cliEnv is the environment of a CLI run against s: the caller's, without
// any Cloudflare credentials it may hold, plus the emulator's.
func (s *site) cliEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "CLOUDFLARE_") || strings.HasPrefix(kv, "IDPSYNC_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"CLOUDFLARE_BASE_URL="+s.srv.URL,
		"CLOUDFLARE_API_TOKEN="+s.token,
		secretEnv+"="+s.secret,
		"NO_COLOR=1",
	)
}

func (h *harness) cliCommand(ctx context.Context, s *site, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, h.cliBin, args...)
	cmd.Dir, cmd.Env = s.dir, s.cliEnv()
	return cmd
}

func (h *harness) applyArgs() []string {
	return []string{"apply", "--auto-approve", "--rate-limit", "1000000/5m",
		"--concurrency", itoa(h.concurrency), "--parallelism", itoa(h.concurrency), "idp.yaml"}
}

// runCLI runs the CLI to completion and returns its exit code and output.
func (h *harness) runCLI(ctx context.Context, s *site, args ...string) (int, string, error) {
	cmd := h.cliCommand(ctx, s, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode(), out.String(), nil
	case err != nil:
		return -1, out.String(), err
	}
	return 0, out.String(), nil
}

// writes counts the non-GET requests the emulator served.
func (s *site) writes() int {
	n := 0
	for route, c := range s.srv.Emulator.Stats().Routes {
		if !strings.HasPrefix(route, "GET ") {
			n += c
		}
	}
	return n
}

// crashes is scenario 6: the built CLI's apply killed with SIGKILL at a
// random moment, then a fresh apply, again and again.
func (h *harness) crashLoop(ctx context.Context) ([]Row, error) {
	if _, err := h.buildCLI(ctx); err != nil {
		return nil, err
	}
	w := workload{Accounts: h.crashSize}
	label := sizeLabel(w.Accounts)

	// One uninterrupted apply says how long an apply runs, so that the kills
	// spread over all of it, and what the CLI's verifying re-read costs.
	s, err := newSite(h.root, w, h.cert, siteOptions{Latency: h.latency})
	if err != nil {
		return nil, err
	}
	start := time.Now()
	code, out, err := h.runCLI(ctx, s, h.applyArgs()...)
	full := time.Since(start)
	total := s.srv.Emulator.Stats().Total
	s.Close()
	if err != nil || code != 0 {
		return nil, fmt.Errorf("uninterrupted CLI apply: exit %d, %v\n%s", code, err, out)
	}
	// The CLI verifies from what the writes returned: no second read.
	minReq := w.MinPlanRequests(false) + w.MinApplyActions()
	cli := Row{Scenario: "6 crashes", Size: label, Metric: "CLI apply requests (verified)", Values: []float64{float64(total)},
		Bound: float64(minReq), MaxRatio: 1.10}
	cliWall := Row{Scenario: "6 crashes", Size: label, Metric: "CLI apply wall time (verified)", Unit: unitSeconds, Values: []float64{secs(full)},
		Bound: latencyBound(minReq, readDepth(false)+apiChain, h.concurrency, h.latency)}
	h.logf("  6 crashes    %4d accounts  uninterrupted CLI apply: %d requests, %s", w.Accounts, total, full.Round(time.Millisecond))

	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	dups := Row{Scenario: "6 crashes", Size: label, Metric: "duplicates", Kind: boundGoal}
	conv := Row{Scenario: "6 crashes", Size: label, Metric: "runs converged", Kind: boundGoal, Bound: float64(h.crashes)}
	killed := Row{Scenario: "6 crashes", Size: label, Metric: "writes before the kill", Kind: boundNone}
	converged := 0
	for i := range h.crashes {
		s, err := newSite(h.root, w, h.cert, siteOptions{Latency: h.latency})
		if err != nil {
			return nil, err
		}
		err = func() error {
			defer s.Close()
			after := time.Duration(rng.Int64N(int64(full)))
			cmd := h.cliCommand(ctx, s, h.applyArgs()...)
			if err := cmd.Start(); err != nil {
				return err
			}
			time.Sleep(after)
			cmd.Process.Kill() // SIGKILL: no chance to clean up
			cmd.Wait()
			wrote := s.writes()
			killed.Values = append(killed.Values, float64(wrote))

			code, out, err := h.runCLI(ctx, s, h.applyArgs()...)
			if err != nil {
				return err
			}
			planCode, planOut, err := h.runCLI(ctx, s, "plan", "--detailed-exitcode", "idp.yaml")
			if err != nil {
				return err
			}
			d := s.srv.Emulator.Snapshot().Duplicates()
			dups.Values = append(dups.Values, float64(len(d)))
			ok := code == 0 && planCode == 0
			if ok {
				converged++
			}
			h.logf("  6 crashes    %4d accounts  run %d/%d: killed after %s (%d writes); fresh apply exit %d, plan exit %d, %d duplicates",
				w.Accounts, i+1, h.crashes, after.Round(time.Millisecond), wrote, code, planCode, len(d))
			if !ok {
				h.logf("    apply output:\n%s\n    plan output:\n%s", indent(out), indent(planOut))
			}
			if len(d) > 0 {
				h.logf("    duplicates: %v", d)
			}
			return nil
		}()
		if err != nil {
			return nil, err
		}
	}
	conv.Values = []float64{float64(converged)}
	conv.Runs = h.crashes
	return []Row{cli, cliWall, dups, conv, killed}, nil
}

func indent(s string) string {
	return "      " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n      ")
}
