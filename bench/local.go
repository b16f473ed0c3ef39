package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/plan/render"
	"github.com/idpsync/idpsync/state"
)

// cost is what one local operation took.
type cost struct {
	Wall, CPU time.Duration
	// Alloc is the bytes allocated (runtime/metrics /gc/heap/allocs:bytes).
	Alloc uint64
	// Peak is the highest live-heap growth above the level before the
	// operation (/memory/classes/heap/objects:bytes, after a GC, sampled
	// every millisecond), so it can miss a spike shorter than that.
	Peak uint64
	// RSS is the process's peak resident set during the operation (VmHWM
	// after resetting it through /proc/self/clear_refs; Linux only, 0
	// elsewhere). It includes what the process held before.
	RSS uint64
}

// resetPeakRSS restarts the kernel's peak-RSS count of this process.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS is VmHWM from /proc/self/status, in bytes.
func peakRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb uint64
			fmt.Sscanf(strings.TrimSpace(v), "%d", &kb)
			return kb << 10
		}
	}
	return 0
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func readMetric(name string) uint64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

const (
	metricHeap   = "/memory/classes/heap/objects:bytes"
	metricAllocs = "/gc/heap/allocs:bytes"
)

// measure runs fn and reports its process CPU time (user + system, every
// thread, so garbage collection is included), wall time, allocation and peak
// heap growth.
func measure(fn func() error) (cost, error) {
	runtime.GC()
	base := readMetric(metricHeap)
	allocs := readMetric(metricAllocs)
	var (
		peak uint64
		mu   sync.Mutex
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	sample := func() {
		if h := readMetric(metricHeap); h > base {
			mu.Lock()
			peak = max(peak, h-base)
			mu.Unlock()
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	debug.FreeOSMemory()
	resetPeakRSS()
	cpu0, wall0 := cpuTime(), time.Now()
	err := fn()
	c := cost{Wall: time.Since(wall0), CPU: cpuTime() - cpu0, RSS: peakRSS()}
	sample()
	close(done)
	wg.Wait()
	c.Alloc = readMetric(metricAllocs) - allocs
	c.Peak = peak
	return c, err
}

const mib = 1 << 20

// localCost is scenario 4: Diff and the three renderings of large plans, and
// state.Load of a large file, in-process.
func (h *harness) localCost(ctx context.Context) ([]Row, error) {
	var rows []Row
	for _, n := range h.localSizes {
		w := workload{Accounts: max(2, n/idpsPerAccount), InlineCert: string(h.cert)}
		d, _, err := h.loadWorkload(w)
		if err != nil {
			return rows, err
		}
		live, changed, err := syntheticLive(d, h.cert, true)
		if err != nil {
			return rows, err
		}
		size := fmt.Sprintf("%d IdPs, %d differ", w.IdPs(), changed)
		floor := latencyBound(w.MinPlanRequests(true), readDepth(true), h.concurrency, h.latency)
		row := func(metric string, u unit) Row {
			return Row{Scenario: "4 local", Size: size, Metric: metric, Unit: u, Kind: boundNone}
		}
		diffCPU := row("Diff CPU", unitSeconds)
		formats := []string{"text", "JSON", "Markdown"}
		renderCPU := make([]Row, len(formats))
		renderPeak := make([]Row, len(formats))
		for i, f := range formats {
			renderCPU[i] = row("render "+f+" CPU", unitSeconds)
			renderPeak[i] = row("render "+f+" peak heap", unitMB)
		}
		// The JSON view as it was written before it streamed: the whole
		// plan through one json.Encoder call, kept apart from the totals.
		beforeCPU := row("render JSON CPU, one document (before)", unitSeconds)
		beforePeak := row("render JSON peak heap, one document (before)", unitMB)
		jsonRSS := row("render JSON peak RSS", unitMB)
		beforeRSS := row("render JSON peak RSS, one document (before)", unitMB)
		diffRSS := row("Diff peak RSS", unitMB)
		totalCPU := row("Diff+render CPU", unitSeconds)
		totalCPU.Kind, totalCPU.Bound, totalCPU.BoundNote = boundReference, floor, "plan's API floor"
		alloc := row("Diff+render allocated", unitMB)
		peak := row("Diff+render peak heap", unitMB)
		for run := range h.runs {
			var p *plan.Plan
			dc, err := measure(func() (err error) {
				p, err = plan.Diff(d, live, plan.Options{Now: time.Now(), SecretKey: []byte("bench")})
				return err
			})
			if err != nil {
				return rows, fmt.Errorf("%d IdPs: diff: %w", n, err)
			}
			cpu, allocated, top := dc.CPU, dc.Alloc, dc.Peak
			var sizes []string
			for i, f := range formats {
				var out countingWriter
				rc, err := measure(func() error { return renderFormat(&out, p, f) })
				if err != nil {
					return rows, fmt.Errorf("%d IdPs: render %s: %w", n, f, err)
				}
				renderCPU[i].Values = append(renderCPU[i].Values, secs(rc.CPU))
				renderPeak[i].Values = append(renderPeak[i].Values, float64(rc.Peak)/mib)
				if f == "JSON" {
					jsonRSS.Values = append(jsonRSS.Values, float64(rc.RSS)/mib)
				}
				cpu, allocated, top = cpu+rc.CPU, allocated+rc.Alloc, max(top, rc.Peak)
				sizes = append(sizes, fmt.Sprintf("%s %.1f MiB in %s", f, float64(out.n)/mib, rc.CPU.Round(time.Millisecond)))
			}
			bc, err := measure(func() error {
				enc := json.NewEncoder(&countingWriter{})
				enc.SetEscapeHTML(false)
				return enc.Encode(p)
			})
			if err != nil {
				return rows, fmt.Errorf("%d IdPs: render JSON as one document: %w", n, err)
			}
			beforeCPU.Values = append(beforeCPU.Values, secs(bc.CPU))
			beforePeak.Values = append(beforePeak.Values, float64(bc.Peak)/mib)
			beforeRSS.Values = append(beforeRSS.Values, float64(bc.RSS)/mib)
			diffRSS.Values = append(diffRSS.Values, float64(dc.RSS)/mib)
			diffCPU.Values = append(diffCPU.Values, secs(dc.CPU))
			totalCPU.Values = append(totalCPU.Values, secs(cpu))
			alloc.Values = append(alloc.Values, float64(allocated)/mib)
			peak.Values = append(peak.Values, float64(top)/mib)
			h.logf("  4 local      %5d IdPs      run %d/%d: %d actions; diff %s CPU; %s",
				w.IdPs(), run+1, h.runs, len(p.Actions), dc.CPU.Round(time.Millisecond), strings.Join(sizes, ", "))
		}
		rows = append(rows, diffCPU)
		rows = append(rows, renderCPU...)
		rows = append(rows, renderPeak...)
		rows = append(rows, beforeCPU, beforePeak, jsonRSS, beforeRSS, diffRSS, totalCPU, alloc, peak)
	}

	w := workload{Accounts: max(2, h.loadSize/idpsPerAccount), InlineCert: string(h.cert)}
	dir, err := os.MkdirTemp(h.root, "load-")
	if err != nil {
		return rows, err
	}
	file, err := w.Write(dir, h.cert)
	if err != nil {
		return rows, err
	}
	st, err := os.Stat(file)
	if err != nil {
		return rows, err
	}
	size := fmt.Sprintf("%d IdPs, %.1f MiB YAML", w.IdPs(), float64(st.Size())/mib)
	loadCPU := Row{Scenario: "4 local", Size: size, Metric: "state.Load CPU", Unit: unitSeconds, Kind: boundNone}
	loadWall := Row{Scenario: "4 local", Size: size, Metric: "state.Load wall time", Unit: unitSeconds, Kind: boundNone}
	loadAlloc := Row{Scenario: "4 local", Size: size, Metric: "state.Load allocated", Unit: unitMB, Kind: boundNone}
	loadPeak := Row{Scenario: "4 local", Size: size, Metric: "state.Load peak heap", Unit: unitMB, Kind: boundNone}
	loadRSS := Row{Scenario: "4 local", Size: size, Metric: "state.Load peak RSS", Unit: unitMB, Kind: boundNone}
	getenv := func(string) (string, bool) { return "not-a-real-secret", true }
	for run := range h.runs {
		c, err := measure(func() error {
			d, diags := state.Load(context.Background(), []string{file}, state.LoadOptions{Getenv: getenv})
			if diags.HasErrors() || d == nil {
				return fmt.Errorf("%v", diags.Errors())
			}
			return nil
		})
		if err != nil {
			return rows, fmt.Errorf("load %d IdPs: %w", w.IdPs(), err)
		}
		loadCPU.Values = append(loadCPU.Values, secs(c.CPU))
		loadWall.Values = append(loadWall.Values, secs(c.Wall))
		loadAlloc.Values = append(loadAlloc.Values, float64(c.Alloc)/mib)
		loadPeak.Values = append(loadPeak.Values, float64(c.Peak)/mib)
		loadRSS.Values = append(loadRSS.Values, float64(c.RSS)/mib)
		h.logf("  4 local      %5d IdPs      run %d/%d: state.Load %s wall, %s CPU", w.IdPs(), run+1, h.runs, c.Wall.Round(time.Millisecond), c.CPU.Round(time.Millisecond))
	}
	return append(rows, loadCPU, loadWall, loadAlloc, loadPeak, loadRSS), ctx.Err()
}

// countingWriter counts what a renderer writes and keeps none of it.
type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func renderFormat(w io.Writer, p *plan.Plan, format string) error {
	switch format {
	case "text":
		return render.Text(w, p, render.Options{Width: 100})
	case "JSON":
		return render.JSON(w, p)
	}
	return render.Markdown(w, p)
}

var _ io.Writer = (*countingWriter)(nil)

// loadWorkload writes w and loads it.
func (h *harness) loadWorkload(w workload) (*state.Desired, string, error) {
	dir, err := os.MkdirTemp(h.root, "local-")
	if err != nil {
		return nil, "", err
	}
	file, err := w.Write(dir, h.cert)
	if err != nil {
		return nil, "", err
	}
	getenv := func(string) (string, bool) { return "not-a-real-secret", true }
	d, diags := state.Load(context.Background(), []string{file}, state.LoadOptions{Getenv: getenv})
	if diags.HasErrors() || d == nil {
		return nil, "", fmt.Errorf("load %s: %v", filepath.Base(file), diags.Errors())
	}
	return d, file, nil
}

// syntheticLive builds the live state an apply of d would leave, without an
// API: applying 10,000 IdPs through the emulator would measure the emulator.
// With perturb, about one IdP in ten differs: a third have a changed config
// key, a third are missing (created with their whole chain), and a third of
// the federated ones lack a recipient.
func syntheticLive(d *state.Desired, certPEM []byte, perturb bool) (*state.Live, int, error) {
	fp, err := state.CertificateFingerprint(string(certPEM))
	if err != nil {
		return nil, 0, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	cert := &state.LiveCertificate{UID: "cert", PEM: string(certPEM), NotAfter: now.Add(300 * 24 * time.Hour), SHA256: fp}
	live := &state.Live{Accounts: map[string]*state.LiveAccount{}}
	k, changed := 0, 0
	for ai, a := range d.Accounts {
		la := &state.LiveAccount{ID: a.ID}
		live.Accounts[a.ID] = la
		for ii, di := range a.IdentityProviders {
			k++
			kind := -1
			if perturb && k%10 == 0 {
				kind = (k / 10) % 3
				changed++
			}
			if kind == 1 {
				continue // missing
			}
			id := fmt.Sprintf("%08x-0000-4000-8000-%012x", ai, ii)
			cfg, err := canonicalConfig(di)
			if err != nil {
				return nil, 0, err
			}
			l := &state.LiveIdP{ID: id, Name: di.Name, Type: di.Type, Config: cfg, Version: "v1-" + id}
			if kind == 0 || (kind == 2 && di.Federation == nil) {
				for _, key := range slices.Sorted(maps.Keys(cfg)) {
					switch v := cfg[key].(type) {
					case string:
						cfg[key] = v + "-changed"
					case bool:
						cfg[key] = !v
					default:
						continue
					}
					break
				}
			}
			if di.Encryption != nil && di.Encryption.Enabled {
				l.EncryptionEnabled = true
				cfg["enable_encryption"] = true
				l.CertificateSet = &state.LiveCertificateSet{UID: "set-" + id, UpdatedAt: now, Current: cert}
			}
			if f := di.Federation; f != nil {
				g := &state.LiveGrant{ID: fmt.Sprintf("%016x%016x", ai, ii), IdPID: id}
				sh := &state.LiveShare{
					ID: fmt.Sprintf("%016x%016x", ii, ai), Name: plan.ShareName(di.Name), Status: idptype.ShareActive,
					TargetType: idptype.TargetAccount, Modified: now, GrantID: g.ID, ResourceID: "res-" + g.ID,
				}
				if f.Organization {
					sh.TargetType = idptype.TargetOrganization
				}
				for ri, acct := range f.Accounts {
					if kind == 2 && ri == 0 {
						continue
					}
					sh.Recipients = append(sh.Recipients, &state.LiveRecipient{
						ID: fmt.Sprintf("%016x%08x%08x", ai, ii, ri), AccountID: acct, Status: idptype.Associated, Modified: now,
					})
				}
				g.Share = sh
				l.Grant = g
				la.Grants = append(la.Grants, g)
				la.Shares = append(la.Shares, sh)
			}
			la.IdentityProviders = append(la.IdentityProviders, l)
		}
	}
	return live, changed, nil
}

// canonicalConfig is the declared config as the API returns it: JSON values,
// without the write-only keys a read never shows.
func canonicalConfig(di *state.IdP) (map[string]any, error) {
	b, err := json.Marshal(di.Config)
	if err != nil {
		return nil, err
	}
	var cfg map[string]any
	if err := json.Unmarshal(b, &cfg); err != nil {
		return nil, err
	}
	if t, ok := idptype.Types[di.Type]; ok {
		for _, f := range t.Fields {
			if f.WriteOnly {
				delete(cfg, f.Name)
			}
		}
	}
	if cfg == nil {
		cfg = map[string]any{}
	}
	return cfg, nil
}
