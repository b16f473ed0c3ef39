package state

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/idpsync/idpsync/internal/sanitize"
)

// Severity says whether a diagnostic stops the desired state from being used.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Diagnostic is one problem found in the desired state, at the position where
// it was written. Message and Hint never hold a secret value.
type Diagnostic struct {
	Pos      Pos      `json:"pos"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	Hint     string   `json:"hint,omitempty"`
}

// String renders the diagnostic the way compilers do, so that editors and CI
// annotators can jump to it: "file:line:col: error: message (hint)". The line
// starts with a file name, which a checkout controls, and may quote what a
// file or a server said: it is sanitised, so that no name can turn it into
// a CI command or steer a terminal.
func (d Diagnostic) String() string { return sanitize.Lines(d.raw()) }

func (d Diagnostic) raw() string {
	var b strings.Builder
	b.WriteString(d.Pos.String())
	b.WriteString(": ")
	b.WriteString(string(d.Severity))
	b.WriteString(": ")
	b.WriteString(d.Message)
	if d.Hint != "" {
		b.WriteString(" (")
		b.WriteString(d.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// Diagnostics are the problems found by Load, sorted by file, line and column.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	return slices.ContainsFunc(ds, func(d Diagnostic) bool { return d.Severity == SeverityError })
}

// Errors returns the error diagnostics.
func (ds Diagnostics) Errors() Diagnostics { return ds.only(SeverityError) }

// Warnings returns the warning diagnostics.
func (ds Diagnostics) Warnings() Diagnostics { return ds.only(SeverityWarning) }

func (ds Diagnostics) only(s Severity) Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == s {
			out = append(out, d)
		}
	}
	return out
}

func comparePos(a, b Pos) int {
	return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
}

// sortDedupe orders diagnostics by position and drops exact repeats, which
// arise when an aliased node is reached along several paths.
func (ds Diagnostics) sortDedupe() Diagnostics {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(comparePos(a.Pos, b.Pos), cmp.Compare(a.Severity, b.Severity), cmp.Compare(a.Message, b.Message))
	})
	return slices.CompactFunc(ds, func(a, b Diagnostic) bool { return a == b })
}

// diagnoser collects diagnostics for one load.
type diagnoser struct {
	diags Diagnostics
}

func (d *diagnoser) errorf(pos Pos, hint, format string, args ...any) {
	d.diags = append(d.diags, Diagnostic{Pos: pos, Severity: SeverityError, Message: fmt.Sprintf(format, args...), Hint: hint})
}

func (d *diagnoser) warnf(pos Pos, hint, format string, args ...any) {
	d.diags = append(d.diags, Diagnostic{Pos: pos, Severity: SeverityWarning, Message: fmt.Sprintf(format, args...), Hint: hint})
}

// didYouMean suggests the closest candidate to a misspelt word, or "" when no
// candidate is close enough to be a plausible typo.
func didYouMean(word string, candidates []string) string {
	if best := closest(word, candidates); best != "" {
		return fmt.Sprintf("did you mean `%s`?", best)
	}
	return ""
}

// closest is the candidate nearest to word by edit distance, or "" when none
// is near enough to be a plausible typo.
func closest(word string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := editDistance(strings.ToLower(word), strings.ToLower(c))
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	// A third of the word, at least two edits: close enough to be a slip,
	// far enough not to suggest unrelated keys.
	limit := max(2, len(word)/3)
	if bestDist < 0 || bestDist > limit {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	if len(a) > 256 || len(b) > 256 {
		// Not a typo of any key; avoid quadratic work on hostile input.
		return max(len(a), len(b))
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// keyHint is the hint for an unknown key: a did-you-mean when one is close,
// else the list of keys allowed there.
func keyHint(key string, allowed []string) string {
	if h := didYouMean(key, allowed); h != "" {
		return h
	}
	if len(allowed) == 0 {
		return ""
	}
	return "allowed keys: " + strings.Join(allowed, ", ")
}
