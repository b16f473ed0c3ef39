package progress

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/idpsync/idpsync/apply"
	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/internal/golden"
	"github.com/idpsync/idpsync/plan"
)

// fakeClock is the only clock of these tests: time moves when a step says.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time { return c.t }

var t0 = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

// step is one thing that happens to a view: the clock moves, then f runs.
type step struct {
	after time.Duration
	f     func(v *View)
}

func at(d time.Duration, f func(v *View)) step { return step{d, f} }

// ticks moves the clock by every, n times, ticking after each.
func ticks(n int, every time.Duration) []step {
	s := make([]step, n)
	for i := range s {
		s[i] = at(every, (*View).Tick)
	}
	return s
}

func steps(groups ...[]step) []step {
	var out []step
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func ev(addr string, kind plan.Kind, state apply.EventKind, took time.Duration) func(v *View) {
	return func(v *View) {
		v.Action(apply.Event{Address: addr, Action: kind, Resource: plan.ResourceIdP, Kind: state, Elapsed: took})
	}
}

// applyPlan has three changes and two actions that change nothing.
var applyPlan = &plan.Plan{Actions: []plan.Action{
	{Address: "account[a].idp[Okta]", Action: plan.Create},
	{Address: "account[a].idp[Okta].grant", Action: plan.Create},
	{Address: "account[b].idp[GitHub]", Action: plan.Update},
	{Address: "account[c].idp[Entra]", Action: plan.NoOp},
	{Address: "account[d].idp[Entra]", Action: plan.NoOp},
}}

var budgetWait = cloudflare.WaitEvent{Reason: cloudflare.WaitBudget, Duration: 40 * time.Second, Until: t0.Add(46 * time.Second)}

// anApply is a run of applyPlan of 12 s: two no-ops, a write, a budget wait
// of 40 s from 6 s on, a failure and a skip.
func anApply() []step {
	return steps(
		[]step{
			at(0, func(v *View) { v.Apply(applyPlan) }),
			at(0, ev("account[c].idp[Entra]", plan.NoOp, apply.EventDone, 0)),
			at(0, ev("account[d].idp[Entra]", plan.NoOp, apply.EventDone, 0)),
			at(0, ev("account[a].idp[Okta]", plan.Create, apply.EventStart, 0)),
			at(0, ev("account[b].idp[GitHub]", plan.Update, apply.EventStart, 0)),
		},
		ticks(3, time.Second),
		[]step{at(0, ev("account[a].idp[Okta]", plan.Create, apply.EventDone, 3*time.Second))},
		ticks(3, time.Second),
		[]step{at(0, func(v *View) { v.Wait(budgetWait) })},
		ticks(4, time.Second),
		[]step{
			at(0, func(v *View) {
				v.Action(apply.Event{Address: "account[b].idp[GitHub]", Action: plan.Update, Kind: apply.EventFailed, Elapsed: 10 * time.Second, Err: errors.New("code 10000: Authentication error")})
			}),
			at(0, func(v *View) {
				v.Action(apply.Event{Address: "account[a].idp[Okta].grant", Action: plan.Create, Kind: apply.EventSkipped, Cause: "account[b].idp[GitHub]"})
			}),
		},
		ticks(2, time.Second),
		[]step{at(0, (*View).Done)},
	)
}

// someReads reads n accounts, one every 100 ms, ticking each second.
func someReads(n int) []step {
	s := []step{at(0, func(v *View) { v.Reading(n) })}
	for i := range n {
		s = append(s, at(100*time.Millisecond, func(v *View) { v.Read("a") }))
		if i%10 == 9 {
			s = append(s, at(0, (*View).Tick))
		}
	}
	return append(s, at(0, (*View).EndReads))
}

func run(o Options, script []step) (out, errOut string) {
	clock := &fakeClock{t: t0}
	var ob, eb bytes.Buffer
	o.Out, o.Err, o.Now = &ob, &eb, clock.Now
	v := New(o)
	for _, s := range script {
		clock.t = clock.t.Add(s.after)
		s.f(v)
	}
	v.Close()
	return ob.String(), eb.String()
}

func TestView(t *testing.T) {
	tests := []struct {
		name   string
		opts   Options
		script []step
		// want are substrings of the output, in this order; count are
		// substrings and how often each must appear; never must not appear.
		want  []string
		count map[string]int
		never []string
	}{{
		name:   "log",
		script: anApply(),
		want: []string{
			"✓ account[a].idp[Okta]: created (3s)\n",
			"Applying: 1/3 changes, 1 in flight, 5s elapsed, about 10s left\n",
			// The budget wait is announced when it begins, with its length.
			"Waiting 40s (until 12:00:46 UTC): the request budget of --rate-limit is spent\n",
			"✗ account[b].idp[GitHub]: update failed (10s): code 10000: Authentication error\n",
			// The estimate is the pace of the work, the wait taken out (6 s
			// for 2 changes), plus what is left of the wait.
			"Applying: 2/3 changes, 1 failed, 10s elapsed, about 39s left; waiting 36s more for the request budget (--rate-limit)\n",
			"- account[a].idp[Okta].grant: skipped, because account[b].idp[GitHub] failed\n",
			"Finished 1 of 3 changes in 12s, 1 failed, 1 skipped; 2 unchanged (--verbose lists them); waited 6s for the API (1 time).\n",
		},
		// A status line every 5 s and no more often: at 5 s and 10 s of 12.
		count: map[string]int{"Applying: ": 2, "Finished ": 1, "Waiting 40s": 1},
		never: []string{"account[c]", "account[d]", "\x1b"},
	}, {
		name:   "log_verbose",
		opts:   Options{Verbose: true},
		script: anApply(),
		want:   []string{"✓ account[c].idp[Entra]: unchanged\n", "✓ account[d].idp[Entra]: unchanged\n", "Finished 1 of 3 changes in 12s, 1 failed, 1 skipped; 2 unchanged; waited"},
		count:  map[string]int{"Applying: ": 2},
	}, {
		name:   "log_interval",
		opts:   Options{Interval: 2 * time.Second},
		script: anApply(),
		// Every 2 s of 12 while something moves: at 2, 4, 10 and 12; from
		// 4 to 10 nothing does, and the quiet interval (12 s) is not over.
		count: map[string]int{"Applying: ": 4},
	}, {
		// A wait of 3 minutes with nothing moving: a status line at 5 s,
		// then one every 30 s, not 36 lines saying the same.
		name: "log_long_wait",
		script: steps(
			[]step{
				at(0, func(v *View) { v.Apply(applyPlan) }),
				at(0, ev("account[a].idp[Okta]", plan.Create, apply.EventStart, 0)),
				at(time.Second, func(v *View) {
					v.Wait(cloudflare.WaitEvent{Reason: cloudflare.WaitRetryAfter, Duration: 3 * time.Minute, Until: t0.Add(181 * time.Second), Status: 429, Header: "Retry-After", Value: "180"})
				}),
			},
			ticks(180, time.Second),
			[]step{at(0, ev("account[a].idp[Okta]", plan.Create, apply.EventDone, 181*time.Second)), at(0, (*View).Done)},
		),
		want: []string{
			"Waiting 3m0s (until 12:03:01 UTC): the API answered 429 Too Many Requests with Retry-After: 180\n",
			"Applying: 0/3 changes, 1 in flight, 5s elapsed; waiting 2m56s more for the API's Retry-After\n",
			"Applying: 0/3 changes, 1 in flight, 35s elapsed; waiting 2m26s more for the API's Retry-After\n",
			"Applying: 0/3 changes, 1 in flight, 2m35s elapsed; waiting 26s more for the API's Retry-After\n",
			"✓ account[a].idp[Okta]: created (3m1s)\n",
			"Finished 1 of 3 changes in 3m1s; waited 3m0s for the API (1 time).\n",
		},
		count: map[string]int{"Applying: ": 7},
	}, {
		name:   "log_reads_long",
		script: someReads(120),
		want: []string{
			"Reading the live state: 50/120 accounts, 5s elapsed, about 7s left\n",
			"Reading the live state: 100/120 accounts, 10s elapsed, about 2s left\n",
			"Read the live state of 120 accounts in 12s.\n",
		},
		count: map[string]int{"Reading the live state": 2},
	}, {
		// Reads over before the first status line leave nothing behind: a
		// quick plan's output is the plan.
		name:   "log_reads_quick",
		script: someReads(30),
		never:  []string{"Read"},
	}, {
		name:   "terminal",
		opts:   Options{Mode: Live, Width: 80},
		script: steps(someReads(20), anApply()),
		want: []string{
			"[##########..........] 10/20 accounts · 1s · about 1s left\n",
			"Read the live state of 20 accounts",
			"… account[a].idp[Okta] (1s)\n… account[b].idp[GitHub] (1s)\n[....................] 0/3 changes · 1s\n",
			"Waiting 40s (until 12:00:46 UTC): the request budget of --rate-limit is spent\n",
			// The wait stays on screen, counting down, while it lasts.
			"Waiting for the request budget (--rate-limit): 37s more, until 12:00:46 UTC\n",
			"Finished 1 of 3 changes in 12s",
		},
		never: []string{"Applying: ", "Reading the live state: "},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "terminal" {
				// 20 reads take 2 s: long enough to be summed up at 1 s.
				tt.opts.Interval = time.Second
			}
			out, errOut := run(tt.opts, tt.script)
			if errOut != "" {
				t.Errorf("a text view wrote to Err: %q", errOut)
			}
			rest := out
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Errorf("output lacks %q after what came before; output:\n%s", w, out)
					continue
				}
				rest = rest[i+len(w):]
			}
			for s, n := range tt.count {
				if got := strings.Count(out, s); got != n {
					t.Errorf("%q appears %d times, want %d; output:\n%s", s, got, n, out)
				}
			}
			for _, s := range tt.never {
				if strings.Contains(out, s) {
					t.Errorf("output has %q:\n%s", s, out)
				}
			}
			shown := strings.ReplaceAll(out, "\x1b", "ESC")
			golden.Check(t, filepath.Join("testdata", tt.name+".golden"), []byte(shown))
		})
	}
}

