package cli

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idpsync/idpsync/cloudflare"
)

// TestReadProgress: while a command reads, the client's waits are the
// progress view's (one line each on stderr, in a log); a quick read leaves
// nothing else; afterwards waits are plain stderr lines again, and stdout
// is never touched.
func TestReadProgress(t *testing.T) {
	ios, _, out, errOut := Test()
	f := &Factory{IO: ios}
	conn := &Connection{errOut: ios.ErrOut}
	wait := cloudflare.WaitEvent{Reason: cloudflare.WaitBudget, Duration: 3 * time.Second}
	v, end := f.ReadProgress(conn)
	if conn.waits.Load() == nil {
		t.Fatal("the client's waits do not go to the progress view")
	}
	v.Reading(2)
	conn.onWait(wait)
	v.Read("a")
	v.Read("b")
	end()
	end() // a deferred end after the explicit one does nothing
	if conn.waits.Load() != nil {
		t.Error("the connection's waits still go to an ended view")
	}
	want := "Waiting 3s: the request budget of --rate-limit is spent\n"
	if errOut.String() != want {
		t.Errorf("stderr = %q, want %q", errOut.String(), want)
	}
	conn.onWait(wait)
	if got := strings.Count(errOut.String(), "Waiting 3s"); got != 2 {
		t.Errorf("after the reads, a wait printed %d lines in all, want 2", got)
	}
	if out.Len() != 0 {
		t.Errorf("stdout = %q, want nothing", out.String())
	}
}

// TestShowWaitsNests: a view set inside another's lifetime hands the waits
// back to the outer one when it ends, and swapping views while the client's
// goroutines report waits is safe (run with -race).
func TestShowWaitsNests(t *testing.T) {
	ios, _, _, errOut := Test()
	conn := &Connection{errOut: ios.ErrOut}
	var outer, inner []cloudflare.WaitEvent
	var mu sync.Mutex
	restoreOuter := conn.ShowWaits(func(ev cloudflare.WaitEvent) { mu.Lock(); outer = append(outer, ev); mu.Unlock() })
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 100 {
			conn.onWait(cloudflare.WaitEvent{Reason: cloudflare.WaitBudget, Duration: time.Second})
		}
	}()
	restoreInner := conn.ShowWaits(func(ev cloudflare.WaitEvent) { mu.Lock(); inner = append(inner, ev); mu.Unlock() })
	restoreInner()
	<-done
	conn.onWait(cloudflare.WaitEvent{Reason: cloudflare.WaitBudget, Duration: 2 * time.Second})
	restoreOuter()
	mu.Lock()
	defer mu.Unlock()
	if len(outer)+len(inner) != 101 {
		t.Errorf("views saw %d waits, want 101", len(outer)+len(inner))
	}
	if last := outer[len(outer)-1]; last.Duration != 2*time.Second {
		t.Errorf("the wait after the inner view ended went elsewhere (outer's last: %v)", last.Duration)
	}
	if errOut.Len() != 0 {
		t.Errorf("stderr = %q while a view was set, want nothing", errOut.String())
	}
}
