package render

import (
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// diffContext is how many unchanged lines are kept around each change.
const diffContext = 2

// diffLine is one line of a line diff: op is '-', '+' or ' ', or '@' for a run
// of skip unchanged lines left out.
type diffLine struct {
	op   byte
	text string
	skip int
}

// lineDiff compares two multi-line values line by line, keeping diffContext
// unchanged lines around each change.
func lineDiff(before, after string) []diffLine {
	// A missing final newline should not make the last line differ.
	if before != "" && !strings.HasSuffix(before, "\n") {
		before += "\n"
	}
	if after != "" && !strings.HasSuffix(after, "\n") {
		after += "\n"
	}
	dmp := diffmatchpatch.New()
	c1, c2, lines := dmp.DiffLinesToChars(before, after)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(c1, c2, false), lines)

	var all []diffLine
	for _, d := range diffs {
		op := byte(' ')
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			op = '-'
		case diffmatchpatch.DiffInsert:
			op = '+'
		}
		text := strings.TrimSuffix(d.Text, "\n")
		for _, l := range strings.Split(text, "\n") {
			all = append(all, diffLine{op: op, text: l})
		}
	}

	// Keep the changed lines and their context; fold each other run.
	keep := make([]bool, len(all))
	for i, l := range all {
		if l.op == ' ' {
			continue
		}
		for j := max(0, i-diffContext); j <= min(len(all)-1, i+diffContext); j++ {
			keep[j] = true
		}
	}
	out := make([]diffLine, 0, len(all))
	for i := 0; i < len(all); {
		if keep[i] {
			out = append(out, all[i])
			i++
			continue
		}
		j := i
		for j < len(all) && !keep[j] {
			j++
		}
		// Folding a single line would take as much room as showing it.
		if j-i == 1 {
			out = append(out, all[i])
			i = j
			continue
		}
		out = append(out, diffLine{op: '@', skip: j - i})
		i = j
	}
	return out
}
