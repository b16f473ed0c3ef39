package render

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/idpsync/idpsync/internal/golden"
	"github.com/idpsync/idpsync/plan"
)

// alertBlocks are the parts of a Markdown view that trimming must keep
// whole: every alert (CAUTION, WARNING) and the summary table.
func alertBlocks(md string) []string {
	var out []string
	for _, block := range strings.Split(md, "\n\n") {
		b := strings.TrimSpace(block)
		if strings.HasPrefix(b, "> [!CAUTION]") || strings.HasPrefix(b, "> [!WARNING]") || strings.HasPrefix(b, "| Account |") ||
			strings.HasPrefix(b, "ℹ️") || strings.HasPrefix(b, "**Plan:") {
			out = append(out, b)
		}
	}
	return out
}

// At every limit from the smallest that fits to the full size, the trimmed
// plan is within the limit, keeps the danger block, every warning, the
// summary table and the verdict word for word, closes every fence and
// <details>, and says what it left out; below the smallest it is an error.
// Every distinct view, with the limits that give it, is one golden file.
func TestMarkdownFitEveryLimit(t *testing.T) {
	const notice = "The whole plan is in the [job summary](https://ci.example/run/1)."
	for _, tc := range []struct {
		name   string
		p      *plan.Plan
		golden bool
	}{
		{"plan_full", fullPlan(), true},
		{"big", withDanger(bigPlan(12)), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			full := mustRender(t, func(b *bytes.Buffer) error { return Markdown(b, tc.p) })
			alerts := alertBlocks(string(full))
			if len(alerts) < 3 || !strings.HasPrefix(alerts[0], "> [!CAUTION]") {
				t.Fatalf("the fixture should open with a CAUTION block, then more alerts: %q", alerts)
			}
			if !strings.HasPrefix(string(full), "### idpsync plan\n\n> [!CAUTION]\n") {
				t.Fatalf("the danger block is not right under the title:\n%s", full)
			}
			var steps bytes.Buffer
			prev, from, smallest := "", 0, 0
			flush := func(to int) {
				if prev != "" {
					fmt.Fprintf(&steps, "=== --max-bytes %d to %d (%d bytes) ===\n%s", from, to, len(prev), prev)
				}
			}
			// MarkdownFit renders the whole view, then trims it to the
			// limit. The view is rendered once here and trimmed to every
			// limit (rendering it tens of thousands of times took a minute
			// under -race); MarkdownFit itself is checked against it at
			// every limit where the trimmed view changes, and the one
			// before.
			md, lay, err := layoutMarkdown(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			fit := func(limit int) (string, error) {
				out, err := trimPlan(md, lay, MarkdownOptions{MaxBytes: limit, Notice: notice})
				return string(out), err
			}
			viaMarkdownFit := func(limit int) {
				t.Helper()
				if limit < 1 {
					return // 0 is no limit at all
				}
				var buf bytes.Buffer
				err := MarkdownFit(&buf, tc.p, MarkdownOptions{MaxBytes: limit, Notice: notice})
				want, wantErr := fit(limit)
				if fmt.Sprint(err) != fmt.Sprint(wantErr) || (err == nil && buf.String() != want) {
					t.Fatalf("limit %d: MarkdownFit gave %v:\n%s\nwant %v:\n%s", limit, err, buf.String(), wantErr, want)
				}
			}
			failed := false
			for limit := 1; limit <= len(full)+1; limit++ {
				got, err := fit(limit)
				if limit == 1 || (err != nil) != failed || (err == nil && got != prev) {
					viaMarkdownFit(limit - 1)
					viaMarkdownFit(limit)
					failed = err != nil
				}
				if err != nil {
					if smallest > 0 {
						t.Fatalf("limit %d failed after %d fitted: %v", limit, smallest, err)
					}
					if !strings.Contains(err.Error(), "cannot be trimmed") {
						t.Fatalf("limit %d: %v", limit, err)
					}
					continue
				}
				if smallest == 0 {
					smallest = limit
				}
				if len(got) > limit {
					t.Fatalf("limit %d: %d bytes", limit, len(got))
				}
				if limit >= len(full) && got != string(full) {
					t.Fatalf("limit %d: a view that fits was changed", limit)
				}
				if got == prev {
					continue // the same view as at limit-1, checked there
				}
				for _, a := range alerts {
					if !strings.Contains(got, a) {
						t.Fatalf("limit %d: lost an alert or the summary:\n%s\n--- view:\n%s", limit, a, got)
					}
				}
				if limit < len(full) && (!strings.Contains(got, "This plan is trimmed to fit") || !strings.Contains(got, notice) || !strings.Contains(got, " left out.")) {
					t.Fatalf("limit %d: no notice of what was left out:\n%s", limit, got)
				}
				if n := strings.Count(got, "<details>"); n != strings.Count(got, "</details>") {
					t.Fatalf("limit %d: unbalanced <details>", limit)
				}
				if fenceOpen(got) {
					t.Fatalf("limit %d: a fence is left open", limit)
				}
				flush(limit - 1)
				prev, from = got, limit
			}
			flush(len(full) + 1)
			if smallest == 0 {
				t.Fatal("no limit fitted")
			}
			if tc.golden {
				golden.Check(t, goldenPath("trimmed_"+tc.name+".md"), steps.Bytes())
			}
		})
	}
}

// withDanger adds a lockout and a blocker to a plan, so that trimming it has
// alerts to keep.
func withDanger(p *plan.Plan) *plan.Plan {
	for i := range p.Actions {
		a := &p.Actions[i]
		if a.Action == plan.Delete {
			a.Lockout = []plan.Lockout{{Kind: plan.LockoutApplication, AccountID: a.AccountID, Name: "Wiki", Domain: "wiki.example.com", Only: true}}
			p.Blockers = []plan.Blocker{{Code: plan.BlockAllowDestroy, Addresses: []string{a.Address}, Message: "1 destructive action is blocked", Resolve: "--allow-destroy"}}
			break
		}
	}
	p.Warnings = append(p.Warnings, plan.Warning{Address: p.Actions[0].Address, Code: plan.WarnCertificateExpiring, Message: "expires soon"})
	return p
}
