package state

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/schemas"
)

// TestSchemaSetAgreesWithThePublishedSchema: the loader's split schema
// reports exactly the failures the published schema does, each at the same
// place, of the same kind, and an unknown key with the same list of keys
// allowed there, on every document of the test data and examples and on
// mutants of the valid ones.
func TestSchemaSetAgreesWithThePublishedSchema(t *testing.T) {
	set, err := loadSchemaSet()
	if err != nil {
		t.Fatal(err)
	}
	published, err := schemas.Compile()
	if err != nil {
		t.Fatal(err)
	}
	l := &loader{schemas: set}
	describe := func(leaves []*jsonschema.ValidationError) []string {
		var out []string
		for _, e := range leaves {
			s := fmt.Sprintf("/%s %s: ", jsonPath(e.InstanceLocation), strings.Join(e.ErrorKind.KeywordPath(), "/"))
			// The library lists keys in map order.
			switch k := e.ErrorKind.(type) {
			case *kind.AdditionalProperties:
				s += fmt.Sprintf("%v (allowed %v)", slices.Sorted(slices.Values(k.Properties)), l.schemaProperties(e.SchemaURL))
			case *kind.Required:
				s += fmt.Sprint(slices.Sorted(slices.Values(k.Missing)))
			default:
				s += fmt.Sprint(e.ErrorKind)
			}
			out = append(out, s)
		}
		slices.Sort(out)
		return out
	}
	compared, failing := 0, 0
	compare := func(name string, v any) {
		t.Helper()
		split, err := set.validateFully(v)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var whole []*jsonschema.ValidationError
		if err := published.Validate(v); err != nil {
			verr, ok := err.(*jsonschema.ValidationError)
			if !ok {
				t.Fatalf("%s: %v", name, err)
			}
			var walk func(e *jsonschema.ValidationError)
			walk = func(e *jsonschema.ValidationError) {
				if len(e.Causes) == 0 {
					whole = append(whole, e)
				}
				for _, c := range e.Causes {
					walk(c)
				}
			}
			walk(verr)
		}
		compared++
		if len(whole) > 0 {
			failing++
		}
		if got, want := describe(split), describe(whole); !slices.Equal(got, want) {
			t.Errorf("%s: the loader's schema reports\n\t%s\nthe published schema\n\t%s",
				name, strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
		}
	}
	corpus := quickCheckCorpus(t)
	// The top-level blocks split off the skeleton, on a valid document and
	// to mutate: the corpus has few of them.
	for name, base := range map[string]string{"drift": "../examples/federation.yaml", "policy": "../examples/guardrails.yaml"} {
		doc, ok := deepCopy(corpus[base]).(map[string]any)
		if !ok {
			t.Fatalf("no %s", base)
		}
		doc["drift"] = map[string]any{"exceptions": []any{
			map[string]any{"address": "account[platform].idp[*]", "fields": []any{"config.client_id"}, "reason": "migration", "until": "2099-01-01"},
			map[string]any{"address": "account[platform].idp[GitHub]", "reason": "left over", "until": "2099-01-01"},
		}}
		corpus["with "+name] = doc
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range corpus {
			if !yield(k) {
				return
			}
		}
	})
	rng := rand.New(rand.NewPCG(27, 3))
	replacements := []any{nil, true, 0.0, 1.5, "", "x", "https://example.com", "saml", "oidc", "okta",
		[]any{}, map[string]any{}, map[string]any{"enabled": true}, map[string]any{"client_id": "x"}}
	for _, name := range names {
		compare(name, corpus[name])
		for i := range 30 {
			v := deepCopy(corpus[name])
			if mutate(rng, v, replacements) {
				compare(fmt.Sprintf("%s (mutant %d)", name, i), v)
			}
		}
	}
	t.Logf("%d documents compared, %d of them invalid", compared, failing)
	if compared < 1000 || failing < compared/10 || compared-failing < 40 {
		t.Fatalf("%d documents compared, %d invalid: that tests too little", compared, failing)
	}
}

// TestSchemaSetEveryPartCompiles: a part is compiled only when a document
// needs it, so a broken one would show only for a file with that IdP type
// or block; compile every one here.
func TestSchemaSetEveryPartCompiles(t *testing.T) {
	set, err := loadSchemaSet()
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range idptype.Names {
		compile, ok := set.byType[typ]
		if !ok {
			t.Errorf("no branch for %s", typ)
			continue
		}
		if p, err := compile(); err != nil || p.schema == nil {
			t.Errorf("branch for %s: %v", typ, err)
		}
	}
	for _, key := range splitTopLevel {
		if p, err := set.topLevel[key](); err != nil || p.schema == nil {
			t.Errorf("top-level %s: %v", key, err)
		}
	}
}
