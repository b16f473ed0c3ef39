package progress

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"charm.land/lipgloss/v2"

	"github.com/idpsync/idpsync/apply"
	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/internal/sanitize"
	"github.com/idpsync/idpsync/plan"
)

// Mode is how a View shows progress.
type Mode int

const (
	// Lines is for a log (CI, a pipe): the lines that matter, a status line
	// at most every Interval, and a summary of each stage.
	Lines Mode = iota
	// Live is for a terminal: the same lines, with a few lines under them
	// redrawn in place (what is in flight, the wait, the overall progress).
	Live
	// JSON writes one JSON object per action event, and the waits as lines
	// to Options.Err; no status, no summary.
	JSON
)

// DefaultInterval is the least time between two status lines in a log: a
// long run says where it is without flooding the log.
const DefaultInterval = 5 * time.Second

// quietEvery stretches the interval between status lines while nothing
// moves.
const quietEvery = 6

// liveRows bounds the actions in flight listed on a terminal.
const liveRows = 6

// Options shape a View.
type Options struct {
	Mode Mode
	// Out receives the view. Err receives the waits in JSON mode, so that
	// Out stays one JSON object per line; nil means Out.
	Out, Err io.Writer
	// Color styles the lines (Live and Lines).
	Color bool
	// Verbose writes a line for each action that changes nothing too.
	Verbose bool
	// Now is the clock of elapsed times, estimates and the status interval;
	// nil means time.Now.
	Now func() time.Time
	// Interval is the least time between two status lines in Lines mode,
	// and how long a stage lasts before it is summed up; 0 means
	// DefaultInterval.
	Interval time.Duration
	// Width bounds the redrawn lines of Live mode, which must not wrap;
	// 0 means 100.
	Width int
}

type stage int

const (
	idle stage = iota
	reading
	applying
)

// View shows the progress of reads, actions and waits. Its methods may be
// called from several goroutines; none blocks on anything but its writer.
type View struct {
	mu sync.Mutex
	o  Options

	stage      stage
	started    time.Time // of the stage
	lastStatus time.Time // Lines: the last status line, or the stage's start
	lastDone   int       // Lines: what was done at the last status line
	drawn      int       // Live: lines of the redrawn block on screen

	// reading
	readTotal, readDone int

	// applying
	total                 int // actions that change something
	done, failed, skipped int
	unchanged             int
	active                map[string]time.Time
	order                 []string // active addresses, in the order they started

	// waits (of the stage, or of the run when idle): the latest, from
	// waitFrom until until; how many were announced; and the time the
	// stage spent in the waits before the latest.
	wait      cloudflare.WaitEvent
	waitFrom  time.Time
	until     time.Time
	waits     int
	waitSpent time.Duration

	lastPending string // the last line of Pending
}

// New returns a view writing to o.Out.
func New(o Options) *View {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Width <= 0 {
		o.Width = 100
	}
	if o.Err == nil {
		o.Err = o.Out
	}
	return &View{o: o, active: map[string]time.Time{}}
}

// TickEvery is how often Tick should be called: often enough on a terminal
// for the clock to move smoothly, and in a log to keep to the interval.
func (v *View) TickEvery() time.Duration {
	switch v.o.Mode {
	case Live:
		return 200 * time.Millisecond
	case Lines:
		return time.Second
	}
	return 0
}

// Reading says a read of n more accounts begins; a stage of reads starts
// with the first. (engine.ReadProgress) Reads and starts are shown at the
// next Tick: redrawing for each would only make the terminal flicker.
func (v *View) Reading(n int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.stage != reading {
		v.begin(reading)
		v.readTotal, v.readDone = 0, 0
	}
	v.readTotal += n
}

// Read says one account was read. (engine.ReadProgress)
func (v *View) Read(string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.stage != reading {
		return
	}
	v.readDone++
}

// EndReads ends the stage of reads. A stage that lasted Interval or more is
// summed up in one line; a quick one leaves nothing behind.
func (v *View) EndReads() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.stage != reading {
		return
	}
	v.clear()
	if took := v.o.Now().Sub(v.started); took >= v.o.Interval && v.o.Mode != JSON {
		line := fmt.Sprintf("Read the live state of %d %s in %s", v.readDone, plural(v.readDone, "account", "accounts"), roundDuration(took))
		fmt.Fprintln(v.o.Out, line+v.waitedSuffix()+".")
	}
	v.stage = idle
	v.resetWaits(v.o.Now())
}

// Apply begins the stage of actions of p.
func (v *View) Apply(p *plan.Plan) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.stage == reading {
		v.clear()
	}
	v.begin(applying)
	v.total, v.done, v.failed, v.skipped, v.unchanged = 0, 0, 0, 0, 0
	for _, a := range p.Actions {
		if a.Action != plan.NoOp {
			v.total++
		}
	}
	if v.o.Mode != JSON {
		fmt.Fprintln(v.o.Out)
	}
}

