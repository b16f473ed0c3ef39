package state

import (
	"bytes"
	"fmt"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/schemas"
)

// schemaSet is the desired-state schema split for speed. The schema picks an
// IdP's config keys with one if/then per type, so every IdP is tried against
// sixteen conditions; with 10,000 IdPs that dominated a load. The loader
// knows the type already, so it validates the document against the schema
// without those conditions (the skeleton) and each IdP against its own
// type's branch, which reports exactly the same failures
// (TestSchemaSetAgreesWithThePublishedSchema).
//
// Compiling is most of what a short command spends on the schema: the
// library checks every schema it compiles against the JSON Schema
// meta-schema first. So each branch, with the config definition it refers
// to, is a document of its own, compiled the first time an IdP of its type
// is validated: a file with two types of IdP pays for two branches, not
// sixteen, and the skeleton no longer carries the sixteen config
// definitions. The published file is unchanged; the loader works on its own
// copy.
type schemaSet struct {
	skeleton *jsonschema.Schema
	quick    quickTable // the skeleton's
	byType   map[string]func() (*schemaBranch, error)
	// raw is the published schema document, to list the keys allowed where
	// one is unknown; only an invalid file needs it.
	raw func() any
}

// schemaBranch is one type's branch, compiled.
type schemaBranch struct {
	schema *jsonschema.Schema
	quick  quickTable
}

var loadSchemaSet = sync.OnceValues(func() (*schemaSet, error) {
	set := &schemaSet{
		byType: map[string]func() (*schemaBranch, error){},
		raw: sync.OnceValue(func() any {
			raw, _ := jsonschema.UnmarshalJSON(bytes.NewReader(schemas.IdPSync))
			return raw // the same bytes parsed below, or the set is not made
		}),
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemas.IdPSync))
	if err != nil {
		return nil, err
	}
	defs, ok := lookupJSON(doc, "$defs").(map[string]any)
	if !ok {
		return nil, fmt.Errorf("schema has no $defs")
	}
	idp, ok := defs["identity_provider"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("schema has no $defs/identity_provider")
	}
	conds, _ := idp["allOf"].([]any)
	delete(idp, "allOf")
	draft, _ := lookupJSON(doc, "$schema").(string)

	// Each branch takes along the definitions it refers to; those the
	// skeleton does not refer to itself then leave the skeleton.
	moved := map[string]bool{}
	for i, cond := range conds {
		t, _ := lookupJSON(cond, "if", "properties", "type", "const").(string)
		if !idptype.Known(t) {
			return nil, fmt.Errorf("schema branch %d is for unknown type %q", i, t)
		}
		then, ok := lookupJSON(cond, "then").(map[string]any)
		if !ok {
			return nil, fmt.Errorf("schema branch %d (%s) has no then", i, t)
		}
		if _, dup := set.byType[t]; dup {
			return nil, fmt.Errorf("schema has two branches for type %q", t)
		}
		if _, taken := then["$defs"]; taken {
			return nil, fmt.Errorf("schema branch %d (%s) has its own $defs", i, t)
		}
		bdefs := map[string]any{}
		if err := copyDefs(then, defs, bdefs); err != nil {
			return nil, fmt.Errorf("schema branch %d (%s): %w", i, t, err)
		}
		branch := map[string]any{"$schema": draft, "$defs": bdefs}
		for k, v := range then {
			branch[k] = v
		}
		for name := range bdefs {
			moved[name] = true
		}
		// The branch's own address; its references ("#/$defs/...") resolve
		// in it, and a failure's fragment names the same place as in the
		// published file (schemaProperties reads it there).
		url := fmt.Sprintf("%s/branch/%s", schemas.ID, t)
		set.byType[t] = sync.OnceValues(func() (*schemaBranch, error) {
			c := jsonschema.NewCompiler()
			if err := c.AddResource(url, branch); err != nil {
				return nil, err
			}
			s, err := c.Compile(url)
			if err != nil {
				return nil, fmt.Errorf("schema branch for %s: %w", t, err)
			}
			return &schemaBranch{schema: s, quick: quickSchemas(s)}, nil
		})
	}
	if len(set.byType) != len(idptype.Names) {
		return nil, fmt.Errorf("schema has branches for %d types, want %d", len(set.byType), len(idptype.Names))
	}
	kept := map[string]bool{}
	refsOf(doc, kept)
	for name := range moved {
		if !kept[name] {
			delete(defs, name)
		}
	}

	c := jsonschema.NewCompiler()
	if err := c.AddResource(schemas.ID, doc); err != nil {
		return nil, err
	}
	if set.skeleton, err = c.Compile(schemas.ID); err != nil {
		return nil, err
	}
	set.quick = quickSchemas(set.skeleton)
	return set, nil
})

