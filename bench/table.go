package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
)

// unit says how a figure is printed.
type unit int

const (
	unitCount   unit = iota // requests, objects, runs
	unitSeconds             // wall or CPU time, in seconds
	unitMB                  // memory, in MiB
)

// boundKind says what the bound column means.
type boundKind int

const (
	// boundFloor: the bound is the least the figure can be; ratio = median / bound.
	boundFloor boundKind = iota
	// boundGoal: every run must hit the bound exactly (zero duplicates, all runs converged).
	boundGoal
	// boundReference: the bound is a yardstick, not a floor; ratio = median / bound.
	boundReference
	// boundNone: no meaningful bound.
	boundNone
)

// Row is one figure of the table: a metric measured over several runs.
type Row struct {
	Scenario string
	Size     string
	Metric   string
	Unit     unit
	Values   []float64
	Bound    float64
	Kind     boundKind
	// BoundNote names a reference bound, e.g. "API floor".
	BoundNote string
	// Runs overrides the runs column when Values is one total over several runs.
	Runs int
	// MaxRatio, when set, is the goal for median/bound (issue 14's goals);
	// the ratio column shows "(goal ≤ x)" and the harness fails above it.
	MaxRatio float64
	// MissedByDesign, when set, says why a goal of MaxRatio is knowingly not
	// held: the ratio column shows the goal, "missed" and this reason, and
	// the harness does not fail on it. Another row states the bound that is
	// held instead.
	MissedByDesign string
}

// RatioMet reports whether a ratio goal holds.
func (r Row) RatioMet() bool {
	return r.MaxRatio == 0 || (r.Bound > 0 && r.Median()/r.Bound <= r.MaxRatio)
}

// Enforced reports whether the harness fails when the row's goal is missed.
func (r Row) Enforced() bool { return r.MissedByDesign == "" }

func (r Row) sorted() []float64 {
	v := slices.Clone(r.Values)
	slices.Sort(v)
	return v
}

// Median is the middle value (the mean of the two middle ones for an even count).
func (r Row) Median() float64 {
	v := r.sorted()
	if len(v) == 0 {
		return math.NaN()
	}
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func (r Row) Min() float64 { return slices.Min(r.Values) }
func (r Row) Max() float64 { return slices.Max(r.Values) }

// Met reports whether a goal holds in every run.
func (r Row) Met() bool {
	for _, v := range r.Values {
		if v != r.Bound {
			return false
		}
	}
	return len(r.Values) > 0
}

func (r Row) format(v float64) string {
	switch r.Unit {
	case unitSeconds:
		switch {
		case v < 0.01:
			return fmt.Sprintf("%.2fms", v*1000)
		case v < 10:
			return fmt.Sprintf("%.3fs", v)
		default:
			return fmt.Sprintf("%.1fs", v)
		}
	case unitMB:
		return fmt.Sprintf("%.1fMiB", v)
	}
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func (r Row) boundCell() string {
	switch r.Kind {
	case boundNone:
		return "-"
	case boundGoal:
		return "goal " + r.format(r.Bound)
	case boundReference:
		return r.format(r.Bound) + " (" + r.BoundNote + ")"
	case boundFloor:
	}
	return r.format(r.Bound)
}

func (r Row) ratioCell() string {
	switch r.Kind {
	case boundNone:
		return "-"
	case boundGoal:
		if r.Met() {
			return "met"
		}
		return "MISSED"
	}
	if r.Bound == 0 {
		return "-"
	}
	q := r.Median() / r.Bound
	if q < 0.01 {
		return fmt.Sprintf("%.4f", q)
	}
	if r.MaxRatio > 0 {
		verdict := "met"
		switch {
		case r.RatioMet():
		case !r.Enforced():
			verdict = "missed, " + r.MissedByDesign
		default:
			verdict = "MISSED"
		}
		return fmt.Sprintf("%.2f (goal ≤ %.2f, %s)", q, r.MaxRatio, verdict)
	}
	return fmt.Sprintf("%.2f", q)
}

func (r Row) cells() []string {
	runs := len(r.Values)
	if r.Runs > 0 {
		runs = r.Runs
	}
	return []string{r.Scenario, r.Size, r.Metric, fmt.Sprint(runs),
		r.format(r.Median()), r.format(r.Min()), r.format(r.Max()), r.boundCell(), r.ratioCell()}
}

var header = []string{"scenario", "size", "metric", "runs", "median", "min", "max", "bound", "ratio"}

// WriteText prints the rows as an aligned plain-text table.
func WriteText(w io.Writer, rows []Row) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r.cells(), "\t"))
	}
	return tw.Flush()
}

// WriteMarkdown prints the rows as a GitHub Markdown table.
func WriteMarkdown(w io.Writer, rows []Row) error {
	var b strings.Builder
	b.WriteString("| " + strings.Join(header, " | ") + " |\n")
	b.WriteString("|" + strings.Repeat("---|", len(header)) + "\n")
	for _, r := range rows {
		cells := r.cells()
		for i, c := range cells {
			cells[i] = strings.ReplaceAll(c, "|", `\|`)
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
