package tfimport

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/idpsync/idpsync/internal/sanitize"
)

// identifier is the shape of a Terraform module or resource name (HCL
// identifiers: a letter or underscore, then letters, digits, _ and -).
var identifier = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`) })

// instanceKey is a count index or a for_each key; nil means none.
type instanceKey struct {
	set bool
	num int64
	str *string
}

func (k instanceKey) String() string {
	switch {
	case !k.set:
		return ""
	case k.str != nil:
		return "[" + hclQuote(*k.str) + "]"
	}
	return "[" + strconv.FormatInt(k.num, 10) + "]"
}

type moduleStep struct {
	name string
	key  instanceKey
}

// modulePath is the path of a module instance; empty is the root module.
type modulePath []moduleStep

func (p modulePath) equal(q modulePath) bool {
	if len(p) != len(q) {
		return false
	}
	for i := range p {
		if p[i].name != q[i].name || p[i].key.String() != q[i].key.String() {
			return false
		}
	}
	return true
}

// String is the instance address: module.a["x"].module.b.
func (p modulePath) String() string {
	var b strings.Builder
	for i, s := range p {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString("module." + s.name + s.key.String())
	}
	return b.String()
}

// config is the address without instance keys, as a removed block's from
// names a module (Terraform refuses instance keys there).
func (p modulePath) config() string {
	var b strings.Builder
	for i, s := range p {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString("module." + s.name)
	}
	return b.String()
}

func (p modulePath) orRoot() string {
	if len(p) == 0 {
		return "the root module"
	}
	return p.String()
}

// Address is the address of one resource instance, rebuilt from parsed
// parts so that it is safe to print and to paste.
type Address struct {
	Module modulePath
	Type   string
	Name   string
	Key    instanceKey
}

// String is the instance address: module.a["x"].cloudflare_share.s[0].
func (a Address) String() string {
	s := a.Type + "." + a.Name + a.Key.String()
	if m := a.Module.String(); m != "" {
		return m + "." + s
	}
	return s
}

// Config is the resource's address without any instance key: the from of
// its removed block.
func (a Address) Config() string {
	s := a.Type + "." + a.Name
	if m := a.Module.config(); m != "" {
		return m + "." + s
	}
	return s
}

func resourceAddress(path modulePath, r *resource) (Address, error) {
	if !identifier().MatchString(r.Type) || !identifier().MatchString(r.Name) {
		return Address{}, fmt.Errorf("resource in %s: type and name must be identifiers", path.orRoot())
	}
	key, err := decodeIndex(r.Index)
	if err != nil {
		return Address{}, fmt.Errorf("%s.%s in %s: %w", r.Type, r.Name, path.orRoot(), err)
	}
	return Address{Module: path, Type: r.Type, Name: r.Name, Key: key}, nil
}

// decodeIndex reads a resource's index: absent, a whole number (count) or a
// string (for_each).
func decodeIndex(raw json.RawMessage) (instanceKey, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return instanceKey{}, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return instanceKey{}, errors.New("index is not JSON")
	}
	switch x := v.(type) {
	case string:
		return instanceKey{set: true, str: &x}, nil
	case float64:
		if x >= 0 && x == float64(int64(x)) && x < 1<<31 {
			return instanceKey{set: true, num: int64(x)}, nil
		}
	}
	return instanceKey{}, errors.New("index must be a whole number (count) or a string (for_each)")
}

// parseModuleAddress reads a child module's address, module.a["k"].module.b[0],
// refusing anything else.
func parseModuleAddress(s string) (modulePath, error) {
	var p modulePath
	rest := s
	for rest != "" {
		after, ok := strings.CutPrefix(rest, "module.")
		if !ok {
			return nil, errors.New("expected module.NAME")
		}
		end := strings.IndexAny(after, ".[")
		if end < 0 {
			end = len(after)
		}
		step := moduleStep{name: after[:end]}
		if !identifier().MatchString(step.name) {
			return nil, errors.New("a module name must be an identifier")
		}
		rest = after[end:]
		if strings.HasPrefix(rest, "[") {
			key, n, err := parseKey(rest)
			if err != nil {
				return nil, err
			}
			step.key = key
			rest = rest[n:]
		}
		p = append(p, step)
		if rest == "" {
			break
		}
		if rest, ok = strings.CutPrefix(rest, "."); !ok || rest == "" {
			return nil, errors.New("expected .module.NAME after a module step")
		}
	}
	if len(p) == 0 {
		return nil, errors.New("empty module address")
	}
	return p, nil
}

// parseKey reads [123] or ["..."] at the start of s and says how many bytes
// it took. Terraform writes string keys as quoted strings with the escapes
// of HCL (\" \\ \n \t \r \uNNNN …), which strconv.Unquote reads for the
// forms Terraform emits.
func parseKey(s string) (instanceKey, int, error) {
	if len(s) > 1 && s[1] == '"' {
		i := 2
		for i < len(s) {
			switch s[i] {
			case '\\':
				i += 2
				continue
			case '"':
				if i+1 >= len(s) || s[i+1] != ']' {
					return instanceKey{}, 0, errors.New("a module key must end with \"]")
				}
				str, err := strconv.Unquote(s[1 : i+1])
				if err != nil {
					return instanceKey{}, 0, errors.New("a module key is not a valid quoted string")
				}
				return instanceKey{set: true, str: &str}, i + 2, nil
			}
			i++
		}
		return instanceKey{}, 0, errors.New("unterminated module key")
	}
	end := strings.IndexByte(s, ']')
	if end < 2 {
		return instanceKey{}, 0, errors.New("a module key must be [NUMBER] or [\"STRING\"]")
	}
	n, err := strconv.ParseInt(s[1:end], 10, 32)
	if err != nil || n < 0 {
		return instanceKey{}, 0, errors.New("a module key must be [NUMBER] or [\"STRING\"]")
	}
	return instanceKey{set: true, num: n}, end + 1, nil
}

// hclQuote writes s as an HCL quoted string, the form Terraform reads in an
// address: quotes and backslashes escaped, template sequences doubled, and
// every control, invisible or direction-changing character as \uNNNN (or
// \UNNNNNNNN), so that the result is one printable line.
func hclQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			b.WriteString(`\uFFFD`)
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case (r == '$' || r == '%') && strings.HasPrefix(s[i+1:], "{"):
			b.WriteRune(r)
			b.WriteRune(r)
		case !printable(r):
			if r > 0xFFFF {
				fmt.Fprintf(&b, `\U%08X`, r)
			} else {
				fmt.Fprintf(&b, `\u%04X`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// printable is false for control characters, format characters (zero-width
// and bidirectional controls) and separators other than the space.
func printable(r rune) bool {
	return r == ' ' || (unicode.IsPrint(r) && !unicode.Is(unicode.Cf, r))
}

// ShellQuote quotes s for a POSIX shell: one single-quoted word.
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// quote is a Go-quoted, printable form of a string taken from the input.
func quote(s string) string { return strconv.QuoteToGraphic(s) }

// Clean makes a string from the input safe for a terminal line or a CI
// log: control, invisible and direction-changing characters become \u
// escapes, and the project's sanitiser breaks CI command markers.
func Clean(s string) string {
	var b strings.Builder
	for _, r := range s {
		if printable(r) {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(&b, `\u%04X`, r)
		}
	}
	return sanitize.Visible(b.String())
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