// branch is the compiled branch of IdP type t, or nil for a type the schema
// has none for (the skeleton reports it).
func (s *schemaSet) branch(t string) (*schemaBranch, error) {
	compile, ok := s.byType[t]
	if !ok {
		return nil, nil
	}
	return compile()
}

const localDef = "#/$defs/"

// refsOf adds to refs the definitions v refers to ("$ref": "#/$defs/NAME").
func refsOf(v any, refs map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if r, ok := e.(string); ok && k == "$ref" && strings.HasPrefix(r, localDef) {
				refs[strings.TrimPrefix(r, localDef)] = true
			}
			refsOf(e, refs)
		}
	case []any:
		for _, e := range v {
			refsOf(e, refs)
		}
	}
}

// copyDefs copies into to the definitions v refers to, and those they refer
// to in turn. A branch may refer to whole definitions only: any other
// reference would not resolve the same way in a document of its own.
func copyDefs(v any, defs, to map[string]any) error {
	if err := onlyDefRefs(v); err != nil {
		return err
	}
	refs := map[string]bool{}
	refsOf(v, refs)
	for name := range refs {
		if _, done := to[name]; done {
			continue
		}
		def, ok := defs[name]
		if !ok {
			return fmt.Errorf("no definition %q", name)
		}
		to[name] = def
		if err := copyDefs(def, defs, to); err != nil {
			return err
		}
	}
	return nil
}

func onlyDefRefs(v any) error {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			switch k {
			case "$ref":
				r, _ := e.(string)
				if !strings.HasPrefix(r, localDef) || strings.Contains(strings.TrimPrefix(r, localDef), "/") {
					return fmt.Errorf("unexpected $ref %v", e)
				}
			case "$dynamicRef", "$id", "$anchor", "$dynamicAnchor":
				return fmt.Errorf("unexpected %s", k)
			}
			if err := onlyDefRefs(e); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range v {
			if err := onlyDefRefs(e); err != nil {
				return err
			}
		}
	}
	return nil
}

func lookupJSON(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// validate checks a document and returns every leaf failure, with instance
// locations relative to the document. A document the quick check finds valid is
// not validated again; any other goes through the library, which reports and
// locates each failure.
func (s *schemaSet) validate(val any) ([]*jsonschema.ValidationError, error) {
	if s.quickValid(val) {
		return nil, nil
	}
	return s.validateFully(val)
}

// quickValid is validateFully finding nothing, decided by the quick check.
func (s *schemaSet) quickValid(val any) bool {
	if s.quick.check(s.skeleton, val, 0) != quickValid {
		return false
	}
	for _, idp := range s.eachIdP(val) {
		b, err := s.branch(idp.typ)
		if err != nil {
			return false // validateFully reports it
		}
		if b != nil && b.quick.check(b.schema, idp.val, 0) != quickValid {
			return false
		}
	}
	return true
}

type idpValue struct {
	owner string // accounts or zones
	i, j  int
	typ   string
	val   any
}

// eachIdP lists the document's IdPs, each with the type it declares.
func (s *schemaSet) eachIdP(val any) []idpValue {
	var out []idpValue
	for _, key := range []string{"accounts", "zones"} {
		owners, _ := lookupJSON(val, key).([]any)
		for i, a := range owners {
			idps, _ := lookupJSON(a, "identity_providers").([]any)
			for j, idp := range idps {
				m, _ := idp.(map[string]any)
				t, _ := m["type"].(string)
				out = append(out, idpValue{key, i, j, t, idp})
			}
		}
	}
	return out
}

// validateFully is the library's validation of the document, every failure
// reported.
func (s *schemaSet) validateFully(val any) ([]*jsonschema.ValidationError, error) {
	var leaves []*jsonschema.ValidationError
	collect := func(err error, prefix []string) error {
		if err == nil {
			return nil
		}
		verr, ok := err.(*jsonschema.ValidationError)
		if !ok {
			return err
		}
		var walk func(e *jsonschema.ValidationError)
		walk = func(e *jsonschema.ValidationError) {
			if len(e.Causes) == 0 {
				if prefix != nil {
					e.InstanceLocation = append(append([]string(nil), prefix...), e.InstanceLocation...)
				}
				leaves = append(leaves, e)
			}
			for _, c := range e.Causes {
				walk(c)
			}
		}
		walk(verr)
		return nil
	}
	if err := collect(s.skeleton.Validate(val), nil); err != nil {
		return nil, err
	}
	for _, idp := range s.eachIdP(val) {
		b, err := s.branch(idp.typ)
		if err != nil {
			return nil, err
		}
		if b == nil {
			continue // no type, or an unknown one: the skeleton said so
		}
		prefix := []string{idp.owner, fmt.Sprint(idp.i), "identity_providers", fmt.Sprint(idp.j)}
		if err := collect(b.schema.Validate(idp.val), prefix); err != nil {
			return nil, err
		}
	}
	return leaves, nil
}