// Action shows one event of the executor (apply.Options.OnEvent).
func (v *View) Action(e apply.Event) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.o.Mode == JSON {
		writeJSON(v.o.Out, e)
		return
	}
	if e.Kind == apply.EventStart {
		v.active[e.Address] = v.o.Now()
		v.order = append(v.order, e.Address)
		return
	}
	if _, ok := v.active[e.Address]; ok {
		delete(v.active, e.Address)
		v.order = slices.DeleteFunc(v.order, func(a string) bool { return a == e.Address })
	}
	noop := e.Action == plan.NoOp
	switch {
	case noop:
		v.unchanged++
	case e.Kind == apply.EventDone:
		v.done++
	case e.Kind == apply.EventFailed:
		v.failed++
	case e.Kind == apply.EventSkipped:
		v.skipped++
	}
	// An action that changes nothing is no news, unless it failed or was
	// skipped (it would not be: it makes no call), or --verbose asks.
	if noop && e.Kind == apply.EventDone && !v.o.Verbose {
		v.status()
		return
	}
	v.clear()
	fmt.Fprintln(v.o.Out, v.actionLine(e))
	v.status()
	v.redraw()
}

// Wait shows a wait of the API client (cloudflare.Options.OnWait): as a line
// in a log, and on a terminal also under the progress for as long as it
// lasts.
func (v *View) Wait(ev cloudflare.WaitEvent) {
	v.mu.Lock()
	defer v.mu.Unlock()
	now := v.o.Now()
	v.waitSpent = v.spentWaiting(now)
	v.wait, v.waitFrom = ev, now
	v.until = ev.Until
	if v.until.IsZero() {
		v.until = now.Add(ev.Duration)
	}
	v.waits++
	if v.o.Mode == JSON {
		fmt.Fprintln(v.o.Err, WaitLine(ev))
		return
	}
	v.clear()
	fmt.Fprintln(v.o.Out, v.paint(styleWait, WaitLine(ev)))
	v.redraw()
}

// Tick redraws the terminal view, or writes a status line to the log when
// Interval has passed since the last one (or since the stage began).
func (v *View) Tick() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.status()
	v.redraw()
}

// Done ends the stage of actions: the redrawn lines go, and one line sums up
// what was done, in how long, how much was unchanged and how long the API
// made the run wait.
func (v *View) Done() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.stage != applying {
		return
	}
	v.clear()
	v.stage = idle
	if v.o.Mode == JSON {
		v.resetWaits(v.o.Now())
		return
	}
	took := v.o.Now().Sub(v.started)
	var b strings.Builder
	fmt.Fprintf(&b, "Finished %d of %d %s in %s", v.done, v.total, plural(v.total, "change", "changes"), roundDuration(took))
	if v.failed > 0 {
		fmt.Fprintf(&b, ", %d failed", v.failed)
	}
	if v.skipped > 0 {
		fmt.Fprintf(&b, ", %d skipped", v.skipped)
	}
	if v.unchanged > 0 {
		fmt.Fprintf(&b, "; %d unchanged", v.unchanged)
		if !v.o.Verbose {
			b.WriteString(" (--verbose lists them)")
		}
	}
	fmt.Fprintln(v.o.Out, b.String()+v.waitedSuffix()+".")
	v.resetWaits(v.o.Now())
}

// Close removes the redrawn lines, whatever stage was left unfinished (an
// error ends a run anywhere).
func (v *View) Close() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.clear()
	v.stage = idle
}

func (v *View) begin(s stage) {
	v.stage = s
	v.started = v.o.Now()
	v.lastStatus, v.lastDone = v.started, 0
	v.resetWaits(v.started)
	clear(v.active)
	v.order = v.order[:0]
}

// resetWaits starts counting the waits of a new stage; a wait still under
// way goes on in it.
func (v *View) resetWaits(now time.Time) {
	v.waits, v.waitSpent = 0, 0
	if v.until.After(now) {
		v.waitFrom = now
	} else {
		v.until = time.Time{}
	}
}

// spentWaiting is how much of the stage, up to now, went on waits.
func (v *View) spentWaiting(now time.Time) time.Duration {
	if v.until.IsZero() {
		return v.waitSpent
	}
	end := v.until
	if now.Before(end) {
		end = now
	}
	return v.waitSpent + max(0, end.Sub(v.waitFrom))
}