// TestJSON keeps --output json one object per action event on Out, waits
// on Err, and no status or summary.
func TestJSON(t *testing.T) {
	out, errOut := run(Options{Mode: JSON}, anApply())
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 7 {
		t.Fatalf("%d lines, want one per event (7):\n%s", len(lines), out)
	}
	var last jsonEvent
	if err := json.Unmarshal([]byte(lines[6]), &last); err != nil {
		t.Fatal(err)
	}
	if last.Type != "action" || last.State != "skipped" || last.Cause != "account[b].idp[GitHub]" {
		t.Errorf("last event = %+v", last)
	}
	if !strings.HasPrefix(errOut, "Waiting 40s (until 12:00:46 UTC): the request budget") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("Err = %q, want the one wait", errOut)
	}
}

// TestHostileText: addresses carry the server's names, errors and wait
// headers its text; none may move the cursor or write a CI command.
func TestHostileText(t *testing.T) {
	evil := "account[a].idp[\x1b[2J\u202eOk\n::set-output name=x::ta]"
	for _, mode := range []Mode{Lines, Live, JSON} {
		out, errOut := run(Options{Mode: mode, Verbose: true}, []step{
			at(0, func(v *View) { v.Apply(applyPlan) }),
			at(0, func(v *View) { v.Action(apply.Event{Address: evil, Action: plan.Create, Kind: apply.EventStart}) }),
			at(time.Second, (*View).Tick),
			at(0, func(v *View) {
				v.Wait(cloudflare.WaitEvent{Reason: cloudflare.WaitRetryAfter, Duration: 2 * time.Second, Status: 429, Header: "Retry-After", Value: "2\x1b]0;pwned\a", Method: "GET", Path: "/x"})
			}),
			at(0, func(v *View) {
				v.Action(apply.Event{Address: evil, Action: plan.Create, Kind: apply.EventFailed, Err: errors.New("bad \x1b[31mred\x1b[0m\n::error::x")})
			}),
			at(0, func(v *View) {
				v.Action(apply.Event{Address: evil + ".grant", Action: plan.Create, Kind: apply.EventSkipped, Cause: evil})
			}),
			at(0, (*View).Done),
		})
		all := out + errOut
		if mode == Live {
			// The view's own cursor moves, and only those.
			all = strings.NewReplacer("\x1b[1A\x1b[J", "", "\x1b[2A\x1b[J", "", "\x1b[3A\x1b[J", "").Replace(all)
		}
		bad := []string{"\x1b", "\a"}
		if mode != JSON {
			// JSON escapes what it must; a bidi mark there is a string's
			// character, not the terminal's.
			bad = append(bad, "\u202e")
		}
		for _, b := range bad {
			if strings.Contains(all, b) {
				t.Errorf("mode %d: output has %q:\n%q", mode, b, all)
			}
		}
		for _, l := range strings.Split(all, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "::") {
				t.Errorf("mode %d: a line is a CI command: %q", mode, l)
			}
		}
	}
}

