package golden

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDiff(t *testing.T) {
	got := Diff("a\nb\nc\n", "a\nB\nc\n")
	want := "  a\n- b\n+ B\n  c\n"
	if got != want {
		t.Errorf("Diff =\n%s\nwant\n%s", got, want)
	}
}

// Check passes on equal content and fails, naming the file, on a difference.
func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.golden")
	if err := os.WriteFile(path, []byte("same\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if ft := run(func(tb testing.TB) { Check(tb, path, []byte("same\n")) }); ft.failed {
		t.Errorf("equal content failed: %s", ft.msg)
	}
	if ft := run(func(tb testing.TB) { Check(tb, path, []byte("other\n")) }); !ft.failed {
		t.Error("a difference passed")
	}
	if ft := run(func(tb testing.TB) { CheckJSON(tb, path, map[string]int{"a": 1}) }); !ft.failed {
		t.Error("a JSON difference passed")
	}
}

type fakeT struct {
	testing.TB
	failed bool
	msg    string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Errorf(format string, args ...any) {
	f.failed = true
	f.msg = format
}
func (f *fakeT) Fatal(args ...any) { f.failed = true }
func (f *fakeT) Fatalf(format string, args ...any) {
	f.failed = true
	f.msg = format
}

func run(f func(testing.TB)) *fakeT {
	ft := &fakeT{}
	f(ft)
	return ft
}