// left estimates the time the stage has left: the pace of the work so far
// (the waits taken out, as they do not scale with what is left), plus
// what remains of a wait under way.
func (v *View) left(now time.Time, done, total int) (time.Duration, bool) {
	work := now.Sub(v.started) - v.spentWaiting(now)
	left, ok := estimate(work, done, total)
	if !ok {
		return 0, false
	}
	if w := v.until.Sub(now); w > 0 {
		left += w.Round(time.Second)
	}
	return left, true
}

// progressed is how many items of the stage are finished.
func (v *View) progressed() int {
	if v.stage == reading {
		return v.readDone
	}
	return v.done + v.failed + v.skipped + v.unchanged
}

// waitedSuffix is "; waited 4m40s for the API (12 times)" or "".
func (v *View) waitedSuffix() string {
	if v.waits == 0 {
		return ""
	}
	// The time spent, not the waits announced: one that goes on past the
	// stage is counted in the next.
	return fmt.Sprintf("; waited %s for the API (%d %s)", roundDuration(v.spentWaiting(v.o.Now())), v.waits, plural(v.waits, "time", "times"))
}

// status writes the status line to a log when it is due.
func (v *View) status() {
	if v.o.Mode != Lines || v.stage == idle {
		return
	}
	now := v.o.Now()
	// While nothing moves (a long wait), a line every Interval would say
	// the same thing again and again: after the first, one every
	// quietEvery intervals shows the run is alive.
	every := v.o.Interval
	if v.lastStatus.After(v.started) && v.progressed() == v.lastDone {
		every *= quietEvery
	}
	if now.Sub(v.lastStatus) < every {
		return
	}
	v.lastStatus, v.lastDone = now, v.progressed()
	fmt.Fprintln(v.o.Out, v.statusLine(now))
}

// statusLine is the one line of where a stage is:
//
//	Applying: 120/200 changes, 8 in flight, 2m10s elapsed, about 1m30s left; waiting 38s more for the request budget (--rate-limit)
func (v *View) statusLine(now time.Time) string {
	var b strings.Builder
	elapsed := now.Sub(v.started)
	var done, total int
	switch v.stage {
	case reading:
		done, total = v.readDone, v.readTotal
		fmt.Fprintf(&b, "Reading the live state: %d/%d %s", done, total, plural(total, "account", "accounts"))
	case applying:
		done, total = v.done+v.failed+v.skipped, v.total
		fmt.Fprintf(&b, "Applying: %d/%d %s", done, total, plural(total, "change", "changes"))
		if v.failed > 0 {
			fmt.Fprintf(&b, ", %d failed", v.failed)
		}
		if v.skipped > 0 {
			fmt.Fprintf(&b, ", %d skipped", v.skipped)
		}
		if n := len(v.active); n > 0 {
			fmt.Fprintf(&b, ", %d in flight", n)
		}
	}
	fmt.Fprintf(&b, ", %s elapsed", roundDuration(elapsed))
	if left, ok := v.left(now, done, total); ok {
		fmt.Fprintf(&b, ", about %s left", left)
	}
	if left := v.until.Sub(now); left > 0 {
		fmt.Fprintf(&b, "; waiting %s more for %s", roundDuration(left), waitingFor(v.wait.Reason))
	}
	return b.String()
}

// estimate is the time left at the pace so far, in whole seconds (it is
// no more precise than that); none before the first finished item or after
// the last.
func estimate(elapsed time.Duration, done, total int) (time.Duration, bool) {
	if done <= 0 || done >= total {
		return 0, false
	}
	left := time.Duration(float64(elapsed) / float64(done) * float64(total-done))
	return max(time.Second, left.Round(time.Second)), true
}

// redraw draws the terminal's block again: the actions in flight, the wait,
// and a bar of the overall progress.
func (v *View) redraw() {
	if v.o.Mode != Live {
		return
	}
	v.clear()
	if v.stage == idle {
		return
	}
	now := v.o.Now()
	var lines []string
	if v.stage == applying {
		for i, a := range v.order {
			if i == liveRows {
				lines = append(lines, fmt.Sprintf("… and %d more in flight", len(v.order)-liveRows))
				break
			}
			lines = append(lines, fmt.Sprintf("… %s (%s)", sanitize.Visible(a), roundDuration(now.Sub(v.active[a]))))
		}
	}
	if left := v.until.Sub(now); left > 0 {
		lines = append(lines, fmt.Sprintf("Waiting for %s: %s more, until %s", waitingFor(v.wait.Reason), roundDuration(left), v.until.UTC().Format("15:04:05 UTC")))
	}
	lines = append(lines, v.barLine(now))
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(v.paint(styleActive, truncate(l, v.o.Width)))
		b.WriteByte('\n')
	}
	fmt.Fprint(v.o.Out, b.String())
	v.drawn = len(lines)
}

