package cli

import (
	"strings"
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
	wait := cloudflare.WaitEvent{Reason: cloudflare.WaitBudget, Duration: 3 * time.Second}
	v, end := f.ReadProgress()
	if f.OnWait == nil {
		t.Fatal("the client's waits do not go to the progress view")
	}
	v.Reading(2)
	f.onWait(wait)
	v.Read("a")
	v.Read("b")
	end()
	end() // a deferred end after the explicit one does nothing
	if f.OnWait != nil {
		t.Error("OnWait still points at an ended view")
	}
	want := "Waiting 3s: the request budget of --rate-limit is spent\n"
	if errOut.String() != want {
		t.Errorf("stderr = %q, want %q", errOut.String(), want)
	}
	f.onWait(wait)
	if got := strings.Count(errOut.String(), "Waiting 3s"); got != 2 {
		t.Errorf("after the reads, a wait printed %d lines in all, want 2", got)
	}
	if out.Len() != 0 {
		t.Errorf("stdout = %q, want nothing", out.String())
	}
}
