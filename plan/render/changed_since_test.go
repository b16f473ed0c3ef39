package render

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/idpsync/idpsync/plan"
)

func changedSincePlan(skipped int) *plan.Plan {
	c := &plan.ChangedSince{
		Revision: "origin/feat`x",
		Commit:   "0123456789abcdef0123456789abcdef01234567",
		Planned: []plan.ScopedAccount{
			{ID: "023e105f4ecef8ad9ca31a8372d0c353", Label: "plat*form", Reason: "changed"},
			{ID: "b7c2f0e4a91d4c3e8f6a25d0c1e9b3a7", Label: "eng", Reason: "recipient", Via: []string{"plat*form"}},
		},
		Removed: []plan.ScopedAccount{{ID: "e3f91a6c0b2d47e58a9c1f3d6b4e2a90", Label: "gone\x1b[31m", Reason: "removed"}},
	}
	for i := range skipped {
		c.Skipped = append(c.Skipped, plan.ScopedAccount{ID: fmt.Sprintf("%032x", i), Label: fmt.Sprintf("acct-%04d", i), Reason: "unchanged"})
	}
	return &plan.Plan{FormatVersion: plan.FormatVersion, ChangedSince: c}
}

// TestChangedSinceViews: the text and Markdown views say the plan is
// partial near their top, name the accounts (escaped, at most
// maxScopedShown per list) and say what happens to a removed one; the
// Markdown note is a NOTE, not the CAUTION block.
func TestChangedSinceViews(t *testing.T) {
	p := changedSincePlan(25)
	var md bytes.Buffer
	if err := Markdown(&md, p); err != nil {
		t.Fatal(err)
	}
	m := md.String()
	for _, want := range []string{
		"> [!NOTE]\n> **Partial plan**: only what changed since ``origin/feat`x`` (`0123456789ab`) is planned: 2 accounts",
		"25 unchanged accounts were skipped",
		"> Planned: plat\\*form (`023e105f4ecef8ad9ca31a8372d0c353`) — changed, eng (`b7c2f0e4a91d4c3e8f6a25d0c1e9b3a7`) — receives a share from plat\\*form",
		"acct-0019 (`00000000000000000000000000000013`), and 5 more (the JSON view lists them all)",
		"> Removed (no longer declared, so no longer managed",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, m)
		}
	}
	if strings.Contains(m, "acct-0020") || strings.Contains(m, "CAUTION") || strings.Contains(m, "\x1b") {
		t.Errorf("Markdown lists too much, or shows a danger or an escape:\n%s", m)
	}
	if i, j := strings.Index(m, "[!NOTE]"), strings.Index(m, "No changes"); i < 0 || j >= 0 && j < i {
		t.Errorf("the note is not near the top:\n%s", m)
	}

	var txt bytes.Buffer
	if err := Text(&txt, p, Options{}); err != nil {
		t.Fatal(err)
	}
	s := txt.String()
	for _, want := range []string{"Partial plan: only what changed since origin/feat`x (0123456789ab)", "Planned: plat*form (changed), eng (receives a share from", "and 5 more", "Removed ("} {
		if !strings.Contains(s, want) {
			t.Errorf("text lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "\x1b") || strings.HasPrefix(s, "No changes") {
		t.Errorf("text shows an escape, or does not open with the note:\n%s", s)
	}
}

func TestChangedSinceWholePlan(t *testing.T) {
	p := changedSincePlan(0)
	p.ChangedSince.Whole = "the policy: block changed, and its rules apply to every account"
	if p.Partial() {
		t.Fatal("a plan with nothing skipped is partial")
	}
	var md bytes.Buffer
	if err := Markdown(&md, p); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "Every account is planned although `--changed-since` ``origin/feat`x``") || strings.Contains(md.String(), "Partial plan") {
		t.Errorf("Markdown:\n%s", md.String())
	}
}