// barLine is "[#####.....] 120/200 changes · 2m10s · about 1m30s left".
func (v *View) barLine(now time.Time) string {
	var done, total int
	what := "changes"
	if v.stage == reading {
		done, total, what = v.readDone, v.readTotal, "accounts"
	} else {
		done, total = v.done+v.failed+v.skipped, v.total
	}
	const width = 20
	filled := 0
	if total > 0 {
		filled = min(width, done*width/total)
	}
	elapsed := now.Sub(v.started)
	line := fmt.Sprintf("[%s%s] %d/%d %s · %s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total, what, roundDuration(elapsed))
	if left, ok := v.left(now, done, total); ok {
		line += fmt.Sprintf(" · about %s left", left)
	}
	return line
}

// clear erases the redrawn block so that a line can be written above it.
func (v *View) clear() {
	if v.o.Mode != Live || v.drawn == 0 {
		return
	}
	fmt.Fprintf(v.o.Out, "\x1b[%dA\x1b[J", v.drawn)
	v.drawn = 0
}

var (
	styleDone    = lipgloss.NewStyle().Foreground(lipgloss.Color("2"))
	styleFailed  = lipgloss.NewStyle().Foreground(lipgloss.Color("1")).Bold(true)
	styleSkipped = lipgloss.NewStyle().Foreground(lipgloss.Color("3"))
	styleWait    = lipgloss.NewStyle().Foreground(lipgloss.Color("3"))
	styleActive  = lipgloss.NewStyle().Faint(true)
)

func (v *View) paint(s lipgloss.Style, text string) string {
	if !v.o.Color {
		return text
	}
	return s.Render(text)
}

// actionLine is the line of a finished action.
func (v *View) actionLine(e apply.Event) string {
	took := fmt.Sprintf("(%s)", e.Elapsed.Round(time.Millisecond))
	// Addresses of live objects carry the server's names, and errors its
	// messages: neither may steer the terminal or the CI log.
	addr := sanitize.Visible(e.Address)
	switch e.Kind {
	case apply.EventDone:
		if e.Action == plan.NoOp {
			return fmt.Sprintf("%s %s: unchanged", v.paint(styleDone, "✓"), addr)
		}
		return fmt.Sprintf("%s %s: %s %s", v.paint(styleDone, "✓"), addr, pastTense(e.Action), took)
	case apply.EventFailed:
		return fmt.Sprintf("%s %s: %s failed %s: %s", v.paint(styleFailed, "✗"), addr, e.Action, took, sanitize.Text(fmt.Sprint(e.Err)))
	case apply.EventSkipped:
		return fmt.Sprintf("%s %s: skipped, because %s failed", v.paint(styleSkipped, "-"), addr, sanitize.Visible(e.Cause))
	}
	return fmt.Sprintf("  %s: %s", addr, sanitize.Text(string(e.Kind)))
}

func pastTense(k plan.Kind) string {
	switch k {
	case plan.Create:
		return "created"
	case plan.Update:
		return "updated"
	case plan.Delete:
		return "deleted"
	case plan.Replace:
		return "replaced"
	case plan.Rotate:
		return "rotated"
	}
	return string(k)
}

// jsonEvent is the stable shape of --output json progress lines.
type jsonEvent struct {
	Type      string  `json:"type"`
	Address   string  `json:"address"`
	Action    string  `json:"action"`
	Resource  string  `json:"resource"`
	State     string  `json:"state"`
	ElapsedMS float64 `json:"elapsed_ms,omitempty"`
	Error     string  `json:"error,omitempty"`
	Cause     string  `json:"cause,omitempty"`
}

func writeJSON(w io.Writer, e apply.Event) {
	je := jsonEvent{Type: "action", Address: e.Address, Action: string(e.Action), Resource: string(e.Resource),
		State: string(e.Kind), ElapsedMS: float64(e.Elapsed.Microseconds()) / 1000, Cause: e.Cause}
	if e.Err != nil {
		je.Error = e.Err.Error()
	}
	b, _ := json.Marshal(je)
	fmt.Fprintf(w, "%s\n", sanitize.JSON(b))
}

// roundDuration rounds to what a person reads: tenths under ten seconds,
// whole seconds above.
func roundDuration(d time.Duration) time.Duration {
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}

// truncate cuts s to width runes, so that a redrawn line never wraps.
func truncate(s string, width int) string {
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	r := []rune(s)
	return string(r[:width-1]) + "…"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Run calls Tick every TickEvery until the returned stop is called; a JSON
// view needs no ticks. The clock of what is shown stays Options.Now: the
// ticker only says when to look at it.
func (v *View) Run() (stop func()) {
	every := v.TickEvery()
	if every <= 0 {
		return func() {}
	}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				v.Tick()
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(quit)
			<-done
		})
	}
}
