package state

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// maxReferencedFile bounds what ${file:...} reads: certificates and secrets
// are small, and a reference to a device or a huge file must not exhaust memory.
const maxReferencedFile = 1 << 20

// refKind is the scheme of a ${...} reference.
type refKind string

const (
	refEnv  refKind = "env"
	refFile refKind = "file"
)

// reference is a parsed "${env:NAME}" or "${file:PATH}" value.
type reference struct {
	kind refKind
	arg  string
}

// errNotReference is returned by parseValue for a plain literal.
var errNotReference = errors.New("not a reference")

var (
	errMisplacedRef = errors.New("a `${...}` reference must be the whole value")
	errUnknownRef   = errors.New("unknown reference")
)

// parseValue interprets a string value of the desired state. A value that is
// exactly "${env:NAME}" or "${file:PATH}" is a reference; "$${" stands for a
// literal "${". Any other "${" is refused rather than left unexpanded, since
// it is almost certainly a reference that was meant to be one.
func parseValue(s string) (ref reference, literal string, err error) {
	if !strings.Contains(s, "${") {
		return reference{}, s, errNotReference
	}
	if strings.HasPrefix(s, "${") && strings.HasSuffix(s, "}") && strings.Count(s, "${") == 1 {
		body := s[2 : len(s)-1]
		scheme, arg, ok := strings.Cut(body, ":")
		switch {
		case !ok || (scheme != string(refEnv) && scheme != string(refFile)):
			return reference{}, "", fmt.Errorf("%w `%s`: only `${env:NAME}` and `${file:PATH}` are supported", errUnknownRef, truncate(s, 40))
		case arg == "":
			return reference{}, "", fmt.Errorf("reference `%s` names nothing", s)
		case scheme == string(refEnv) && !validEnvName(arg):
			return reference{}, "", fmt.Errorf("`%s` is not a valid environment variable name", truncate(arg, 40))
		}
		return reference{kind: refKind(scheme), arg: arg}, "", nil
	}
	// Escapes: every "${" must be written "$${".
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.HasPrefix(s[i:], "$${") {
			b.WriteString("${")
			i += 2
			continue
		}
		if strings.HasPrefix(s[i:], "${") {
			return reference{}, "", errMisplacedRef
		}
		b.WriteByte(s[i])
	}
	return reference{}, b.String(), errNotReference
}

func validEnvName(s string) bool {
	for i, c := range s {
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return s != ""
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// resolve returns the value a reference stands for. Errors name the variable
// or file, never a value.
// A relative ${file:...} path is read from baseDir and named in errors as it
// joins displayDir, the directory as the user named it.
func (r reference) resolve(baseDir, displayDir string, getenv func(string) (string, bool)) (string, error) {
	switch r.kind {
	case refEnv:
		v, ok := getenv(r.arg)
		if !ok {
			return "", fmt.Errorf("environment variable %s is not set", r.arg)
		}
		if v == "" {
			return "", fmt.Errorf("environment variable %s is empty", r.arg)
		}
		return v, nil
	case refFile:
		p, shown := r.arg, r.arg
		if !filepath.IsAbs(p) {
			p, shown = filepath.Join(baseDir, p), filepath.Join(displayDir, p)
		}
		v, err := readSmallFile(p, shown)
		if err != nil {
			return "", err
		}
		// Files written by editors and secret managers end with a newline
		// that is never part of the value.
		v = strings.TrimRight(v, "\r\n")
		if v == "" {
			return "", fmt.Errorf("file %s is empty", shown)
		}
		return v, nil
	}
	return "", fmt.Errorf("unknown reference kind %q", r.kind)
}

func readSmallFile(p, shown string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("file %s does not exist", shown)
		}
		return "", fmt.Errorf("cannot read file %s: %w", shown, errors.Unwrap(err))
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return "", fmt.Errorf("%s is a directory, not a file", shown)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxReferencedFile+1))
	if err != nil {
		return "", fmt.Errorf("cannot read file %s: %w", shown, err)
	}
	if len(b) > maxReferencedFile {
		return "", fmt.Errorf("file %s is larger than %d bytes", shown, maxReferencedFile)
	}
	return string(b), nil
}

// ResolveSecret resolves the reference a sensitive value was loaded from, so
// that apply can obtain it again without a plan ever storing it. getenv nil
// means os.LookupEnv.
func ResolveSecret(src SecretSource, getenv func(string) (string, bool)) (string, error) {
	if getenv == nil {
		getenv = os.LookupEnv
	}
	ref, _, err := parseValue(src.Ref)
	if errors.Is(err, errNotReference) {
		// The text is not printed: a literal here could be a secret.
		return "", errors.New("the secret source is not a ${env:NAME} or ${file:PATH} reference")
	}
	if err != nil {
		return "", err
	}
	return ref.resolve(src.BaseDir, src.BaseDir, getenv)
}
