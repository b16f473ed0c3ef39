package addr

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestParseRoundTrip(t *testing.T) {
	okta := Owner(false, "platform").IdPOf("Okta")
	tests := []struct {
		in   string
		want Address
	}{
		{"account[platform]", Owner(false, "platform")},
		{"zone[docs]", Owner(true, "docs")},
		{"account[platform].idp[Okta]", okta},
		{"zone[docs].idp[GitHub]", Owner(true, "docs").IdPOf("GitHub")},
		{"account[platform].idp[Okta].encryption.certificate_set", okta.Child(CertificateSet, "")},
		{"account[platform].idp[Okta].encryption", okta.Child(Encryption, "")},
		{"account[platform].idp[Okta].grant", okta.Child(Grant, "")},
		{"account[platform].idp[Okta].share", okta.Child(Share, "")},
		{"account[platform].idp[Okta].share.recipient[0123]", okta.Child(Recipient, "0123")},
		{"account[platform].idp[Okta].share.recipient[organization]", okta.Child(Recipient, "organization")},
		{"account[platform].idp[Okta].scim_secret", okta.Child(SCIMSecret, "")},
		{"account[platform].idp[Okta].grant (deposed)", Address{Owner: "platform", IdP: "Okta", Kind: Grant, Suffix: Deposed}},
		{"account[platform].idp[Okta] (duplicate 9f)", Address{Owner: "platform", IdP: "Okta", Kind: IdP, Suffix: DuplicateSuffix("9f")}},
		{"account[platform].idp[Okta].share (duplicate 9f)", okta.Child(Share, "").AsDuplicate("9f")},
		// A second grant of an IdP being replaced is both.
		{"account[platform].idp[Okta].grant (deposed) (duplicate 9f)", okta.Child(Grant, "").AsDeposed().AsDuplicate("9f")},
		{"zone[docs].idp[GitHub].share (deposed)", Owner(true, "docs").IdPOf("GitHub").Child(Share, "").AsDeposed()},
		{"account[a].idp[x (duplicate y)]", Owner(false, "a").IdPOf("x (duplicate y)")},
		// Names hold any character: the kind is read from the end, the
		// owner up to the first ].idp[.
		{"account[a.b].idp[x.share.recipient[y]].share.recipient[z]", Owner(false, "a.b").IdPOf("x.share.recipient[y]").Child(Recipient, "z")},
		{"account[a].idp[x].grant]", Owner(false, "a").IdPOf("x].grant")},
		{"account[a].idp[]", Owner(false, "a").IdPOf("")},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if s := got.String(); s != tt.in {
			t.Errorf("Parse(%q).String() = %q", tt.in, s)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, in := range []string{"", "idp[Okta]", "account[a].idp[x] (duplicate y) (deposed)", "account[a] (duplicate y)", "account[a", "account[a].grant", "account[a].idp[x", "account[a] (deposed)", "Account[a]"} {
		if a, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) = %+v, want an error", in, a)
		} else if !strings.Contains(err.Error(), "is not an address") {
			t.Errorf("Parse(%q): %v", in, err)
		}
	}
}

func TestParentAndOwner(t *testing.T) {
	okta := Owner(false, "platform").IdPOf("Okta")
	tests := []struct {
		a      Address
		parent string
	}{
		{okta.Child(Recipient, "b"), "account[platform].idp[Okta].share"},
		{okta.Child(Share, ""), "account[platform].idp[Okta]"},
		{okta.Child(CertificateSet, ""), "account[platform].idp[Okta].encryption"},
		{okta.Child(SCIMSecret, ""), "account[platform].idp[Okta]"},
		{okta, "account[platform]"},
		{Address{Owner: "platform", IdP: "Okta", Kind: Grant, Suffix: Deposed}, "account[platform].idp[Okta]"},
	}
	for _, tt := range tests {
		p, ok := tt.a.Parent()
		if !ok || p.String() != tt.parent {
			t.Errorf("%s: parent %s, %v; want %s", tt.a, p, ok, tt.parent)
		}
		if o := tt.a.OwnerAddress().String(); o != "account[platform]" {
			t.Errorf("%s: owner %s", tt.a, o)
		}
		if i, ok := tt.a.IdPAddress(); !ok || i != okta {
			t.Errorf("%s: IdP %s, %v", tt.a, i, ok)
		}
	}
	owner := Owner(true, "docs")
	if _, ok := owner.Parent(); ok {
		t.Error("an owner has a parent")
	}
	if _, ok := owner.IdPAddress(); ok {
		t.Error("an owner has an IdP")
	}
}

