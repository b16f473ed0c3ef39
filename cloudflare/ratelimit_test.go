package cloudflare

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// TestGateKeepsEveryWindowWithinBudget sends three budgets' worth of requests
// through the gate on a fake clock: the whole budget goes at once, every
// window of length W holds at most N sends, and the last budget leaves
// exactly two windows after the first.
func TestGateKeepsEveryWindowWithinBudget(t *testing.T) {
	for _, rl := range []RateLimit{{1200, 5 * time.Minute}, {120, 30 * time.Second}, {7, 10 * time.Second}, {1, time.Minute}} {
		t.Run(rl.String(), func(t *testing.T) {
			clock := newFakeClock()
			g := newGate(rl, 4, clock.Now, clock.Sleep)
			var sent []time.Time
			for range 3 * rl.Requests {
				if _, err := g.acquire(context.Background()); err != nil {
					t.Fatal(err)
				}
				sent = append(sent, clock.Now())
				g.release()
			}
			if got := countBefore(sent, sent[0].Add(time.Nanosecond)); got != rl.Requests {
				t.Errorf("first instant carried %d requests, want the whole budget %d", got, rl.Requests)
			}
			for i, start := range sent {
				if n := countBefore(sent[i:], start.Add(rl.Window)); n > rl.Requests {
					t.Fatalf("window from %s carried %d requests, budget %d", start.Sub(sent[0]), n, rl.Requests)
				}
			}
			if got, want := sent[len(sent)-1].Sub(sent[0]), 2*rl.Window; got != want {
				t.Errorf("%d requests took %s, want %s (budget-bound)", len(sent), got, want)
			}
		})
	}
}

func countBefore(ts []time.Time, end time.Time) int {
	n := 0
	for _, t := range ts {
		if t.Before(end) {
			n++
		}
	}
	return n
}

// TestGateSlidesWithIrregularSends checks the window slides: after a spread-out
// budget, the next request waits only for the oldest send to leave.
func TestGateSlidesWithIrregularSends(t *testing.T) {
	clock := newFakeClock()
	rl := RateLimit{3, 10 * time.Second}
	g := newGate(rl, 1, clock.Now, clock.Sleep)
	t0 := clock.Now()
	send := func() time.Duration {
		t.Helper()
		start := clock.Now()
		if _, err := g.acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
		g.release()
		return clock.Now().Sub(start)
	}
	send() // t=0
	clock.Sleep(context.Background(), 4*time.Second)
	send() // t=4
	clock.Sleep(context.Background(), 4*time.Second)
	send()                               // t=8
	if w := send(); w != 2*time.Second { // waits for the send at t=0 to leave
		t.Fatalf("fourth send waited %s, want 2s", w)
	}
	if w := send(); w != 4*time.Second { // t=14: the send at t=4 leaves
		t.Fatalf("fifth send waited %s, want 4s", w)
	}
	if got := clock.Now().Sub(t0); got != 14*time.Second {
		t.Fatalf("clock at %s, want 14s", got)
	}
}

func TestGateHonoursRatelimitHeader(t *testing.T) {
	tests := []struct {
		name     string
		header   string
		inflight int // requests in flight besides the one answered
		sends    int // sends after the header that go at once
		wantWait time.Duration
	}{
		{"exhausted", `"default";r=0;t=30`, 0, 0, 30 * time.Second},
		{"one left, kept for others", `"default";r=1;t=30`, 0, 0, 30 * time.Second},
		{"two left", `"default";r=2;t=30`, 0, 1, 30 * time.Second},
		{"fractional reset", `"default";r=0;t=2.5`, 0, 0, 2500 * time.Millisecond},
		{"five left", `"default";r=5;t=10`, 0, 4, 10 * time.Second},
		{"in flight may count", `"default";r=5;t=10`, 2, 2, 10 * time.Second},
		{"more in flight than left", `"default";r=1;t=10`, 3, 0, 10 * time.Second},
		{"garbage", `garbage`, 0, 50, 0},
		{"absent", ``, 0, 50, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			g := newGate(RateLimit{1000, time.Minute}, 10, clock.Now, clock.Sleep)
			for range tt.inflight + 1 {
				if _, err := g.acquire(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			h := http.Header{}
			if tt.header != "" {
				h.Set("Ratelimit", tt.header)
			}
			g.observe(h)
			for range tt.inflight + 1 {
				g.release()
			}
			start := clock.Now()
			for i := range tt.sends {
				if _, err := g.acquire(context.Background()); err != nil {
					t.Fatal(err)
				}
				g.release()
				if clock.Now() != start {
					t.Fatalf("send %d waited %s; the server said it had room", i+1, clock.Now().Sub(start))
				}
			}
			if tt.wantWait == 0 {
				return
			}
			if _, err := g.acquire(context.Background()); err != nil {
				t.Fatal(err)
			}
			g.release()
			if got := clock.Now().Sub(start); got != tt.wantWait {
				t.Fatalf("the next send waited %s, want %s", got, tt.wantWait)
			}
		})
	}
}

// TestGateKeepsTheLeastRemaining: responses arrive out of order, so within one
// server window the lowest remaining and the earliest reset win; once the
// reset passes, the next window's header replaces them.
func TestGateKeepsTheLeastRemaining(t *testing.T) {
	clock := newFakeClock()
	g := newGate(RateLimit{1000, time.Minute}, 10, clock.Now, clock.Sleep)
	hdr := func(v string) http.Header { h := http.Header{}; h.Set("Ratelimit", v); return h }
	g.observe(hdr(`"default";r=3;t=20`))
	g.observe(hdr(`"default";r=9;t=21`)) // older news: more left, later reset
	start := clock.Now()
	for range 2 {
		if _, err := g.acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
		g.release()
	}
	if clock.Now() != start {
		t.Fatalf("the two remaining sends waited %s", clock.Now().Sub(start))
	}
	if _, err := g.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := clock.Now().Sub(start); got != 20*time.Second {
		t.Fatalf("third send waited %s, want the earliest reset 20s", got)
	}
	// A new window: its header stands on its own.
	g.observe(hdr(`"default";r=100;t=60`))
	g.release()
	start = clock.Now()
	for range 50 {
		if _, err := g.acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
		g.release()
	}
	if clock.Now() != start {
		t.Fatalf("sends in the new window waited %s", clock.Now().Sub(start))
	}
}

// TestGateBlockStopsEveryRequest: a 429's wait holds back every request,
// whatever the window and the server's remaining say.
func TestGateBlockStopsEveryRequest(t *testing.T) {
	clock := newFakeClock()
	g := newGate(RateLimit{1000, time.Minute}, 4, clock.Now, clock.Sleep)
	h := http.Header{}
	h.Set("Ratelimit", `"default";r=500;t=60`)
	g.observe(h)
	g.blockUntil(clock.Now().Add(7*time.Second), WaitEvent{})
	start := clock.Now()
	if _, err := g.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	g.release()
	if got := clock.Now().Sub(start); got != 7*time.Second {
		t.Fatalf("waited %s, want the 429's 7s", got)
	}
}
