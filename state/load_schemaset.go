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
// sixteen. The top-level `policy` and `drift` blocks, which most files do
// not have, are split off the same way. The published file is unchanged;
// the loader works on its own copy.
type schemaSet struct {
	skeleton *jsonschema.Schema
	quick    quickTable // the skeleton's
	byType   map[string]func() (*schemaPart, error)
	topLevel map[string]func() (*schemaPart, error) // by top-level key
	// raw is the published schema document, to list the keys allowed where
	// one is unknown; only an invalid file needs it.
	raw func() any
}

// schemaPart is a piece split off the skeleton, compiled.
type schemaPart struct {
	schema *jsonschema.Schema
	quick  quickTable
}

// splitTopLevel are the top-level keys whose schema is compiled only for a
// document that has them.
var splitTopLevel = []string{"policy", "drift"}

var loadSchemaSet = sync.OnceValues(func() (*schemaSet, error) {
	set := &schemaSet{
		byType:   map[string]func() (*schemaPart, error){},
		topLevel: map[string]func() (*schemaPart, error){},
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
	props, ok := lookupJSON(doc, "properties").(map[string]any)
	if !ok {
		return nil, fmt.Errorf("schema has no properties")
	}
	conds, _ := idp["allOf"].([]any)
	delete(idp, "allOf")
	draft, _ := lookupJSON(doc, "$schema").(string)

	// Each part takes along the definitions it refers to; those the
	// skeleton does not refer to itself then leave the skeleton.
	moved := map[string]bool{}
	part := func(doc map[string]any, url, at string) (func() (*schemaPart, error), error) {
		if _, taken := doc["$defs"]; taken {
			return nil, fmt.Errorf("it has its own $defs")
		}
		pdefs := map[string]any{}
		if err := copyDefs(doc, defs, pdefs); err != nil {
			return nil, err
		}
		for name := range pdefs {
			moved[name] = true
		}
		doc["$schema"], doc["$defs"] = draft, pdefs
		return sync.OnceValues(func() (*schemaPart, error) {
			c := jsonschema.NewCompiler()
			if err := c.AddResource(url, doc); err != nil {
				return nil, err
			}
			s, err := c.Compile(url + at)
			if err != nil {
				return nil, err
			}
			return &schemaPart{schema: s, quick: quickSchemas(s)}, nil
		}), nil
	}

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
		branch := map[string]any{}
		for k, v := range then {
			branch[k] = v
		}
		// The branch's references ("#/$defs/...") resolve in its own
		// document, and a failure inside a definition has the same fragment
		// as in the published file (schemaProperties reads it there).
		if set.byType[t], err = part(branch, fmt.Sprintf("%s/branch/%s", schemas.ID, t), ""); err != nil {
			return nil, fmt.Errorf("schema branch %d (%s): %w", i, t, err)
		}
	}
	if len(set.byType) != len(idptype.Names) {
		return nil, fmt.Errorf("schema has branches for %d types, want %d", len(set.byType), len(idptype.Names))
	}
	for _, key := range splitTopLevel {
		sch, ok := props[key]
		if !ok {
			return nil, fmt.Errorf("schema has no top-level %q", key)
		}
		// At the same place as in the published file: every failure's
		// fragment is too.
		top := map[string]any{"properties": map[string]any{key: sch}}
		if set.topLevel[key], err = part(top, fmt.Sprintf("%s/top/%s", schemas.ID, key), "#/properties/"+key); err != nil {
			return nil, fmt.Errorf("schema's top-level %q: %w", key, err)
		}
		props[key] = true // allowed here, judged by its part
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
// locations relative to the document. A document the quick check finds valid
// is not validated again; any other goes through the library, which reports
// and locates each failure.
func (s *schemaSet) validate(val any) ([]*jsonschema.ValidationError, error) {
	if s.quickValid(val) {
		return nil, nil
	}
	return s.validateFully(val)
}

// partValue is a value of the document and the part of the schema that
// judges it.
type partValue struct {
	part   *schemaPart
	prefix []string // where the value is in the document
	val    any
}

// parts lists what the document needs judged besides the skeleton: each
// IdP by its type's branch, and each split-off top-level block. An IdP with
// no type or an unknown one has no branch: the skeleton says so.
func (s *schemaSet) parts(val any) ([]partValue, error) {
	var out []partValue
	top, _ := val.(map[string]any)
	for _, key := range splitTopLevel {
		v, ok := top[key]
		if !ok {
			continue
		}
		p, err := s.topLevel[key]()
		if err != nil {
			return nil, fmt.Errorf("schema's top-level %q: %w", key, err)
		}
		out = append(out, partValue{p, []string{key}, v})
	}
	for _, key := range []string{"accounts", "zones"} {
		owners, _ := top[key].([]any)
		for i, a := range owners {
			idps, _ := lookupJSON(a, "identity_providers").([]any)
			for j, idp := range idps {
				t, _ := lookupJSON(idp, "type").(string)
				compile, ok := s.byType[t]
				if !ok {
					continue
				}
				p, err := compile()
				if err != nil {
					return nil, fmt.Errorf("schema branch for %s: %w", t, err)
				}
				out = append(out, partValue{p, []string{key, fmt.Sprint(i), "identity_providers", fmt.Sprint(j)}, idp})
			}
		}
	}
	return out, nil
}

// quickValid is validateFully finding nothing, decided by the quick check.
func (s *schemaSet) quickValid(val any) bool {
	if s.quick.check(s.skeleton, val, 0) != quickValid {
		return false
	}
	parts, err := s.parts(val)
	if err != nil {
		return false // validateFully reports it
	}
	for _, p := range parts {
		if p.part.quick.check(p.part.schema, p.val, 0) != quickValid {
			return false
		}
	}
	return true
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
	parts, err := s.parts(val)
	if err != nil {
		return nil, err
	}
	for _, p := range parts {
		if err := collect(p.part.schema.Validate(p.val), p.prefix); err != nil {
			return nil, err
		}
	}
	return leaves, nil
}
