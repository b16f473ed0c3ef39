package rego

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	oparego "github.com/open-policy-agent/opa/v1/rego"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/internal/sanitize"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/policy"
)

// Bounds on a policy directory and its evaluation. A pull request writes the
// policies as well as the YAML: none of these can be raised from a file.
const (
	// MaxFiles, MaxFileSize and MaxTotalSize bound what LoadDir reads.
	MaxFiles     = 256
	MaxFileSize  = 1 << 20
	MaxTotalSize = 8 << 20
	// maxFindings bounds the findings one directory may produce, and
	// maxMessage the length of each message.
	maxFindings = 1000
	maxMessage  = 1000
	maxDepth    = 16
)

// refused are the builtins a policy may not call: they reach the network,
// or the environment of the process (opa.runtime().env holds the API
// token). Removed from the capabilities, a call to one fails to compile.
var refused = []string{ast.HTTPSend.Name, ast.NetLookupIPAddr.Name, ast.OPARuntime.Name}

// capabilities are this OPA's, less the refused builtins, with no host
// allowed for any network builtin added later.
func capabilities() *ast.Capabilities {
	c := ast.CapabilitiesForThisVersion()
	c.Builtins = slices.DeleteFunc(c.Builtins, func(b *ast.Builtin) bool { return slices.Contains(refused, b.Name) })
	c.AllowNet = []string{}
	return c
}

// Policies are a compiled directory of Rego policies. They satisfy
// policy.Evaluator.
type Policies struct {
	Dir      string
	modules  map[string]*ast.Module
	compiler *ast.Compiler
	// rules are the deny and warn rules to query: data.<package>.<name>.
	rules []regoRule
}

type regoRule struct {
	pkg   string // the package path without data., e.g. main or idp.saml
	name  string // deny, warn, deny_x or warn_x
	level string
}

// LoadDir reads and compiles every .rego file under dir (recursively, not
// following symbolic links), Rego v1 syntax. A policy that calls a refused
// builtin, or any error, is reported with its file and line.
func LoadDir(dir string) (*Policies, error) {
	files, err := regoFiles(dir)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("--policy %s: no .rego files in this directory", dir)
	}
	caps := capabilities()
	modules := make(map[string]*ast.Module, len(files))
	var total int64
	for _, f := range files {
		src, err := readBounded(f, &total)
		if err != nil {
			return nil, err
		}
		m, err := ast.ParseModuleWithOpts(f, src, ast.ParserOptions{RegoVersion: ast.RegoV1, Capabilities: caps})
		if err != nil {
			return nil, fmt.Errorf("policy %w", friendly(err))
		}
		modules[f] = m
	}
	c := ast.NewCompiler().WithCapabilities(caps).WithDefaultRegoVersion(ast.RegoV1).WithEnablePrintStatements(false)
	if c.Compile(modules); c.Failed() {
		return nil, fmt.Errorf("policy %w", friendly(c.Errors))
	}
	r := &Policies{Dir: dir, modules: modules, compiler: c}
	seen := map[string]bool{}
	for _, m := range modules {
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		for _, rule := range m.Rules {
			name := rule.Head.Name.String()
			if len(rule.Head.Reference) > 0 {
				name = rule.Head.Reference[0].String()
			}
			level := ""
			switch {
			case name == "deny" || strings.HasPrefix(name, "deny_"):
				level = idptype.PolicyDeny
			case name == "warn" || strings.HasPrefix(name, "warn_"):
				level = idptype.PolicyWarn
			default:
				continue
			}
			if key := pkg + "\x00" + name; !seen[key] {
				seen[key] = true
				r.rules = append(r.rules, regoRule{pkg: pkg, name: name, level: level})
			}
		}
	}
	sort.Slice(r.rules, func(i, j int) bool {
		a, b := r.rules[i], r.rules[j]
		return a.pkg < b.pkg || a.pkg == b.pkg && a.name < b.name
	})
	return r, nil
}

// regoFiles lists the .rego files under dir, sorted, refusing links and
// more than MaxFiles.
func regoFiles(dir string) ([]string, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("--policy %s: %w", dir, errors.Unwrap(err))
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("--policy %s: not a directory", dir)
	}
	var files []string
	err = filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			if path != dir && strings.HasPrefix(e.Name(), ".") {
				return filepath.SkipDir
			}
			if strings.Count(strings.TrimPrefix(path, dir), string(filepath.Separator)) > maxDepth {
				return fmt.Errorf("%s: policy directories nest more than %d deep", path, maxDepth)
			}
			return nil
		}
		if filepath.Ext(path) != ".rego" {
			return nil
		}
		if !e.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file: commit the policy itself, not a link to it", path)
		}
		files = append(files, path)
		if len(files) > MaxFiles {
			return fmt.Errorf("%s: more than %d .rego files", dir, MaxFiles)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("--policy: %w", err)
	}
	slices.Sort(files)
	return files, nil
}

