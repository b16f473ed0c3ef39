package render

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// TruncateMarkdown shortens Markdown made by Markdown or DriftMarkdown to at
// most maxBytes, for a place with a size limit such as a pull-request comment
// (GitHub's hold 65,536 characters). It cuts only between top-level blocks,
// never inside a fenced diff or a <details> element, so what is shown still
// renders as written; it says that the view is truncated, how much is
// shown, and where the rest is (notice, written by the CI recipe, e.g. a link to
// the job summary), and it keeps the last line, the plan's verdict.
// maxBytes <= 0, or a view that fits, returns md unchanged.
func TruncateMarkdown(md []byte, maxBytes int, notice string) ([]byte, error) {
	if maxBytes <= 0 || len(md) <= maxBytes {
		return md, nil
	}
	body := bytes.TrimRight(md, "\n")
	verdict := body
	if i := bytes.LastIndexByte(body, '\n'); i >= 0 {
		verdict = body[i+1:]
	}
	msg := "> [!NOTE]\n> This view is truncated: " + strconv.Itoa(len(md)) + " bytes do not fit in " + strconv.Itoa(maxBytes) + "."
	if n := strings.TrimSpace(lineBreaks.Replace(notice)); n != "" {
		msg += " " + clean(n)
	}
	tail := msg + "\n\n" + string(verdict) + "\n"
	cut := -1
	for _, c := range cutPoints(md) {
		if c+len(tail) > maxBytes {
			break
		}
		cut = c
	}
	if cut < 0 {
		return nil, errors.New("the view cannot be truncated to " + strconv.Itoa(maxBytes) + " bytes: its notice and verdict alone need " + strconv.Itoa(len(tail)))
	}
	out := make([]byte, 0, cut+len(tail))
	out = append(out, md[:cut]...)
	out = append(out, tail...)
	if len(out) > maxBytes {
		// cutPoints returns only offsets below len(md); unreachable.
		return nil, fmt.Errorf("truncating to %d bytes: internal error", maxBytes)
	}
	return out, nil
}

// cutPoints returns, in increasing order, the offsets where a block starts at
// the top level: after a blank line, outside any code fence and any
// <details> element. Offset 0 (nothing kept but the notice) is always one.
func cutPoints(md []byte) []int {
	points := []int{0}
	fence, details := 0, 0
	prevBlank := false
	for off := 0; off < len(md); {
		end := bytes.IndexByte(md[off:], '\n')
		next := len(md)
		if end >= 0 {
			next = off + end + 1
		}
		line := strings.TrimSpace(string(md[off:next]))
		if prevBlank && fence == 0 && details == 0 && line != "" && off > 0 {
			points = append(points, off)
		}
		switch {
		case fence > 0:
			if n := longestRun(line, '`'); n >= fence && n == len(line) {
				fence = 0
			}
		case strings.HasPrefix(line, "```"):
			fence = longestRun(line, '`')
		case strings.HasPrefix(line, "<details"):
			details++
		case strings.HasPrefix(line, "</details>"):
			details = max(0, details-1)
		}
		prevBlank = line == ""
		off = next
	}
	return points
}
