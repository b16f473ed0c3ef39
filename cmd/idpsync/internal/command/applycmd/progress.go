package applycmd

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/idpsync/idpsync/apply"
	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/internal/sanitize"
	"github.com/idpsync/idpsync/plan/render"
)

// progressMode is how apply shows its progress.
type progressMode int

const (
	modeLines progressMode = iota // one plain line per finished action (CI, pipes)
	modeLive                      // a live view of the actions in flight (a terminal)
	modeJSON                      // one JSON object per event (--output json)
)

// progress shows the executor's events: a live view of the actions in flight
// on a terminal, one plain line per finished action in CI, or one JSON object
// per event with --output json.
type progress struct {
	mu     sync.Mutex
	out    io.Writer
	mode   progressMode
	color  bool
	active map[string]time.Time
	drawn  int // lines of the live block currently on screen
	stop   chan struct{}
	done   chan struct{}
}

func newProgress(f *cli.Factory, output render.Format) *progress {
	p := &progress{out: f.IO.Out, mode: modeLines, color: f.IO.Color, active: map[string]time.Time{}}
	switch {
	case output == render.FormatJSON:
		p.mode = modeJSON
	case f.IO.OutTTY:
		p.mode = modeLive
		p.stop, p.done = make(chan struct{}), make(chan struct{})
		go p.tick()
	}
	if p.mode != modeJSON {
		fmt.Fprintln(p.out)
	}
	return p
}

var (
	styleDone    = lipgloss.NewStyle().Foreground(lipgloss.Color("2"))
	styleFailed  = lipgloss.NewStyle().Foreground(lipgloss.Color("1")).Bold(true)
	styleSkipped = lipgloss.NewStyle().Foreground(lipgloss.Color("3"))
	styleActive  = lipgloss.NewStyle().Faint(true)
)

func (p *progress) paint(s lipgloss.Style, text string) string {
	if !p.color {
		return text
	}
	return s.Render(text)
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

func (p *progress) event(e apply.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode == modeJSON {
		je := jsonEvent{Type: "action", Address: e.Address, Action: string(e.Action), Resource: string(e.Resource),
			State: string(e.Kind), ElapsedMS: float64(e.Elapsed.Microseconds()) / 1000, Cause: e.Cause}
		if e.Err != nil {
			je.Error = e.Err.Error()
		}
		b, _ := json.Marshal(je)
		fmt.Fprintf(p.out, "%s\n", sanitize.JSON(b))
		return
	}
	if e.Kind == apply.EventStart {
		p.active[e.Address] = time.Now()
		if p.mode == modeLive {
			p.redraw()
		}
		return
	}
	delete(p.active, e.Address)
	p.clear()
	fmt.Fprintln(p.out, p.line(e))
	if p.mode == modeLive {
		p.redraw()
	}
}

func (p *progress) line(e apply.Event) string {
	took := fmt.Sprintf("(%s)", e.Elapsed.Round(time.Millisecond))
	// Addresses of live objects carry the server's names, and errors its
	// messages: neither may steer the terminal or the CI log.
	addr := render.Clean(e.Address)
	switch e.Kind {
	case apply.EventDone:
		return fmt.Sprintf("%s %s: %s %s", p.paint(styleDone, "✓"), addr, pastTense(string(e.Action)), took)
	case apply.EventFailed:
		return fmt.Sprintf("%s %s: %s failed %s: %s", p.paint(styleFailed, "✗"), addr, e.Action, took, sanitize.Text(fmt.Sprint(e.Err)))
	case apply.EventSkipped:
		return fmt.Sprintf("%s %s: skipped, because %s failed", p.paint(styleSkipped, "-"), addr, render.Clean(e.Cause))
	}
	return fmt.Sprintf("  %s: %s", addr, e.Kind)
}

func pastTense(kind string) string {
	switch kind {
	case "create":
		return "created"
	case "update":
		return "updated"
	case "delete":
		return "deleted"
	case "replace":
		return "replaced"
	case "rotate":
		return "rotated"
	}
	return kind
}

// clear erases the live block so a finished line can be printed above it.
func (p *progress) clear() {
	if p.mode != modeLive || p.drawn == 0 {
		return
	}
	fmt.Fprintf(p.out, "\x1b[%dA\x1b[J", p.drawn)
	p.drawn = 0
}

func (p *progress) redraw() {
	p.clear()
	addrs := make([]string, 0, len(p.active))
	for a := range p.active {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	var b strings.Builder
	for _, a := range addrs {
		b.WriteString(p.paint(styleActive, fmt.Sprintf("… %s (%s)", render.Clean(a), time.Since(p.active[a]).Round(100*time.Millisecond))))
		b.WriteByte('\n')
	}
	fmt.Fprint(p.out, b.String())
	p.drawn = len(addrs)
}

func (p *progress) tick() {
	defer close(p.done)
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			p.redraw()
			p.mu.Unlock()
		}
	}
}

func (p *progress) close() {
	if p.stop != nil {
		close(p.stop)
		<-p.done
	}
	p.mu.Lock()
	p.clear()
	p.mu.Unlock()
}
