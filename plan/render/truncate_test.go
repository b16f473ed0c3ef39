package render

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/idpsync/idpsync/internal/golden"
)

func TestTruncateMarkdownGolden(t *testing.T) {
	const notice = "The full plan is in the [job summary](https://ci.example/run/1)."
	tests := []struct {
		name     string
		render   func(*bytes.Buffer) error
		maxBytes int
	}{
		{"drift.md_900", func(b *bytes.Buffer) error { return DriftMarkdown(b, fullDrift()) }, 900},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.render(&buf); err != nil {
				t.Fatal(err)
			}
			got, err := TruncateMarkdown(buf.Bytes(), tt.maxBytes, notice)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) > tt.maxBytes {
				t.Errorf("%d bytes, limit %d", len(got), tt.maxBytes)
			}
			golden.Check(t, goldenPath("truncated_"+tt.name), got)
		})
	}
}

// Every limit, from too small to large enough, gives a view within the limit
// whose fences and <details> are all closed, that says it is truncated and
// ends with the verdict; or, below the smallest, an error.
func TestTruncateMarkdownNeverCutsABlock(t *testing.T) {
	for _, p := range []struct {
		name string
		md   []byte
	}{
		{"drift", mustRender(t, func(b *bytes.Buffer) error { return DriftMarkdown(b, fullDrift()) })},
	} {
		lines := strings.Split(strings.TrimRight(string(p.md), "\n"), "\n")
		verdict := lines[len(lines)-1]
		fitted := 0
		for limit := 1; limit <= len(p.md)+10; limit++ {
			got, err := TruncateMarkdown(p.md, limit, "See the job summary.")
			if err != nil {
				if fitted > 0 {
					t.Fatalf("%s: limit %d failed after smaller limits fitted: %v", p.name, limit, err)
				}
				continue
			}
			fitted++
			if len(got) > limit {
				t.Fatalf("%s: %d bytes for limit %d", p.name, len(got), limit)
			}
			if limit >= len(p.md) {
				if !bytes.Equal(got, p.md) {
					t.Fatalf("%s: a view that fits was changed", p.name)
				}
				continue
			}
			s := string(got)
			if !strings.HasSuffix(s, "\n"+verdict+"\n") || !strings.Contains(s, "This view is truncated") || !strings.Contains(s, "See the job summary.") {
				t.Fatalf("%s: limit %d: no notice or verdict:\n%s", p.name, limit, s)
			}
			if !strings.HasPrefix(string(p.md), s[:strings.Index(s, "> [!NOTE]\n> This view is truncated")]) {
				t.Fatalf("%s: limit %d: the kept part is not a prefix of the view", p.name, limit)
			}
			if n := strings.Count(s, "<details>"); n != strings.Count(s, "</details>") {
				t.Fatalf("%s: limit %d: %d <details> but %d closed:\n%s", p.name, limit, n, strings.Count(s, "</details>"), s)
			}
			if pts := cutPoints(got); len(pts) == 0 {
				t.Fatal("no cut points")
			}
			if fenceOpen(s) {
				t.Fatalf("%s: limit %d: a code fence is left open:\n%s", p.name, limit, s)
			}
		}
		if fitted == 0 {
			t.Fatalf("%s: no limit fitted", p.name)
		}
	}
}

func TestTruncateMarkdownTooSmall(t *testing.T) {
	md := mustRender(t, func(b *bytes.Buffer) error { return DriftMarkdown(b, fullDrift()) })
	if _, err := TruncateMarkdown(md, 50, "x"); err == nil || !strings.Contains(err.Error(), "cannot be truncated to 50 bytes") {
		t.Fatalf("got %v", err)
	}
	// The notice is one line of the alert, whatever it holds.
	got, err := TruncateMarkdown(md, 400, "line one\nline two\x1b[31m")
	if err != nil {
		t.Fatal(err)
	}
	want := "> This view is truncated: " + strconv.Itoa(len(md)) + " bytes do not fit in 400. line one line two"
	if !strings.Contains(string(got), want) || strings.Contains(string(got), "\x1b") {
		t.Fatalf("notice not on one clean line:\n%s", got)
	}
}

func mustRender(t *testing.T, f func(*bytes.Buffer) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := f(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fenceOpen reports whether a ``` fence is still open at the end of s.
func fenceOpen(s string) bool {
	fence := 0
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		n := longestRun(l, '`')
		switch {
		case fence > 0 && n >= fence && n == len(l):
			fence = 0
		case fence == 0 && strings.HasPrefix(l, "```"):
			fence = n
		}
	}
	return fence > 0
}
