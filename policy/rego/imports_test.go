package rego

import (
	"go/build"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// mayLinkOPA are the packages whose binaries (and test binaries) may link
// Open Policy Agent: this one, what assembles the CLI (root sets the
// Factory's LoadPolicy to this package's loader), and `policy test`, which
// runs Rego unit tests. Linking OPA costs every test binary about a second
// of CPU, so the rest, the commands that take --policy among them, reach
// Rego only through interfaces (policy.Evaluator, engine.PolicyChecker) and
// the Factory.
var mayLinkOPA = []string{
	"policy/rego",
	"cmd/idpsync",
	"cmd/idpsync/internal/command/root",
	"cmd/idpsync/internal/command/policycmd",
}

// TestOnlyPolicyCommandsLinkOPA reads the import lists of the module's
// packages (go/build, without the go command) and fails when a package
// outside mayLinkOPA, or its tests, reach OPA.
func TestOnlyPolicyCommandsLinkOPA(t *testing.T) {
	const module = "github.com/idpsync/idpsync"
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	pkgs := map[string]*build.Package{} // by path relative to root
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if name := d.Name(); path != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			return filepath.SkipDir
		}
		p, err := build.ImportDir(path, build.ImportComment)
		if err != nil {
			if _, none := err.(*build.NoGoError); none {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(root, path)
		pkgs[filepath.ToSlash(rel)] = p
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 20 || pkgs["policy/rego"] == nil || pkgs["engine"] == nil {
		t.Fatalf("found %d packages under %s", len(pkgs), root)
	}
	// opa says, by package, through which import it links OPA ("" if not).
	opa := map[string]string{}
	var via func(rel string, imports []string) string
	via = func(rel string, imports []string) string {
		for _, imp := range imports {
			if strings.HasPrefix(imp, "github.com/open-policy-agent/") {
				return imp
			}
			dep, ok := strings.CutPrefix(imp, module+"/")
			if !ok || pkgs[dep] == nil {
				continue
			}
			chain, done := opa[dep]
			if !done {
				opa[dep] = "" // import cycles do not compile
				chain = via(dep, pkgs[dep].Imports)
				opa[dep] = chain
			}
			if chain != "" {
				return dep + " → " + chain
			}
		}
		return ""
	}
	for rel, p := range pkgs {
		if slices.Contains(mayLinkOPA, rel) {
			continue
		}
		imports := slices.Concat(p.Imports, p.TestImports, p.XTestImports)
		if chain := via(rel, imports); chain != "" {
			t.Errorf("%s (or its tests) links Open Policy Agent: %s → %s", rel, rel, chain)
		}
	}
	for _, rel := range mayLinkOPA {
		if pkgs[rel] == nil {
			t.Errorf("%s, listed in mayLinkOPA, is not a package", rel)
		}
	}
}
