package state

import (
	"bytes"
	"fmt"

	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/schemas"
)

// schemaSet is the desired-state schema split for speed. The schema picks an
// IdP's config keys with one if/then per type, so every IdP is tried against
// sixteen conditions; with 10,000 IdPs that dominated a load. The loader
// knows the type already, so it validates the document against the schema
// without those conditions and each IdP against its own type's branch, which
// reports exactly the same failures.
//
// branchesDef is where the loader's copy of the schema keeps the per-type
// conditions (see loadSchemaSet).
const branchesDef = "idpsync_type_branches"

type schemaSet struct {
	skeleton *jsonschema.Schema
	byType   map[string]*jsonschema.Schema
	raw      any // the schema document, to list the keys allowed where one is unknown
	quick    map[*jsonschema.Schema]quickSchema
}

var loadSchemaSet = sync.OnceValues(func() (*schemaSet, error) {
	raw, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemas.IdPSync))
	if err != nil {
		return nil, err
	}
	set := &schemaSet{raw: raw, byType: map[string]*jsonschema.Schema{}}

	// One document, validated against the meta-schema once (that check is
	// most of the compile's cost, paid by every process that loads a file):
	// a copy whose identity_provider keeps no conditions, with the
	// conditions moved under a $defs entry nothing refers to, so the root
	// compiles as the skeleton and each branch compiles on its own. The
	// published file is unchanged.
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
	if _, taken := defs[branchesDef]; taken {
		return nil, fmt.Errorf("schema already has $defs/%s", branchesDef)
	}
	defs[branchesDef] = map[string]any{"allOf": conds}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schemas.ID, doc); err != nil {
		return nil, err
	}
	if set.skeleton, err = c.Compile(schemas.ID); err != nil {
		return nil, err
	}
	for i, cond := range conds {
		t, _ := lookupJSON(cond, "if", "properties", "type", "const").(string)
		if !idptype.Known(t) {
			return nil, fmt.Errorf("schema branch %d is for unknown type %q", i, t)
		}
		s, err := c.Compile(fmt.Sprintf("%s#/$defs/%s/allOf/%d/then", schemas.ID, branchesDef, i))
		if err != nil {
			return nil, err
		}
		set.byType[t] = s
	}
	if len(set.byType) != len(idptype.Names) {
		return nil, fmt.Errorf("schema has branches for %d types, want %d", len(set.byType), len(idptype.Names))
	}
	roots := []*jsonschema.Schema{set.skeleton}
	for _, t := range idptype.Names {
		roots = append(roots, set.byType[t])
	}
	set.quick = quickSchemas(roots...)
	return set, nil
})

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
// locations relative to the document. A document quickCheck finds valid is
// not validated again; any other goes through the library, which reports and
// locates each failure.
func (s *schemaSet) validate(val any) ([]*jsonschema.ValidationError, error) {
	if s.quickValid(val) {
		return nil, nil
	}
	return s.validateFully(val)
}

// quickValid is validateFully finding nothing, decided by quickCheck.
func (s *schemaSet) quickValid(val any) bool {
	if s.quickCheck(s.skeleton, val, 0) != quickValid {
		return false
	}
	for _, idp := range s.eachIdP(val) {
		if sch := s.byType[idp.typ]; sch != nil && s.quickCheck(sch, idp.val, 0) != quickValid {
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
		sch := s.byType[idp.typ]
		if sch == nil {
			continue // no type, or an unknown one: the skeleton said so
		}
		prefix := []string{idp.owner, fmt.Sprint(idp.i), "identity_providers", fmt.Sprint(idp.j)}
		if err := collect(sch.Validate(idp.val), prefix); err != nil {
			return nil, err
		}
	}
	return leaves, nil
}
