package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/idpsync/idpsync/internal/golden"
	"github.com/idpsync/idpsync/plan"
)

func goldenPath(name string) string { return filepath.Join("testdata", name+".golden") }

func TestGolden(t *testing.T) {
	planViews := map[string]func(io.Writer, *plan.Plan) error{
		"text":       func(w io.Writer, p *plan.Plan) error { return Text(w, p, Options{}) },
		"text_color": func(w io.Writer, p *plan.Plan) error { return Text(w, p, Options{Color: true}) },
		"json":       JSON,
		"md":         Markdown,
	}
	driftViews := map[string]func(io.Writer, *plan.DriftReport) error{
		"text":       func(w io.Writer, r *plan.DriftReport) error { return DriftText(w, r, Options{}) },
		"text_color": func(w io.Writer, r *plan.DriftReport) error { return DriftText(w, r, Options{Color: true}) },
		"json":       DriftJSON,
		"md":         DriftMarkdown,
	}
	plans := map[string]*plan.Plan{"full": fullPlan(), "empty": emptyPlan(), "none": {FormatVersion: plan.FormatVersion}, "policy": policyPlan(), "undelivered": undeliveredPlan()}
	drifts := map[string]*plan.DriftReport{"drift": fullDrift(), "nodrift": noDrift()}

	for pname, p := range plans {
		for vname, view := range planViews {
			if vname == "text_color" && pname != "full" && pname != "policy" {
				continue
			}
			t.Run(pname+"_"+vname, func(t *testing.T) {
				var buf bytes.Buffer
				if err := view(&buf, p); err != nil {
					t.Fatal(err)
				}
				golden.Check(t, goldenPath("plan_"+pname+"."+vname), buf.Bytes())
			})
		}
	}
	t.Run("full_recap", func(t *testing.T) {
		var buf bytes.Buffer
		if err := Recap(&buf, fullPlan(), Options{}); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, goldenPath("recap_full.text"), buf.Bytes())
	})
	for dname, r := range drifts {
		for vname, view := range driftViews {
			if vname == "text_color" && dname != "drift" {
				continue
			}
			t.Run(dname+"_"+vname, func(t *testing.T) {
				var buf bytes.Buffer
				if err := view(&buf, r); err != nil {
					t.Fatal(err)
				}
				golden.Check(t, goldenPath(dname+"."+vname), buf.Bytes())
			})
		}
	}
}

// withHostileName adds a name that tries to write escape codes to the terminal.
func withHostileName(p *plan.Plan) *plan.Plan {
	p.Actions = append(p.Actions, plan.Action{
		Address: "account[platform].idp[\x1b[31mred\x1b[0m]", Action: plan.Create, Resource: plan.ResourceIdP, Reason: plan.ReasonMissing,
		AccountID: platformID, Account: "platform", IdPName: "\x1b]0;title\x07",
		Changes: []plan.Change{{Path: "name", After: "\x1b[2J"}, {Path: "config.pem", Before: "a\n\x1b[1mb\n", After: "a\nc\n"}},
		Notes:   []string{"\x9b31m C1 introducer"},
	})
	p.Warnings = append(p.Warnings, plan.Warning{Address: "account[platform]", Message: "\x1b[5mblink"})
	return p
}

func TestNoEscapeCodesWithoutColor(t *testing.T) {
	var buf bytes.Buffer
	if err := Text(&buf, withHostileName(fullPlan()), Options{}); err != nil {
		t.Fatal(err)
	}
	r := fullDrift()
	r.Items = append(r.Items, plan.DriftItem{Category: plan.DriftChanged, Address: "account[x].idp[\x1b[31m]", Message: "\x1b[0m"})
	if err := DriftText(&buf, r, Options{}); err != nil {
		t.Fatal(err)
	}
	if i := bytes.IndexByte(buf.Bytes(), 0x1b); i >= 0 {
		t.Errorf("plain output has an escape code at byte %d: %q", i, buf.Bytes()[max(0, i-20):min(buf.Len(), i+20)])
	}
	if bytes.Contains(buf.Bytes(), []byte("\x9b")) || bytes.Contains(buf.Bytes(), []byte("\u009b")) {
		t.Error("plain output has a C1 control introducer")
	}
	if !strings.Contains(buf.String(), `\x1b[31mred\x1b[0m`) {
		t.Error("the hostile name is not shown escaped")
	}
}

