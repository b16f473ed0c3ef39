package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/idpsync/idpsync/emulator"
)

func main() {
	if showExecutable() {
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// scenario is one part of the harness.
type scenario struct {
	num  int
	name string
	run  func(*harness, context.Context) ([]Row, error)
}

var scenarios = []scenario{
	{1, "plan", (*harness).planReads},
	{2, "apply", (*harness).applyScratch},
	{3, "rate", (*harness).ratePacing},
	{4, "local", (*harness).localCost},
	{5, "faults", (*harness).faultTolerance},
	{6, "crash", (*harness).crashLoop},
	{7, "emulator", (*harness).emulatorCost},
	{8, "goals", (*harness).readGoals},
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		which      = fs.String("scenarios", "1,2,3,4,5,6,7,8,9", "scenarios to run, by number or name (plan, apply, rate, local, faults, crash, emulator, goals, changed)")
		sizes      = fs.String("sizes", "10,50,200", "accounts (of 4 IdPs each) for scenarios 1 and 2")
		runs       = fs.Int("runs", 3, "runs per figure; each figure is their median, with min and max")
		latency    = fs.Duration("latency", 50*time.Millisecond, "latency the emulator adds to every request")
		conc       = fs.Int("concurrency", 8, "client requests in flight and apply parallelism (the CLI's defaults)")
		rate       = fs.String("rate-limit", "120/30s", "scenario 3: the budget the emulator enforces and the client is told (Cloudflare's 1200/5m scaled down 10×)")
		budgets    = fs.Float64("rate-budgets", 2.5, "scenario 3: the size of the plan, in budgets")
		share      = fs.Int("rate-share", 30, "scenario 3: requests per window the other client spends of the same budget")
		rateRuns   = fs.Int("rate-runs", 1, "scenario 3: runs of each case (each takes a few windows)")
		wideSize   = fs.Int("wide-size", 200, "scenario 1: accounts of the plan run again with -wide-concurrency")
		wideConc   = fs.Int("wide-concurrency", 32, "scenario 1: requests in flight of that plan")
		emuSizes   = fs.String("emulator-sizes", "50,1000,5000", "scenario 7: accounts the emulator holds")
		goalSizes  = fs.String("goal-sizes", "10,50", "scenario 8: accounts of the plans and applies held to issue 26's goals")
		estate     = fs.Int("estate", 1000, "scenario 8: accounts of the full plan under the -rate-limit budget (0: none)")
		estateRuns = fs.Int("estate-runs", 1, "scenario 8: runs of that plan (each takes minutes: it waits out real windows)")
		faults     = fs.Float64("faults", 0.2, "scenario 5: share of requests that fail")
		faultSize  = fs.Int("fault-size", 10, "scenario 5: accounts")
		crashes    = fs.Int("crashes", 10, "scenario 6: applies killed")
		crashSize  = fs.Int("crash-size", 10, "scenario 6: accounts")
		localSizes = fs.String("local-sizes", "50000", "scenario 4: IdPs diffed and rendered")
		loadSize   = fs.Int("load-size", 50000, "scenario 4: IdPs of the file state.Load reads")
		markdown   = fs.Bool("markdown", false, "print the table as Markdown")
		quiet      = fs.Bool("q", false, "no progress on stderr")
		cpuProfile = fs.String("cpuprofile", "", "write a CPU profile of the whole run (client, reader and emulator share the process) to this file")
	)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	chosen, err := pickScenarios(*which)
	if err != nil {
		return fail(err)
	}
	h := &harness{
		latency: *latency, concurrency: *conc, runs: *runs, rateRatio: *budgets, rateShare: *share, rateRuns: *rateRuns, wideSize: *wideSize, wideConcurrency: *wideConc,
		faults: *faults, faultSize: *faultSize, crashes: *crashes, crashSize: *crashSize, loadSize: *loadSize,
	}
	if h.sizes, err = parseInts(*sizes); err != nil {
		return fail(fmt.Errorf("-sizes: %w", err))
	}
	if h.goalSizes, err = parseInts(*goalSizes); err != nil {
		return fail(fmt.Errorf("-goal-sizes: %w", err))
	}
	if h.estate, h.estateRuns = *estate, *estateRuns; h.estate < 0 || h.estateRuns < 1 {
		return fail(errors.New("-estate must not be negative, -estate-runs must be positive"))
	}
	if h.emuSizes, err = parseInts(*emuSizes); err != nil {
		return fail(fmt.Errorf("-emulator-sizes: %w", err))
	}
	if h.localSizes, err = parseInts(*localSizes); err != nil {
		return fail(fmt.Errorf("-local-sizes: %w", err))
	}
	if h.rate, err = emulator.ParseRateLimit(*rate); err != nil || h.rate.Requests == 0 {
		return fail(fmt.Errorf("-rate-limit: %v", err))
	}
	if h.runs < 1 || h.concurrency < 1 || h.crashes < 1 || h.faultSize < 2 || h.crashSize < 2 || h.rateRuns < 1 || h.wideConcurrency < 1 {
		return fail(errors.New("-runs, -rate-runs, -concurrency, -wide-concurrency and -crashes must be positive; -fault-size and -crash-size at least 2"))
	}
	if h.rateShare < 1 || h.rateShare >= h.rate.Requests {
		return fail(errors.New("-rate-share must be positive and below the -rate-limit budget"))
	}
	if !*quiet {
		h.log = stderr
	}
	if h.cert, err = idpCertificate(); err != nil {
		return fail(err)
	}
	if h.root, err = os.MkdirTemp("", "idpsync-bench-"); err != nil {
		return fail(err)
	}
	defer os.RemoveAll(h.root)

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fail(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fail(err)
		}
		defer pprof.StopCPUProfile()
	}

	start := time.Now()
	var rows []Row
	code := 0
	for _, sc := range chosen {
		t := time.Now()
		h.logf("scenario %d (%s)", sc.num, sc.name)
		got, err := sc.run(h, ctx)
		rows = append(rows, got...)
		if err != nil {
			fmt.Fprintf(stderr, "bench: scenario %d (%s): %v\n", sc.num, sc.name, err)
			code = 1
		}
		h.logf("scenario %d (%s) took %s", sc.num, sc.name, time.Since(t).Round(time.Second))
		if ctx.Err() != nil {
			break
		}
	}
	for _, r := range rows {
		if (r.Kind == boundGoal && !r.Met()) || (!r.RatioMet() && r.Enforced()) {
			code = 1
		}
	}

	fmt.Fprintf(stdout, "idpsync benchmarks: %s %s/%s, %d CPUs, emulator latency %s, %d requests in flight\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), h.latency, h.concurrency)
	fmt.Fprintf(stdout, "command: go run ./bench %s\n\n", strings.Join(args, " "))
	if *markdown {
		err = WriteMarkdown(stdout, rows)
	} else {
		err = WriteText(stdout, rows)
	}
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "\ntotal runtime %s\n", time.Since(start).Round(time.Second))
	return code
}

func pickScenarios(s string) ([]scenario, error) {
	var out []scenario
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		found := false
		for _, sc := range scenarios {
			if f == strconv.Itoa(sc.num) || strings.EqualFold(f, sc.name) {
				out, found = append(out, sc), true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("-scenarios: unknown scenario %q (1-9, or plan, apply, rate, local, faults, crash, emulator, goals, changed)", f)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("-scenarios: none chosen")
	}
	return out, nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, n)
	}
	return out, nil
}
