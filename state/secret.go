package state

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

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

// refEnvironment is what a reference is resolved against: the environment,
// the configuration root ${file:...} is confined to, and the budget of bytes
// the references of one load may still read.
type refEnvironment struct {
	ctx    context.Context
	getenv func(string) (string, bool)
	root   string
	budget *int64
	// cache holds each file read, by real path: many IdPs name one certificate.
	cache map[string]string
	// fsys, when set, is where ${file:...} reads (LoadOptions.FS); root is
	// then its top.
	fsys fs.FS
}

// errUnset marks a reference whose variable is unset or empty, or whose file
// does not exist: the one failure a secret defers to apply time.
var errUnset = errors.New("unset")

// errBudget marks the reference that ran out of the load's budget and
// errOversized a file over MaxReferencedFile; errQuiet the references after
// them, which are not reported again.
var (
	errBudget    = errors.New("budget")
	errOversized = errors.New("over the per-file cap")
	errQuiet     = errors.New("the reference budget is spent")
)

// resolve returns the value a reference stands for, read relative to baseDir.
// Errors name the variable or the path as written, never a value.
func (r reference) resolve(env *refEnvironment, baseDir string) (string, error) {
	if err := env.ctx.Err(); err != nil {
		return "", err
	}
	switch r.kind {
	case refEnv:
		v, ok := env.getenv(r.arg)
		if !ok {
			return "", fmt.Errorf("environment variable %s is not set%w", r.arg, silent(errUnset))
		}
		if v == "" {
			return "", fmt.Errorf("environment variable %s is empty%w", r.arg, silent(errUnset))
		}
		return v, nil
	case refFile:
		if env.fsys != nil {
			return env.resolveFS(r, baseDir)
		}
		real, err := confinedPath(env.root, baseDir, r.arg)
		if errors.Is(err, errNotFound) {
			return "", fmt.Errorf("%w%w", err, silent(errUnset))
		}
		if err != nil {
			return "", err
		}
		v, cached := env.cache[real]
		if !cached {
			b, err := readConfined(env.ctx, real, r.arg)
			if err != nil {
				return "", err
			}
			v = string(b)
			if env.cache != nil {
				env.cache[real] = v
			}
		}
		return env.charge(r, v)
	}
	return "", fmt.Errorf("unknown reference kind %q", r.kind)
}

// charge counts a file's value against the load's budget and trims it.
func (env *refEnvironment) charge(r reference, v string) (string, error) {
	if env.budget != nil {
		if *env.budget < int64(len(v)) {
			return "", fmt.Errorf("references read more than %d MiB in all; reference fewer or smaller files%w", MaxReferencedTotal>>20, silent(errBudget))
		}
		*env.budget -= int64(len(v))
	}
	// Files written by editors and secret managers end with a newline
	// that is never part of the value.
	v = strings.TrimRight(v, "\r\n")
	if v == "" {
		return "", fmt.Errorf("file %s is empty%w", truncate(r.arg, 60), silent(errUnset))
	}
	return v, nil
}

// resolveFS is resolve of a ${file:...} for LoadOptions.FS.
func (env *refEnvironment) resolveFS(r reference, baseDir string) (string, error) {
	key := "fs\x00" + baseDir + "\x00" + r.arg
	v, cached := env.cache[key]
	if !cached {
		b, err := readReferencedFS(env.fsys, baseDir, r.arg)
		if errors.Is(err, errNotFound) {
			return "", fmt.Errorf("%w%w", err, silent(errUnset))
		}
		if err != nil {
			return "", err
		}
		v = string(b)
		if env.cache != nil {
			env.cache[key] = v
		}
	}
	return env.charge(r, v)
}

// silent wraps a sentinel so that %w adds it to the chain without adding text.
func silent(err error) error { return silentErr{err} }

type silentErr struct{ err error }

func (e silentErr) Error() string { return "" }
func (e silentErr) Unwrap() error { return e.err }

// ResolveSecret resolves the reference a sensitive value was loaded from, so
// that apply can obtain it again without a plan ever storing it. getenv nil
// means os.LookupEnv. A ${file:...} is confined to src.Root (src.BaseDir when
// the source names no root) under the same rules as at load time.
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
	root := src.Root
	if root == "" {
		root = src.BaseDir
	}
	return ref.resolve(&refEnvironment{ctx: context.Background(), getenv: getenv, root: root}, src.BaseDir)
}