// Every kind has one row, and every row a path that parses back to it.
func TestKindsTable(t *testing.T) {
	seen := map[Kind]bool{}
	declared := declaredKinds(t)
	if len(declared) != len(Kinds) {
		t.Errorf("%d kinds declared, %d rows in Kinds", len(declared), len(Kinds))
	}
	for _, k := range declared {
		if _, ok := Info(k); !ok {
			t.Errorf("kind %s has no row in Kinds", k)
		}
	}
	for _, info := range Kinds {
		if seen[info.Kind] {
			t.Errorf("%s has two rows", info.Kind)
		}
		seen[info.Kind] = true
		if info.Kind != IdP {
			if _, ok := Info(info.Parent); !ok || !seen[info.Parent] {
				t.Errorf("%s: parent %q is not a kind listed before it", info.Kind, info.Parent)
			}
		}
		a := Owner(false, "a").IdPOf("n").Child(info.Kind, "k")
		if info.Kind == IdP {
			a = a.IdPOf("n")
		}
		if !info.Keyed {
			a.Key = ""
		}
		got, err := Parse(a.String())
		if err != nil || got != a {
			t.Errorf("%s: %s parses to %+v, %v", info.Kind, a, got, err)
		}
	}
}

func TestIsIdPAndWithin(t *testing.T) {
	okta := Owner(false, "platform").IdPOf("Okta")
	other := Owner(false, "platform").IdPOf("Okta2")
	zone := Owner(true, "platform").IdPOf("Okta")
	tests := []struct {
		a                     Address
		isIdP                 bool
		inOkta, inOwner, inZ  bool
		inOther, inSelfSuffix bool
	}{
		{a: okta, isIdP: true, inOkta: true, inOwner: true},
		{a: okta.AsDuplicate("9f"), inOkta: true, inOwner: true, inSelfSuffix: true},
		{a: okta.Child(Grant, "").AsDeposed(), inOkta: true, inOwner: true},
		{a: okta.Child(Recipient, "0123"), inOkta: true, inOwner: true},
		{a: okta.Child(SCIMSecret, ""), inOkta: true, inOwner: true},
		{a: other, isIdP: true, inOwner: true, inOther: true},
		{a: zone, isIdP: true, inZ: true},
		{a: Owner(false, "platform"), inOwner: true},
	}
	for _, tt := range tests {
		if got := tt.a.IsIdP(); got != tt.isIdP {
			t.Errorf("%s: IsIdP %v", tt.a, got)
		}
		for _, c := range []struct {
			t    Address
			want bool
		}{
			{okta, tt.inOkta}, {Owner(false, "platform"), tt.inOwner}, {Owner(true, "platform"), tt.inZ},
			{other, tt.inOther}, {okta.AsDuplicate("9f"), tt.inSelfSuffix},
		} {
			if got := tt.a.Within(c.t); got != c.want {
				t.Errorf("%s within %s: %v, want %v", tt.a, c.t, got, c.want)
			}
		}
	}
}

// declaredKinds reads every constant of type Kind from the package's
// source, so that a kind declared without a row in Kinds fails
// TestKindsTable rather than hiding behind a hand-kept list.
func declaredKinds(t *testing.T) []Kind {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []Kind
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Kind" {
					continue
				}
				for _, v := range vs.Values {
					lit, ok := v.(*ast.BasicLit)
					if !ok {
						t.Fatalf("%s: a Kind constant is not a string literal", name)
					}
					s, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					out = append(out, Kind(s))
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("found no Kind constants")
	}
	return out
}
