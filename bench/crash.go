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
	"sync"
	"time"
)

// buildCLI finds or builds cmd/idpsync once per harness. The go command
// keeps the executables `go run` links in its build cache, keyed by every
// input, so asking `go run` for the CLI links it only when its source (or
// the toolchain) changed since the last time; `go build -o` into the scratch
// directory would link it anew on every run. The binary is the same program
// either way (`go run` leaves out the debug information, which idpsync never
// reads).
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
	bin, err := cachedCLI(ctx, filepath.Dir(mod))
	if err == nil {
		h.cliBin = bin
		return bin, nil
	}
	h.logf("  the go command's cache holds no idpsync (%v): building it", err)
	bin = filepath.Join(h.root, "idpsync")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/idpsync")
	cmd.Dir = filepath.Dir(mod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/idpsync: %w\n%s", err, out)
	}
	h.cliBin = bin
	return bin, nil
}

// showExecutableEnv, when set, makes the harness (or its test binary) print
// its first argument and exit: cachedCLI names the harness as the program
// `go run -exec` starts the CLI with, so instead of running the CLI it learns
// where the go command keeps it.
const showExecutableEnv = "IDPSYNC_BENCH_SHOW_EXECUTABLE"

// showExecutable is the whole program when showExecutableEnv is set: it
// reports whether it ran.
func showExecutable() bool {
	if os.Getenv(showExecutableEnv) == "" {
		return false
	}
	if len(os.Args) > 1 {
		fmt.Println(os.Args[1])
	}
	return true
}

// cli is the CLI in the go command's cache, shared by every harness of the
// process: the cache never changes an entry, so one look-up serves them all.
var cli struct {
	sync.Mutex
	bin string
}

// cachedCLI returns the path of cmd/idpsync, module root dir, in the go
// command's build cache, linking and caching it first if it is not there.
func cachedCLI(ctx context.Context, dir string) (string, error) {
	cli.Lock()
	defer cli.Unlock()
	if cli.bin != "" {
		return cli.bin, nil
	}
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	if strings.ContainsAny(self, " \t\"'\\") {
		return "", fmt.Errorf("%q cannot be passed to go run -exec", self)
	}
	// When the CLI was not cached, go run links it in a directory it removes
	// on exit (and caches it): the second look-up finds the cached copy.
	for range 2 {
		cmd := exec.CommandContext(ctx, "go", "run", "-exec", self, "./cmd/idpsync")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), showExecutableEnv+"=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("go run ./cmd/idpsync: %w\n%s", err, stderr.Bytes())
		}
		bin := strings.TrimSpace(string(out))
		if fi, err := os.Stat(bin); err == nil && fi.Mode().IsRegular() && filepath.IsAbs(bin) {
			cli.bin = bin
			return bin, nil
		}
	}
	return "", errors.New("go run does not keep the executables it links (GOCACHE off?)")
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
		"CLOUDFLARE_EMAIL="+benchEmail,
		"CLOUDFLARE_API_KEY="+s.token+"-key",
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

