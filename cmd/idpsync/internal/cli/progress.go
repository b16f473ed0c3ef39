package cli

import "github.com/idpsync/idpsync/plan/render/progress"

// ReadProgress shows on stderr the reads of a command that reads the live
// state before it prints (plan, drift): redrawn in place on a terminal, a
// status line every few seconds in a log, and nothing for a quick read. The
// API client's waits on conn are shown by it while it lasts. end sums the
// reads up (when they were long), and must be called before the command
// prints.
func (f *Factory) ReadProgress(conn *Connection) (v *progress.View, end func()) {
	mode := progress.Lines
	if f.IO.ErrTTY {
		mode = progress.Live
	}
	v = progress.New(progress.Options{Mode: mode, Out: f.IO.ErrOut, Color: f.IO.ErrTTY && f.IO.Color, Width: f.IO.Width})
	stop := v.Run()
	restore := conn.ShowWaits(v.Wait)
	ended := false
	return v, func() {
		if ended {
			return
		}
		ended = true
		stop()
		v.EndReads()
		v.Close()
		restore()
	}
}