func TestEstimate(t *testing.T) {
	tests := []struct {
		elapsed     time.Duration
		done, total int
		want        time.Duration
		ok          bool
	}{
		{10 * time.Second, 0, 10, 0, false},
		{10 * time.Second, 5, 10, 10 * time.Second, true},
		{10 * time.Second, 1, 4, 30 * time.Second, true},
		{10 * time.Second, 99, 100, time.Second, true},
		{100 * time.Second, 3, 10, 233 * time.Second, true},
		{10 * time.Second, 10, 10, 0, false},
	}
	for _, tt := range tests {
		got, ok := estimate(tt.elapsed, tt.done, tt.total)
		if got != tt.want || ok != tt.ok {
			t.Errorf("estimate(%s, %d, %d) = %s, %v; want %s, %v", tt.elapsed, tt.done, tt.total, got, ok, tt.want, tt.ok)
		}
	}
}

func TestWaitLine(t *testing.T) {
	tests := []struct {
		ev   cloudflare.WaitEvent
		want string
	}{
		{cloudflare.WaitEvent{Reason: cloudflare.WaitRetryAfter, Duration: 120 * time.Second, Until: t0.Add(2 * time.Minute), Status: 429, Header: "Retry-After", Value: "120", Method: "GET", Path: "/accounts/a/access/identity_providers"},
			"Waiting 2m0s (until 12:02:00 UTC): the API answered 429 Too Many Requests with Retry-After: 120 (GET /accounts/a/access/identity_providers)"},
		{cloudflare.WaitEvent{Reason: cloudflare.WaitRateLimit, Duration: 3 * time.Second, Header: "Ratelimit", Value: `"default";r=0;t=3`},
			`Waiting 3s: the API's rate limit window is spent by the requests sent in it; it resets as Ratelimit: "default";r=0;t=3 said`},
		{cloudflare.WaitEvent{Reason: cloudflare.WaitBudget, Duration: 1500 * time.Millisecond, Method: "POST", Path: "/accounts/a/access/identity_providers"},
			"Waiting 2s: the request budget of --rate-limit is spent (POST /accounts/a/access/identity_providers)"},
		{cloudflare.WaitEvent{Reason: cloudflare.WaitBackoff, Duration: 4 * time.Second},
			"Waiting 4s: backing off before a retry"},
	}
	for _, tt := range tests {
		if got := WaitLine(tt.ev); got != tt.want {
			t.Errorf("WaitLine = %q\nwant       %q", got, tt.want)
		}
	}
}