// crashLoop is scenario 6, and the test that a killed apply leaves nothing a
// fresh one cannot finish: the built CLI's apply killed with SIGKILL at a
// random moment, then a fresh apply, again and again. idpsync keeps no local
// state, so this is the whole recovery story.
func (h *harness) crashLoop(ctx context.Context) ([]Row, error) {
	if _, err := h.buildCLI(ctx); err != nil {
		return nil, err
	}
	w := workload{Accounts: h.crashSize}
	label := sizeLabel(w.Accounts)

	// One uninterrupted apply says how many writes an apply makes, so that
	// the kills spread over all of them, and what the CLI's verifying
	// re-read costs; an uninterrupted prune of it says the same of deletes.
	s, err := newSite(h.root, w, h.cert, siteOptions{Latency: h.latency})
	if err != nil {
		return nil, err
	}
	start := time.Now()
	code, out, err := h.runCLI(ctx, s, h.applyArgs()...)
	full := time.Since(start)
	total := s.srv.Emulator.Stats().Total
	createWrites := s.writes()
	if err != nil || code != 0 {
		s.Close()
		return nil, fmt.Errorf("uninterrupted CLI apply: exit %d, %v\n%s", code, err, out)
	}
	crashArgs := append([]string{"apply", "--allow-destroy"}, h.applyArgs()[1:]...)
	pruneWrites, err := func() (int, error) {
		defer s.Close()
		// Only the prune's count of writes matters, not its wall time.
		s.srv.Emulator.SetLatency(0)
		if _, err := (workload{Accounts: w.Accounts, Pruned: true}).Write(s.dir, h.cert); err != nil {
			return 0, err
		}
		if code, out, err := h.runCLI(ctx, s, crashArgs...); err != nil || code != 0 {
			return 0, fmt.Errorf("uninterrupted CLI prune: exit %d, %v\n%s", code, err, out)
		}
		return s.writes() - createWrites, nil
	}()
	if err != nil {
		return nil, err
	}
	// The CLI verifies from what the writes returned: no second read.
	minReq := w.MinPlanRequests(false) + w.MinApplyActions()
	cli := Row{Scenario: "6 crashes", Size: label, Metric: "CLI apply requests (verified)", Values: []float64{float64(total)},
		Bound: float64(minReq), MaxRatio: 1.10}
	cliWall := Row{Scenario: "6 crashes", Size: label, Metric: "CLI apply wall time (verified)", Unit: unitSeconds, Values: []float64{secs(full)},
		Bound: latencyBound(minReq, readDepth(false)+apiChain, h.concurrency, h.latency)}
	h.logf("  6 crashes    %4d accounts  uninterrupted CLI apply: %d requests, %s", w.Accounts, total, full.Round(time.Millisecond))

	seed := time.Now().UnixNano()
	h.logf("  6 crashes    %4d accounts  seed %d", w.Accounts, seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	dups := Row{Scenario: "6 crashes", Size: label, Metric: "duplicates", Kind: boundGoal}
	conv := Row{Scenario: "6 crashes", Size: label, Metric: "runs converged", Kind: boundGoal, Bound: float64(h.crashes)}
	killed := Row{Scenario: "6 crashes", Size: label, Metric: "writes before the kill", Kind: boundNone}
	// A loop whose kills all came before the first write or after the last
	// proves nothing: count the kills that left a half-done apply.
	undone := Row{Scenario: "6 crashes", Size: label, Metric: "kills between writes", Kind: boundNone}
	// Even runs kill an apply from scratch (creates); odd runs kill one that
	// prunes the applied layout (deletes and unshares).
	converged, interrupted := 0, 0
	for i := range h.crashes {
		s, err := newSite(h.root, w, h.cert, siteOptions{Latency: h.latency})
		if err != nil {
			return nil, err
		}
		err = func() error {
			defer s.Close()
			if i%2 == 1 {
				// The layout the prune starts from, applied in-process
				// (engine.Apply, the operation of the CLI's apply) without
				// latency: the kill and the recovery are the CLI's.
				if err := s.applyNoLatency(ctx, h.concurrency, h.latency); err != nil {
					return fmt.Errorf("apply before the pruning run: %w", err)
				}
				if _, err := (workload{Accounts: w.Accounts, Pruned: true}).Write(s.dir, h.cert); err != nil {
					return err
				}
				if err := s.reload(ctx); err != nil {
					return err
				}
			}
			// The kill comes once the k-th write has been served, k drawn
			// uniformly over the writes an uninterrupted run makes.
			before, writes := s.writes(), createWrites
			if i%2 == 1 {
				writes = pruneWrites
			}
			k := 1 + rng.IntN(max(writes, 1))
			cmd := h.cliCommand(ctx, s, crashArgs...)
			if err := cmd.Start(); err != nil {
				return err
			}
			exited := make(chan struct{})
			go func() { cmd.Wait(); close(exited) }()
			waitWrites(exited, func() bool { return s.writes()-before >= k })
			cmd.Process.Kill() // SIGKILL: no chance to clean up
			<-exited
			wrote := s.writes() - before
			killed.Values = append(killed.Values, float64(wrote))
			// The latency was there to stretch the apply to kill; the
			// recovery's wall time is no figure.
			s.srv.Emulator.SetLatency(0)

			// What the kill left undone, read in-process (engine.Plan,
			// the operation of the CLI's plan).
			c, err := s.client(unlimited, h.concurrency)
			if err != nil {
				return err
			}
			p, err := s.plan(ctx, c)
			if err != nil {
				return fmt.Errorf("plan after the kill: %w", err)
			}
			left := p.HasChanges()
			if left && wrote > 0 {
				interrupted++
			}
			code, out, err := h.runCLI(ctx, s, crashArgs...)
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
			kind := "create"
			if i%2 == 1 {
				kind = "prune"
			}
			h.logf("  6 crashes    %4d accounts  run %d/%d (%s): killed after write %d of %d (%d served); changes left %v, fresh apply exit %d, plan exit %d, %d duplicates",
				w.Accounts, i+1, h.crashes, kind, k, writes, wrote, left, code, planCode, len(d))
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
	undone.Values = []float64{float64(interrupted)}
	undone.Runs = h.crashes
	conv.Values = []float64{float64(converged)}
	conv.Runs = h.crashes
	return []Row{cli, cliWall, dups, conv, killed, undone}, nil
}

func indent(s string) string {
	return "      " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n      ")
}

// waitWrites returns once reached holds or the process has exited. It polls:
// the emulator has no hook per request, and a millisecond is far below the
// latency of one write.
func waitWrites(exited <-chan struct{}, reached func() bool) {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !reached() {
		select {
		case <-exited:
			return
		case <-tick.C:
		}
	}
}
