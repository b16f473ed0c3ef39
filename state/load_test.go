package state

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idpsync/idpsync/internal/golden"
)

// canary is a secret value the golden inputs reference; it must never reach
// a diagnostic.
const canary = "canary-7f3a9c-do-not-print"

var goldenEnv = map[string]string{
	"CANARY_SECRET": canary,
	"EMPTY_SECRET":  "",
}

// invalidCases lists testdata/invalid: each *.yaml file, and each directory
// that stands for a multi-file desired state.
func invalidCases(t testing.TB) []string {
	entries, err := os.ReadDir("testdata/invalid")
	if err != nil {
		t.Fatal(err)
	}
	var cases []string
	for _, e := range entries {
		if e.Name() == "certs" || strings.HasSuffix(e.Name(), ".golden") {
			continue
		}
		cases = append(cases, filepath.Join("testdata/invalid", e.Name()))
	}
	return cases
}

func render(diags Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.String())
		b.WriteByte('\n')
	}
	return b.String()
}

func TestLoadInvalidGolden(t *testing.T) {
	cases := invalidCases(t)
	if len(cases) < 30 {
		t.Fatalf("only %d invalid cases", len(cases))
	}
	for _, c := range cases {
		name := strings.TrimSuffix(filepath.Base(c), filepath.Ext(c))
		t.Run(name, func(t *testing.T) {
			d, diags := Load(context.Background(), []string{c}, LoadOptions{Getenv: fakeEnv(goldenEnv), Now: fixedNow})
			if len(diags) == 0 {
				t.Fatal("no diagnostics for an invalid input")
			}
			if diags.HasErrors() != (d == nil) {
				t.Errorf("HasErrors = %v but Desired = %v", diags.HasErrors(), d)
			}
			got := render(diags)
			for _, secret := range []string{canary, "hunter2-literal-secret"} {
				if strings.Contains(got, secret) {
					t.Fatalf("a secret value leaked into the diagnostics:\n%s", got)
				}
				js, _ := json.Marshal(diags)
				if strings.Contains(string(js), secret) {
					t.Fatalf("a secret value leaked into the JSON diagnostics")
				}
			}
			golden.Check(t, filepath.Join("testdata/invalid", name+".golden"), []byte(got))
		})
	}
}

func TestDiagnosticsSortedAndFiltered(t *testing.T) {
	ds := Diagnostics{
		{Pos: Pos{File: "b.yaml", Line: 1, Column: 1}, Severity: SeverityError, Message: "x"},
		{Pos: Pos{File: "a.yaml", Line: 9, Column: 1}, Severity: SeverityWarning, Message: "y"},
		{Pos: Pos{File: "a.yaml", Line: 2, Column: 5}, Severity: SeverityError, Message: "z", Hint: "h"},
		{Pos: Pos{File: "a.yaml", Line: 2, Column: 5}, Severity: SeverityError, Message: "z", Hint: "h"},
	}.sortDedupe()
	want := "a.yaml:2:5: error: z (h)\na.yaml:9:1: warning: y\nb.yaml:1:1: error: x\n"
	if got := render(ds); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if !ds.HasErrors() || len(ds.Errors()) != 2 || len(ds.Warnings()) != 1 {
		t.Errorf("errors = %d, warnings = %d", len(ds.Errors()), len(ds.Warnings()))
	}
	js, err := json.Marshal(ds[0])
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"pos":{"file":"a.yaml","line":2,"column":5},"severity":"error","message":"z","hint":"h"}`; string(js) != want {
		t.Errorf("JSON = %s, want %s", js, want)
	}
}
