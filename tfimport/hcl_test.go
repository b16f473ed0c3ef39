package tfimport

import (
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// The removed blocks and the state rm addresses are read by Terraform, whose
// configuration and address parser is HCL's (Terraform's addrs package
// parses an address with hclsyntax.ParseTraversalAbs). These tests read them
// with that parser: a test dependency only, so that what Terraform will
// parse is checked by the parser Terraform uses, not by this package's idea
// of it.

// TestRemovedBlocksParse: every removed block is valid HCL with a from that
// is a plain traversal naming the resource, and destroy = false.
func TestRemovedBlocksParse(t *testing.T) {
	for _, name := range []string{"v5-state", "v5-plan", "v4-state"} {
		r := convertFixture(t, name)
		src := RemovedBlocks(r)
		f, diags := hclsyntax.ParseConfig(src, name+".tf", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", name, diags.Error())
		}
		body := f.Body.(*hclsyntax.Body)
		var froms []string
		for _, b := range body.Blocks {
			if b.Type != "removed" {
				t.Errorf("%s: block %s", name, b.Type)
				continue
			}
			trav, diags := hcl.AbsTraversalForExpr(b.Body.Attributes["from"].Expr)
			if diags.HasErrors() {
				t.Errorf("%s: from is not a traversal: %s", name, diags.Error())
				continue
			}
			froms = append(froms, traversalString(t, trav))
			var destroy cty.Value
			for _, lb := range b.Body.Blocks {
				if lb.Type == "lifecycle" {
					destroy, _ = lb.Body.Attributes["destroy"].Expr.Value(nil)
				}
			}
			if destroy != cty.False {
				t.Errorf("%s: removed block without lifecycle { destroy = false }", name)
			}
		}
		if strings.Join(froms, "\n") != strings.Join(r.Removed(), "\n") {
			t.Errorf("%s: parsed from addresses\n%s\nwant\n%s", name, strings.Join(froms, "\n"), strings.Join(r.Removed(), "\n"))
		}
	}
}

// TestStateRmAddressesParse: each instance address, however odd its keys,
// parses back to the same module and resource keys.
func TestStateRmAddressesParse(t *testing.T) {
	keys := []string{"plain", `we"ird`, "new\nline", "tab\there", "bidi\u202eevil", "${file:/x}", "%{if x}", "it's", `back\slash`, "\x1b[31m", "emoji 🙂", ""}
	for _, k := range keys {
		res, err := Convert(showJSON(idpRes("x", func(r, v map[string]any) { r["index"] = k })), Options{})
		if err != nil {
			t.Fatalf("%q: %v", k, err)
		}
		addr := res.StateRm()[0]
		trav, diags := hclsyntax.ParseTraversalAbs([]byte(addr), "addr", hcl.InitialPos)
		if diags.HasErrors() {
			t.Errorf("%q: %s does not parse: %s", k, addr, diags.Error())
			continue
		}
		idx, ok := trav[len(trav)-1].(hcl.TraverseIndex)
		if !ok || idx.Key.Type() != cty.String || idx.Key.AsString() != k {
			t.Errorf("%q: %s parses to a different key", k, addr)
		}
	}
	// A module path with keys.
	mod, err := parseModuleAddress(`module.team["e\"u"].module.login[3]`)
	if err != nil {
		t.Fatal(err)
	}
	a := Address{Module: mod, Type: "cloudflare_share", Name: "s", Key: instanceKey{set: true, num: 2}}
	trav, diags := hclsyntax.ParseTraversalAbs([]byte(a.String()), "addr", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("%s: %s", a, diags.Error())
	}
	if got := traversalString(t, trav); got != `module.team["e\"u"].module.login[3].cloudflare_share.s[2]` {
		t.Errorf("parsed back as %s", got)
	}
}

// traversalString writes a parsed traversal back in address form.
func traversalString(t *testing.T, trav hcl.Traversal) string {
	t.Helper()
	var b strings.Builder
	for i, step := range trav {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			b.WriteString("." + s.Name)
		case hcl.TraverseIndex:
			if s.Key.Type() == cty.String {
				b.WriteString("[" + hclQuote(s.Key.AsString()) + "]")
			} else {
				n, _ := s.Key.AsBigFloat().Int64()
				b.WriteString("[" + strconv.FormatInt(n, 10) + "]")
			}
		default:
			t.Fatalf("step %d of the traversal is %T", i, step)
		}
	}
	return b.String()
}