// TestWaitAcrossStages: a wait that began during the reads still shows, and
// counts, in the stage of actions that starts while it lasts.
func TestWaitAcrossStages(t *testing.T) {
	out, _ := run(Options{}, steps(
		[]step{
			at(0, func(v *View) { v.Reading(10) }),
			at(time.Second, func(v *View) { v.Wait(cloudflare.WaitEvent{Reason: cloudflare.WaitBudget, Duration: time.Minute}) }),
			at(9*time.Second, (*View).EndReads),
			at(0, func(v *View) { v.Apply(applyPlan) }),
		},
		ticks(5, time.Second),
		[]step{at(0, (*View).Done)},
	))
	for _, want := range []string{
		"Waiting 1m0s: the request budget of --rate-limit is spent\n",
		"Read the live state of 0 accounts in 10s; waited 9s for the API (1 time).\n",
		"Applying: 0/3 changes, 5s elapsed; waiting 46s more for the request budget (--rate-limit)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestRunStops: the ticker goroutine ticks a live view from its own
// goroutine while events arrive, and stop waits for it (go test -race
// checks the locking); a JSON view starts none.
func TestRunStops(t *testing.T) {
	for _, mode := range []Mode{Live, Lines, JSON} {
		var out bytes.Buffer
		v := New(Options{Mode: mode, Out: &out})
		stop := v.Run()
		v.Apply(applyPlan)
		for range 50 {
			v.Action(apply.Event{Address: "account[a].idp[Okta]", Action: plan.Create, Kind: apply.EventStart})
			v.Tick()
		}
		v.Done()
		stop()
		stop()
		v.Close()
		if mode != JSON && !strings.Contains(out.String(), "Finished 0 of 3 changes") {
			t.Errorf("mode %d: no summary:\n%s", mode, out.String())
		}
	}
}