func TestColorStylesOutput(t *testing.T) {
	var buf bytes.Buffer
	if err := Text(&buf, fullPlan(), Options{Color: true}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"\x1b[32m+\x1b[m",                          // green create
		"\x1b[33m~\x1b[m",                          // yellow update
		"\x1b[31m-\x1b[m/\x1b[32m+\x1b[m",          // replace
		"\x1b[1maccount[platform].idp[Okta]\x1b[m", // bold address
		"\x1b[2m  2 objects unchanged\x1b[m",       // dim no-ops
	} {
		if !strings.Contains(out, want) {
			t.Errorf("colour output lacks %q", want)
		}
	}
	// Styling must not change the text itself.
	var plain bytes.Buffer
	if err := Text(&plain, fullPlan(), Options{}); err != nil {
		t.Fatal(err)
	}
	if got := stripSGR(out); got != plain.String() {
		t.Error("colour output without its escape codes differs from the plain output")
	}
}

func stripSGR(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && s[j] != 'm' {
				j++
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func TestSummaryLine(t *testing.T) {
	act := func(k plan.Kind) plan.Action { return plan.Action{Action: k} }
	tests := []struct {
		name string
		p    *plan.Plan
		want string
	}{
		{"nil", nil, "No changes. Live state matches the declared state."},
		{"empty", &plan.Plan{}, "No changes. Live state matches the declared state."},
		{"only no-ops", &plan.Plan{Actions: []plan.Action{act(plan.NoOp), act(plan.NoOp)}}, "No changes. Live state matches the declared state."},
		{"create", &plan.Plan{Actions: []plan.Action{act(plan.Create)}}, "Plan: 1 to add, 0 to change, 0 to destroy."},
		{"mixed", &plan.Plan{Actions: []plan.Action{act(plan.Create), act(plan.Create), act(plan.Update), act(plan.NoOp)}}, "Plan: 2 to add, 1 to change, 0 to destroy."},
		{"replace adds and destroys", &plan.Plan{Actions: []plan.Action{act(plan.Replace), act(plan.Rotate), act(plan.Delete)}}, "Plan: 1 to add, 1 to change, 2 to destroy."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SummaryLine(tt.p); got != tt.want {
				t.Errorf("SummaryLine = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDriftLine(t *testing.T) {
	tests := []struct {
		name string
		r    *plan.DriftReport
		want string
	}{
		{"nil", nil, "No drift: live state matches the declared state."},
		{"unverifiable only", noDrift(), "No drift: live state matches the declared state."},
		{"every category", fullDrift(), "Drift: 2 changed, 2 missing, 1 unmanaged, 1 pending, 1 certificate"},
		{"one", &plan.DriftReport{Items: []plan.DriftItem{{Category: plan.DriftMissing}}}, "Drift: 0 changed, 1 missing, 0 unmanaged, 0 pending, 0 certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DriftLine(tt.r); got != tt.want {
				t.Errorf("DriftLine = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEscapeMD(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Okta", "Okta"},
		{"a|b", `a\|b`},
		{"<script>", "&lt;script&gt;"},
		{"`code`", "\\`code\\`"},
		{"*bold*", `\*bold\*`},
		{"snake_case_name", `snake\_case\_name`},
		{`back\slash`, `back\\slash`},
		{"[link](http://x)", `\[link\](http://x)`},
		{"~~strike~~", `\~\~strike\~\~`},
		{"a & b", "a &amp; b"},
		{"two\nlines", "two lines"},
		{"account[platform].idp[Okta]", `account\[platform\].idp\[Okta\]`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := escapeMD(tt.in); got != tt.want {
				t.Errorf("escapeMD(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCodeSpan(t *testing.T) {
	tests := []struct{ in, want string }{
		{"023e", "`023e`"},
		{"a`b", "``a`b``"},
		{"`x", "`` `x ``"},
		// A backslash is literal in a code span: outside a table a pipe
		// stays as it is, and GitHub would show a \| escape as written.
		{"a|b", "`a|b`"},
	}
	for _, tt := range tests {
		if got := codeSpan(tt.in); got != tt.want {
			t.Errorf("codeSpan(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// In a table cell the pipe is escaped, or it would split the row.
	if got := cellCodeSpan("a|b"); got != "`a\\|b`" {
		t.Errorf("cellCodeSpan(%q) = %q, want %q", "a|b", got, "`a\\|b`")
	}
}

func TestMarkdownFenceOutlastsBackticks(t *testing.T) {
	p := &plan.Plan{Actions: []plan.Action{{
		Address: "account[a].idp[x]", Action: plan.Update, Resource: plan.ResourceIdP, AccountID: "a",
		Changes: []plan.Change{{Path: "config.note", Before: "```", After: "````"}},
	}}}
	var buf bytes.Buffer
	if err := Markdown(&buf, p); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "  `````diff\n") {
		t.Errorf("the diff fence is not longer than the backtick run inside it:\n%s", buf.String())
	}
}

func TestJSONRoundTrip(t *testing.T) {
	want := fullPlan()
	var buf bytes.Buffer
	if err := JSON(&buf, want); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(buf.Bytes(), []byte("}\n")) {
		t.Error("JSON view does not end with a newline")
	}
	var got plan.Plan
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	// The danger list is derived by the view, and leads it.
	if len(got.Danger) == 0 || !strings.HasPrefix(buf.String(), `{"format_version":"1.0","danger":[{"kind":"destroy"`) {
		t.Errorf("the JSON view does not open with the dangers: %.120s", buf.String())
	}
	if !reflect.DeepEqual(got.Danger, want.Dangers()) {
		t.Error("the JSON dangers are not Plan.Dangers")
	}
	got.Danger = nil
	if !reflect.DeepEqual(&got, want) {
		t.Error("the JSON view does not decode back to the plan")
	}
	// A plan holds secret references, never secret values.
	if strings.Contains(buf.String(), "GITHUB_CLIENT_SECRET}") && !strings.Contains(buf.String(), `"ref":"${env:GITHUB_CLIENT_SECRET}"`) {
		t.Error("secret reference rendered unexpectedly")
	}
}

func TestJSONEmptyListsAreArrays(t *testing.T) {
	var buf bytes.Buffer
	if err := JSON(&buf, &plan.Plan{FormatVersion: plan.FormatVersion}); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"accounts":[]`, `"actions":[]`, `"reads":[]`} {
		if !strings.Contains(buf.String(), key) {
			t.Errorf("empty plan JSON lacks %s:\n%s", key, buf.String())
		}
	}
	buf.Reset()
	if err := DriftJSON(&buf, &plan.DriftReport{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"items":[]`) {
		t.Errorf("empty drift JSON lacks items: []:\n%s", buf.String())
	}
}

func TestNilInput(t *testing.T) {
	calls := map[string]func() error{
		"Text":          func() error { return Text(io.Discard, nil, Options{}) },
		"JSON":          func() error { return JSON(io.Discard, nil) },
		"Markdown":      func() error { return Markdown(io.Discard, nil) },
		"DriftText":     func() error { return DriftText(io.Discard, nil, Options{}) },
		"DriftJSON":     func() error { return DriftJSON(io.Discard, nil) },
		"DriftMarkdown": func() error { return DriftMarkdown(io.Discard, nil) },
	}
	for name, call := range calls {
		if err := call(); err == nil {
			t.Errorf("%s(nil) returned no error", name)
		}
	}
}

type failingWriter struct{}

var errDiskFull = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestWriteErrorsAreReturned(t *testing.T) {
	calls := map[string]func(io.Writer) error{
		"Text":          func(w io.Writer) error { return Text(w, fullPlan(), Options{}) },
		"JSON":          func(w io.Writer) error { return JSON(w, fullPlan()) },
		"Markdown":      func(w io.Writer) error { return Markdown(w, fullPlan()) },
		"DriftText":     func(w io.Writer) error { return DriftText(w, fullDrift(), Options{}) },
		"DriftJSON":     func(w io.Writer) error { return DriftJSON(w, fullDrift()) },
		"DriftMarkdown": func(w io.Writer) error { return DriftMarkdown(w, fullDrift()) },
	}
	for name, call := range calls {
		if err := call(failingWriter{}); !errors.Is(err, errDiskFull) {
			t.Errorf("%s: error = %v, want one wrapping %v", name, err, errDiskFull)
		}
	}
}

func TestLineDiff(t *testing.T) {
	tests := []struct {
		name          string
		before, after string
		want          string
	}{
		{"one line changed keeps two lines of context", "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nX\n6\n7\n8\n9\n",
			"@2| 3| 4|-5|+X| 6| 7|@2"},
		{"created", "", "a\nb\n", "+a|+b"},
		{"missing final newline is not a change", "a\nb", "a\nc\n", " a|-b|+c"},
		{"removed", "a\nb\n", "", "-a|-b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var parts []string
			for _, d := range lineDiff(tt.before, tt.after) {
				if d.op == '@' {
					parts = append(parts, "@"+string(rune('0'+d.skip)))
					continue
				}
				parts = append(parts, string(d.op)+d.text)
			}
			if got := strings.Join(parts, "|"); got != tt.want {
				t.Errorf("lineDiff = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestWrap(t *testing.T) {
	long := strings.Repeat("word ", 10)
	tests := []struct {
		name  string
		in    string
		width int
		want  []string
	}{
		{"short", "fits", 40, []string{"fits"}},
		{"wrapped at spaces", strings.TrimSpace(long), 20, []string{"word word word word", "word word word word", "word word"}},
		{"long word kept whole", strings.Repeat("x", 30) + " y", 20, []string{strings.Repeat("x", 30), "y"}},
		{"newlines kept", "a\nb", 40, []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := wrap(tt.in, tt.width); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("wrap = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTextWrapsToWidth(t *testing.T) {
	var buf bytes.Buffer
	if err := Text(&buf, fullPlan(), Options{Width: 60}); err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(buf.String(), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "!") {
			continue
		}
		if n := len([]rune(l)); n > 60 {
			t.Errorf("note line is %d wide, want at most 60: %q", n, l)
		}
	}
}

func TestTextCollapsesNoOps(t *testing.T) {
	var buf bytes.Buffer
	if err := Text(&buf, fullPlan(), Options{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "idp[Google] is unchanged") {
		t.Error("a no-op action is shown on its own")
	}
	for _, want := range []string{"  2 objects unchanged\n", "  1 object unchanged\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("text view lacks %q", want)
		}
	}
}

func BenchmarkRender10k(b *testing.B) {
	p := bigPlan(10_000)
	views := []struct {
		name string
		fn   func(io.Writer) error
	}{
		{"text", func(w io.Writer) error { return Text(w, p, Options{}) }},
		{"text_color", func(w io.Writer) error { return Text(w, p, Options{Color: true}) }},
		{"json", func(w io.Writer) error { return JSON(w, p) }},
		{"markdown", func(w io.Writer) error { return Markdown(w, p) }},
	}
	for _, v := range views {
		b.Run(v.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := v.fn(io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestJSONStreamsTheSameBytes: the streamed view is byte for byte what one
// json.Encoder call on the whole plan writes.
func TestJSONStreamsTheSameBytes(t *testing.T) {
	for name, p := range map[string]*plan.Plan{"full": fullPlan(), "empty": {FormatVersion: plan.FormatVersion, Accounts: []plan.AccountRef{}, Actions: []plan.Action{}, Reads: []plan.Read{}}} {
		t.Run(name, func(t *testing.T) {
			var streamed, whole bytes.Buffer
			if err := JSON(&streamed, p); err != nil {
				t.Fatal(err)
			}
			if err := writeJSON(&whole, jsonPlan(p)); err != nil {
				t.Fatal(err)
			}
			if streamed.String() != whole.String() {
				t.Fatalf("streamed:\n%s\nwhole:\n%s", streamed.String(), whole.String())
			}
		})
	}
}

// policyPlan is the full plan with a finding of every kind: denies, a waived
// deny, a warning, an expired waiver, and a message that tries to break out
// of its line, its code span and the terminal.
func policyPlan() *plan.Plan {
	p := fullPlan()
	p.Policy = []plan.PolicyResult{
		{Rule: "forbid_lockout", Level: "deny", Address: "account[platform].idp[Legacy SAML]", Message: `this delete leaves application "Wiki" (wiki.example.com) without a way in`},
		{Rule: "rego:main", Level: "deny", Address: "account[platform].idp[Okta`|]", Message: "Okta must sign\n its requests\x1b[2J | **bold** <script>"},
		{Rule: "require_saml_encryption", Level: "deny", Address: "account[platform].idp[JumpCloud]", Message: "SAML identity provider \"JumpCloud\" does not encrypt its assertions: set `encryption.enabled: true`", Waived: true,
			Waiver: &plan.PolicyWaiver{Rule: "require_saml_encryption", Address: "account[platform].idp[JumpCloud]", Reason: "vendor cannot decrypt yet, SEC-42", Until: "2027-01-31"}},
		{Rule: "rego:main", Level: "warn", Address: "plan", Message: "the plan deletes something"},
		{Rule: "waiver_expired", Level: "warn", Address: "account[platform].idp[*]", Message: "the waiver of forbid_types expired on 2026-11-30 (pilot): it waives nothing now; renew `until` or fix the finding",
			Waiver: &plan.PolicyWaiver{Rule: "forbid_types", Address: "account[platform].idp[*]", Reason: "pilot", Until: "2026-11-30"}},
	}
	return p
}

// TestDriftNotificationCarriesNoValues: the webhook summary names addresses,
// categories and actors; field values, references and messages stay out.
func TestDriftNotificationCarriesNoValues(t *testing.T) {
	r := &plan.DriftReport{Drifted: true, Items: []plan.DriftItem{
		{Category: plan.DriftChanged, Address: "account[a].idp[GitHub]", Message: "VALUE-CANARY-msg",
			Changes:     []plan.Change{{Path: "config.client_id", Before: "VALUE-CANARY-before", After: "VALUE-CANARY-after", Ref: "${env:VALUE_CANARY}"}},
			Attribution: &plan.Attribution{Actor: "alice@example.com", ActorType: "user", Interface: "dashboard", Action: "update"}},
		{Category: plan.DriftUnverifiable, Address: "account[a].idp[Hidden]"},
	}}
	b, err := DriftNotification(r)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if strings.Contains(s, "CANARY") || strings.Contains(s, "Hidden") {
		t.Errorf("the notification carries values or unverifiable items: %s", s)
	}
	for _, want := range []string{`"text":"idpsync drift: Drift: 1 changed`, `alice@example.com`, `"counts":{"changed":1}`, `"drifted":true`} {
		if !strings.Contains(s, want) {
			t.Errorf("notification lacks %s: %s", want, s)
		}
	}
}

// TestTextBrief: Brief counts the received IdPs instead of listing them,
// and changes nothing else.
func TestTextBrief(t *testing.T) {
	p := fullPlan()
	if len(p.Received) != 1 {
		t.Fatalf("the fixture receives %d IdPs, want 1", len(p.Received))
	}
	var full, brief bytes.Buffer
	if err := Text(&full, p, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := Text(&brief, p, Options{Brief: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(brief.String(), "Received from account") || !strings.Contains(full.String(), "Received from ") {
		t.Errorf("brief view lists received IdPs, or the full one does not:\n%s", brief.String())
	}
	want := "Received from other accounts: 1 IdP (read-only; --verbose lists them)\n"
	if !strings.Contains(brief.String(), want) {
		t.Errorf("brief view lacks %q:\n%s", want, brief.String())
	}
	var kept []string
	for _, l := range strings.Split(full.String(), "\n") {
		if !strings.HasPrefix(l, "Received from ") {
			kept = append(kept, l)
		}
	}
	rest := strings.Replace(brief.String(), want, "", 1)
	if strings.Join(kept, "\n") != rest {
		t.Errorf("brief view differs in more than the received IdPs:\n%s", golden.Diff(strings.Join(kept, "\n"), rest))
	}
}
