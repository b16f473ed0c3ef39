package sanitize

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"plain", "Okta (production)", "Okta (production)"},
		{"empty", "", ""},
		{"utf8 kept", "Überprüfung – 認証", "Überprüfung – 認証"},
		{"csi colour", "\x1b[31mred\x1b[0m", "red"},
		{"csi clear screen", "a\x1b[2J\x1b[Hb", "ab"},
		{"osc title bel", "\x1b]0;owned\x07name", "name"},
		{"osc hyperlink st", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"osc unterminated", "name\x1b]0;rest of it", "name"},
		{"dcs", "a\x1bPq#0;2;0;0;0\x1b\\b", "ab"},
		{"two byte escape", "a\x1bcb", "ab"},
		{"nF escape", "a\x1b(Bb", "ab"},
		{"lone esc at end", "a\x1b", "a"},
		{"8-bit csi", "a\u009b31mb", "ab"},
		{"8-bit osc", "a\u009d0;t\u009cb", "ab"},
		{"newline to space", "a\nb\r\nc", "a b  c"},
		{"tab to space", "a\tb", "a b"},
		{"nul and bel dropped", "a\x00b\x07c", "abc"},
		{"del dropped", "a\x7fb", "ab"},
		{"bidi dropped", "admin\u202eexe.txt\u2066x\u2069", "adminexe.txtx"},
		{"invalid utf8", "a\xffb", "a\uFFFDb"},
		{"github command", "::error file=a::owned", `:\:error file=a::owned`},
		{"github command after newline", "fine\n::error::owned", `fine :\:error::owned`},
		{"github command after space", "see ::warning::x", `see :\:warning::x`},
		{"github command after nbsp", "a\u00a0::warning::x", "a\u00a0:\\:warning::x"},
		{"github command after escape", "\x1b[0m::error::x", `:\:error::x`},
		{"colons inside a word kept", "fe80::1 and urn:a::b", "fe80::1 and urn:a::b"},
		{"azure logging", "x ##vso[task.setvariable variable=a]b", `x #\#vso[task.setvariable variable=a]b`},
		{"azure logging upper", "x##VSO[task.complete]", `x#\#VSO[task.complete]`},
		{"azure formatting", "##[error]owned", `#\#[error]owned`},
		{"hashes kept", "## heading #1", "## heading #1"},
		{"colon run", ":::0", `:\::0`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Text(tc.in); got != tc.want {
				t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestVisible(t *testing.T) {
	for in, want := range map[string]string{
		"Okta":                 "Okta",
		"\x1b[31mred\x1b[0m":   `\x1b[31mred\x1b[0m`,
		"a\nb":                 `a\nb`,
		"\u009b31m":            `\u009b31m`,
		"x\u202ey":             `x\u202ey`,
		"a\xffb":               "a\uFFFDb",
		"::error::owned":       `:\:error::owned`,
		"\n::error::owned":     `\n::error::owned`,
		"##vso[task.complete]": `#\#vso[task.complete]`,
		"Überprüfung – 認証":     "Überprüfung – 認証",
	} {
		if got := Visible(in); got != want {
			t.Errorf("Visible(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLines(t *testing.T) {
	in := "GET /x: 400: [1000] bad\n::error::owned\r\n  ##[group]x\n\x1b[31mlast"
	want := "GET /x: 400: [1000] bad\n:\\:error::owned\n  #\\#[group]x\nlast"
	if got := Lines(in); got != want {
		t.Errorf("Lines = %q, want %q", got, want)
	}
	if got := Lines("one line\x1b[2J"); got != "one line" {
		t.Errorf("Lines(one line) = %q", got)
	}
}

// safe is what every output of Text must satisfy.
func safe(t *testing.T, in, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("Text(%q) = %q: invalid UTF-8", in, out)
	}
	for _, r := range out {
		if unicode.IsControl(r) || bidi(r) {
			t.Fatalf("Text(%q) = %q: holds control %U", in, out, r)
		}
	}
	if strings.HasPrefix(strings.TrimLeftFunc(out, unicode.IsSpace), "::") {
		t.Fatalf("Text(%q) = %q: starts a workflow command", in, out)
	}
	for _, w := range strings.FieldsFunc(out, unicode.IsSpace) {
		if strings.HasPrefix(w, "::") {
			t.Fatalf("Text(%q) = %q: a word starts a workflow command", in, out)
		}
	}
	low := strings.ToLower(out)
	if strings.Contains(low, "##vso[") || strings.Contains(low, "##[") {
		t.Fatalf("Text(%q) = %q: holds an Azure Pipelines command", in, out)
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"", "::error::x", "a\n::x", "\x1b]0;x\x07", "##vso[", "#\x1b[0m#[", ":\x00:", "\u00a0::", "a\xff::b", ": :", "#\x07#vso["} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Text(in)
		safe(t, in, out)
		if Text(out) != out {
			t.Fatalf("Text is not idempotent on %q: %q then %q", in, out, Text(out))
		}
		safe(t, in, Visible(in))
		for _, l := range strings.Split(Lines(in), "\n") {
			safe(t, in, l)
		}
	})
}

func TestJSON(t *testing.T) {
	in := map[string]string{"name": "x ##vso[task.complete]", "n": "#1", "plain": "a"}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := JSONWriter(&buf).Write(b); err != nil {
		t.Fatal(err)
	}
	for _, out := range [][]byte{JSON(b), buf.Bytes()} {
		if bytes.Contains(out, []byte("#")) {
			t.Errorf("%s still holds '#'", out)
		}
		var back map[string]string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		if !reflect.DeepEqual(back, in) {
			t.Errorf("decodes to %v, want %v", back, in)
		}
	}
	if got := JSON([]byte(`{"a":1}`)); string(got) != `{"a":1}` {
		t.Errorf("JSON without '#' changed: %s", got)
	}
}
