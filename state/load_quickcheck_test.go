package state

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"
)

// quickCheckCorpus converts every YAML document of the test data and the
// examples into the value the schema judges.
func quickCheckCorpus(t *testing.T) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, pattern := range []string{"testdata/invalid/*.yaml", "../examples/*.yaml", "../examples/split/*.yaml", "../examples/*/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			var doc yaml.Node
			if yaml.Unmarshal(b, &doc) != nil {
				continue // a syntax error never reaches the schema
			}
			l := &loader{file: p}
			if v, err := l.toValue(&doc, 0); err == nil && v != nil {
				out[p] = v
			}
		}
	}
	if len(out) < 40 {
		t.Fatalf("only %d documents", len(out))
	}
	return out
}

// TestQuickCheckAgreesWithTheLibrary: the quick check never calls a document
// valid that the library finds a failure in (that would lose a diagnostic),
// and it does decide every valid example by itself (else it saves nothing).
func TestQuickCheckAgreesWithTheLibrary(t *testing.T) {
	set, err := loadSchemaSet()
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, v any) (quick, full bool) {
		t.Helper()
		leaves, err := set.validateFully(v)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		quick, full = set.quickValid(v), len(leaves) == 0
		if quick && !full {
			t.Errorf("%s: the quick check finds it valid; the library reports %d failures, the first at /%s: %v",
				name, len(leaves), jsonPath(leaves[0].InstanceLocation), leaves[0].ErrorKind)
		}
		return quick, full
	}
	corpus := quickCheckCorpus(t)
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range corpus {
			if !yield(k) {
				return
			}
		}
	})
	valid, invalid := 0, 0
	for _, name := range names {
		quick, full := check(name, corpus[name])
		if full {
			valid++
			if !quick {
				t.Errorf("%s: valid, but the quick check cannot tell", name)
			}
		} else {
			invalid++
		}
	}
	if valid < 5 || invalid < 20 {
		t.Fatalf("corpus of %d valid and %d invalid documents", valid, invalid)
	}

	// Mutations of the valid documents: a value replaced by one of another
	// type or shape, a key added or removed.
	rng := rand.New(rand.NewPCG(14, 1))
	replacements := []any{nil, true, false, 0.0, 1.5, 4096.0, -1.0, "", "x", "https://example.com", "${env:X}",
		"023e105f4ecef8ad9ca31a8372d0c353", "saml", "45d", []any{}, []any{"a"}, map[string]any{}, map[string]any{"enabled": true}}
	mutants, caught := 0, 0
	for _, name := range names {
		if _, full := check(name, corpus[name]); !full {
			continue
		}
		for range 300 {
			v := deepCopy(corpus[name])
			if !mutate(rng, v, replacements) {
				continue
			}
			mutants++
			if quick, full := check(fmt.Sprintf("%s (mutant %d)", name, mutants), v); !full && !quick {
				caught++
			}
		}
	}
	t.Logf("%d valid and %d invalid documents; %d mutants, %d of them invalid", valid, invalid, mutants, caught)
	if mutants < 1000 || caught < mutants/10 {
		t.Fatalf("%d mutants, %d invalid: the mutations test too little", mutants, caught)
	}
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

// mutate changes one place of v (a mapping or a list), chosen at random.
func mutate(rng *rand.Rand, v any, replacements []any) bool {
	switch c := v.(type) {
	case map[string]any:
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range c {
				if !yield(k) {
					return
				}
			}
		})
		if len(keys) == 0 || rng.IntN(4) == 0 {
			switch rng.IntN(2) {
			case 0:
				c[[]string{"extra", "name", "type", "config", "enabled", "account", "organization"}[rng.IntN(7)]] = replacements[rng.IntN(len(replacements))]
			default:
				if len(keys) == 0 {
					return false
				}
				delete(c, keys[rng.IntN(len(keys))])
			}
			return true
		}
		k := keys[rng.IntN(len(keys))]
		if rng.IntN(3) == 0 || !mutate(rng, c[k], replacements) {
			c[k] = replacements[rng.IntN(len(replacements))]
		}
		return true
	case []any:
		if len(c) == 0 {
			return false
		}
		i := rng.IntN(len(c))
		if rng.IntN(3) == 0 || !mutate(rng, c[i], replacements) {
			c[i] = replacements[rng.IntN(len(replacements))]
		}
		return true
	}
	return false
}
