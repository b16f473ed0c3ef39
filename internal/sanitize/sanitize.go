package sanitize

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text returns s safe to print within one line: escape sequences (CSI, OSC,
// DCS and the like, in their 7-bit and 8-bit forms) are dropped whole, other
// control characters are dropped, line breaks and tabs become spaces, bidi
// controls (which reorder what a reader sees) are dropped, invalid UTF-8
// becomes U+FFFD, and CI command markers are broken (see markers).
//
// A fragment can land at the start of an output line (a view may wrap text at
// spaces), so "::" is broken at the start of s and after every space, not
// only at the start.
func Text(s string) string {
	if plain(s) {
		return s
	}
	return markers(strip(s, true))
}

// Visible is Text for values a reader must be able to tell apart, such as the
// before and after of a changed field: instead of being dropped, control and
// bidi characters are shown as Go escapes ("\x1b", "\u202e"), so an escape
// sequence prints as harmless text and a difference made of invisible
// characters still shows. Invalid UTF-8 becomes U+FFFD and CI command markers
// are broken, as in Text.
func Visible(s string) string {
	if plain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune(utf8.RuneError)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || bidi(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return markers(b.String())
}

// Lines sanitises text of several lines, such as an error message that
// wraps other errors: each line as Text, the line breaks kept.
func Lines(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return Text(s)
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	ls := strings.Split(s, "\n")
	for i, l := range ls {
		ls[i] = Text(l)
	}
	return strings.Join(ls, "\n")
}

// plain reports whether s needs no work: printable ASCII without markers.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return !strings.Contains(s, "::") && !strings.Contains(s, "##")
}

const esc = 0x1b

// strip drops escape sequences, control characters and bidi controls.
// oneLine turns line breaks and tabs into spaces instead of dropping them.
func strip(s string, oneLine bool) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune(utf8.RuneError)
			i++
			continue
		case r == esc:
			i = skipEscape(s, i+1)
			continue
		case r == 0x9b: // 8-bit CSI
			i = skipCSI(s, i+size)
			continue
		case r == 0x90 || r == 0x9d || r == 0x98 || r == 0x9e || r == 0x9f: // 8-bit DCS, OSC, SOS, PM, APC
			i = skipString(s, i+size)
			continue
		case r == '\n' || r == '\r' || r == '\t' || r == '\v' || r == '\f':
			if oneLine {
				b.WriteByte(' ')
			}
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		case bidi(r):
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// bidi reports the invisible characters that reorder or hide text around
// them (the "Trojan Source" set, CVE-2021-42574).
func bidi(r rune) bool {
	switch {
	case r == 0x061c, r == 0x200e, r == 0x200f:
		return true
	case r >= 0x202a && r <= 0x202e:
		return true
	case r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// skipEscape returns the index after the escape sequence whose ESC ends just
// before i (ECMA-48 section 5.3).
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[':
		return skipCSI(s, i+1)
	case ']', 'P', 'X', '^', '_':
		return skipString(s, i+1)
	}
	// nF sequences: intermediate bytes, then one final byte.
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
		i++
	}
	return i
}

// skipCSI skips a control sequence's parameter and intermediate bytes and its
// final byte; it stops early at anything else, which is then shown.
func skipCSI(s string, i int) int {
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x3f {
		i++
	}
	if i < len(s) && s[i] >= 0x40 && s[i] <= 0x7e {
		i++
	}
	return i
}

// skipString skips a control string (OSC, DCS, ...) up to and including its
// terminator: BEL, ESC \ or the 8-bit ST. An unterminated one runs to the end
// of s, as a terminal would swallow it.
func skipString(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == 0x07:
			return i + 1
		case s[i] == esc:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i + 1
		case strings.HasPrefix(s[i:], "\u009c"):
			return i + len("\u009c")
		}
		i++
	}
	return i
}

// markers breaks what a CI runner would read as a command:
//   - "::" at the start or after a space: GitHub Actions parses a log line as
//     a workflow command when, leading whitespace trimmed, it starts with "::"
//     (actions/runner ActionCommand.TryParseV2);
//   - "##[" and "##vso[" anywhere: Azure Pipelines' formatting and logging
//     commands (the agent looks for "##vso[" anywhere in a line).
//
// A backslash is put between the two characters: the text stays readable and
// visibly altered, and no new word (which a view could wrap onto a line of its
// own) begins.
func markers(s string) string {
	if !strings.Contains(s, "::") && !strings.Contains(s, "##") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ':' && strings.HasPrefix(s[i:], "::") && atWordStart(s, i):
			b.WriteString(`:\`)
			continue
		case c == '#' && strings.HasPrefix(s[i:], "##") && azure(s[i+2:]):
			b.WriteString(`#\`)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// atWordStart reports whether s[i] follows nothing or a space of any kind:
// views wrap at unicode.IsSpace, and the runner trims .NET whitespace,
// no-break spaces included.
func atWordStart(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsSpace(r)
}

func azure(rest string) bool {
	return strings.HasPrefix(rest, "[") || len(rest) >= 4 && strings.EqualFold(rest[:4], "vso[")
}

// jsonHash is '#' as a JSON string escape.
const jsonHash = `\u0023`

// JSON makes encoding/json output safe for a CI log without changing what it
// decodes to. A JSON document on one line can carry "##vso[" inside a string,
// which Azure Pipelines obeys wherever it appears in a line; '#' occurs in
// JSON only inside strings, so every '#' is written as the escape \u0023,
// which decodes to the same string. Line breaks and control characters are
// escaped by encoding/json already, so no line can start with "::".
func JSON(b []byte) []byte {
	if !bytes.Contains(b, []byte("#")) {
		return b
	}
	return bytes.ReplaceAll(b, []byte("#"), []byte(jsonHash))
}

// JSONWriter is JSON for a stream: what is written to it reaches w with every
// '#' escaped. Only JSON may be written to it.
func JSONWriter(w io.Writer) io.Writer { return jsonWriter{w} }

type jsonWriter struct{ w io.Writer }

func (j jsonWriter) Write(p []byte) (int, error) {
	if _, err := j.w.Write(JSON(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}
