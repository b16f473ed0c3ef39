package plan

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every warning code either has a drift category or says why it has none, so
// a new code cannot silently fall out of the drift report.
func TestEveryWarningCodeHasADriftCategoryOrAReason(t *testing.T) {
	for _, c := range WarningCodes {
		d, ok := warningDrift[c]
		switch {
		case !ok:
			t.Errorf("%s: no entry in warningDrift", c)
		case (d.category == "") == (d.notDrift == ""):
			t.Errorf("%s: want exactly one of a drift category and a reason for having none", c)
		}
	}
	if len(warningDrift) != len(WarningCodes) {
		t.Errorf("warningDrift has %d entries for %d codes", len(warningDrift), len(WarningCodes))
	}
}

// Warnings are made with the typed constants, never a literal that
// WarningCodes does not list.
func TestWarningsUseTheirConstants(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	literal := regexp.MustCompile(`Code:\s+"`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(f, "_test.go") && literal.Match(b) {
			t.Errorf("%s: a warning code written as a string literal", f)
		}
	}
}

// A share whose recipients were not read is listed as unverifiable, which is
// reported but is not drift.
func TestRecipientsNotReadIsUnverifiable(t *testing.T) {
	addr := "account[a].idp[Okta].share"
	r := Drift(&Plan{Warnings: []Warning{
		{Address: addr, Code: WarnRecipientsNotRead, Message: "not read"},
		{Address: "account[a].idp[Okta]", Code: WarnSecretDeferred, Message: "deferred"},
	}})
	if len(r.Items) != 1 || r.Items[0].Category != DriftUnverifiable || r.Items[0].Address != addr || r.Drifted {
		t.Fatalf("report = %+v, want one unverifiable item and no drift", r)
	}
}
