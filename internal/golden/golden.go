package golden

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/sergi/go-diff/diffmatchpatch"
)

var update = flag.Bool("update", false, "rewrite the golden files instead of comparing with them")

// Check compares got with the file at path. With -update it writes got to
// path (creating its directory) and passes.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the golden file (go test -update creates it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what the test produced (go test -update rewrites it if the change is intended):\n%s",
			path, Diff(string(want), string(got)))
	}
}

// CheckJSON is Check for the indented JSON of v, ending with a newline.
func CheckJSON(t testing.TB, path string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	Check(t, path, append(got, '\n'))
}

// Diff shows want → got line by line: lines only in want start with "-",
// lines only in got with "+".
func Diff(want, got string) string {
	dmp := diffmatchpatch.New()
	w, g, lines := dmp.DiffLinesToChars(want, got)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(w, g, false), lines)
	var b bytes.Buffer
	for _, d := range diffs {
		prefix := "  "
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			prefix = "- "
		case diffmatchpatch.DiffInsert:
			prefix = "+ "
		}
		for _, l := range bytes.SplitAfter([]byte(d.Text), []byte("\n")) {
			if len(l) == 0 {
				continue
			}
			b.WriteString(prefix)
			b.Write(l)
			if l[len(l)-1] != '\n' {
				b.WriteString("\n")
			}
		}
	}
	return b.String()
}