func readBounded(path string, total *int64) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("policy %s: %w", path, errors.Unwrap(err))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return "", fmt.Errorf("policy %s: %w", path, err)
	}
	if len(b) > MaxFileSize {
		return "", fmt.Errorf("policy %s: larger than %d KiB", path, MaxFileSize>>10)
	}
	if *total += int64(len(b)); *total > MaxTotalSize {
		return "", fmt.Errorf("policy %s: the policy files exceed %d MiB together", path, MaxTotalSize>>20)
	}
	return string(b), nil
}

// friendly rewrites OPA's errors about a refused builtin into why it is
// refused; other errors keep OPA's words, which quote only the policy.
func friendly(err error) error {
	var errs ast.Errors
	if !errors.As(err, &errs) {
		return errors.New(sanitize.Lines(err.Error()))
	}
	var lines []string
	for _, e := range errs {
		msg := e.Error()
		for _, name := range refused {
			if strings.Contains(e.Message, "undefined function "+name) || strings.Contains(e.Message, "undefined ref: "+name) {
				loc := ""
				if e.Location != nil {
					loc = e.Location.String() + ": "
				}
				msg = fmt.Sprintf("%s%s is not available to idpsync policies: a policy may not reach the network, the environment or files", loc, name)
			}
		}
		// OPA's messages quote the policy, which a pull request wrote.
		lines = append(lines, sanitize.Lines(msg))
	}
	return errors.New(strings.Join(lines, "\n"))
}

// Eval evaluates every deny and warn rule against input, within timeout
// (policy.DefaultTimeout when zero).
func (r *Policies) Eval(ctx context.Context, input map[string]any, timeout time.Duration) ([]plan.PolicyResult, error) {
	if timeout <= 0 {
		timeout = policy.DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	val, err := ast.InterfaceToValue(input)
	if err != nil {
		return nil, fmt.Errorf("policy input: %w", err)
	}
	var out []plan.PolicyResult
	for _, rr := range r.rules {
		q := oparego.New(
			oparego.Query("data."+rr.pkg+"."+rr.name),
			oparego.Compiler(r.compiler),
			oparego.Capabilities(capabilities()),
			oparego.ParsedInput(val),
			oparego.StrictBuiltinErrors(true),
			oparego.EnablePrintStatements(false),
		)
		rs, err := q.Eval(ctx)
		if err != nil {
			if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return nil, fmt.Errorf("policy %s: evaluation took longer than %s and was stopped", r.Dir, timeout)
			}
			return nil, fmt.Errorf("policy %s.%s: %s", rr.pkg, rr.name, sanitize.Lines(err.Error()))
		}
		for _, res := range rs {
			for _, e := range res.Expressions {
				out = append(out, findings(rr, e.Value)...)
			}
		}
		if len(out) > maxFindings {
			return nil, fmt.Errorf("policy %s: more than %d findings", r.Dir, maxFindings)
		}
	}
	return out, nil
}

// findings turns a rule's value into findings, as conftest reads it: a set
// of messages, each a string or an object with `msg` (and, for idpsync,
// an optional `address`); a rule that is simply true says its own name.
func findings(rr regoRule, v any) []plan.PolicyResult {
	rule := idptype.RegoRulePrefix + rr.pkg
	one := func(item any) plan.PolicyResult {
		res := plan.PolicyResult{Rule: rule, Level: rr.level, Address: "plan"}
		switch x := item.(type) {
		case string:
			res.Message = x
		case map[string]any:
			if m, ok := x["msg"].(string); ok {
				res.Message = m
			} else {
				res.Message = fmt.Sprintf("%s.%s returned an object without a `msg` string", rr.pkg, rr.name)
			}
			if a, ok := x["address"].(string); ok && a != "" {
				res.Address = a
			}
		case bool:
			res.Message = rr.pkg + "." + rr.name + " is true"
		default:
			res.Message = fmt.Sprintf("%s.%s returned %T instead of a message", rr.pkg, rr.name, item)
		}
		res.Message = clip(res.Message, maxMessage)
		res.Address = clip(res.Address, 256)
		return res
	}
	switch x := v.(type) {
	case []any:
		out := make([]plan.PolicyResult, 0, len(x))
		for _, item := range x {
			out = append(out, one(item))
		}
		return out
	case bool:
		if !x {
			return nil
		}
	}
	return []plan.PolicyResult{one(v)}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n] + "…"
}
