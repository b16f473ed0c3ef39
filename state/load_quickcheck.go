package state

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The schema pass costs a load about a third of its CPU at 50,000 IdPs, and
// nearly all of it goes to the library's bookkeeping for error reports (a
// validator, a scope and an evaluation record per value and per $ref), which
// a valid document never uses. quickCheck judges a document against the same
// compiled schemas without that bookkeeping. It answers valid only when every
// keyword on the way is one it evaluates exactly as the library does; on
// invalid, or on any keyword it does not know, the loader runs the library's
// validation as before, which finds and positions every failure. So a valid
// file is validated once, cheaply, and an invalid one gets the same
// diagnostics as ever.

type verdict uint8

const (
	quickValid verdict = iota
	quickInvalid
	quickUnsure // a keyword quickCheck does not evaluate: ask the library
)

// JSON types as a bit set, from the schema's "type" names.
const (
	tNull uint8 = 1 << iota
	tBoolean
	tNumber
	tInteger
	tString
	tArray
	tObject
)

var typeBits = map[string]uint8{
	"null": tNull, "boolean": tBoolean, "number": tNumber, "integer": tInteger,
	"string": tString, "array": tArray, "object": tObject,
}

// quickSchema is what quickCheck needs of a compiled schema, worked out once.
type quickSchema struct {
	unsure bool  // uses a keyword quickCheck does not evaluate
	types  uint8 // 0: no "type" keyword
}

// quickTable is what quickCheck needs of every schema reachable from some
// roots.
type quickTable map[*jsonschema.Schema]quickSchema

// quickSchemas inspects every schema reachable from roots.
func quickSchemas(roots ...*jsonschema.Schema) quickTable {
	out := quickTable{}
	var visit func(s *jsonschema.Schema)
	visit = func(s *jsonschema.Schema) {
		if s == nil {
			return
		}
		if _, seen := out[s]; seen {
			return
		}
		q := quickSchema{unsure: !quickEvaluates(s)}
		if s.Types != nil {
			for _, name := range s.Types.ToStrings() {
				b, ok := typeBits[name]
				if !ok {
					q.unsure = true
				}
				q.types |= b
			}
		}
		out[s] = q
		children := []*jsonschema.Schema{s.Ref, s.Not, s.If, s.Then, s.Else, s.Items2020}
		children = append(children, s.AllOf...)
		for _, c := range s.Properties {
			children = append(children, c)
		}
		if c, ok := s.AdditionalProperties.(*jsonschema.Schema); ok {
			children = append(children, c)
		}
		for _, c := range children {
			visit(c)
		}
	}
	for _, r := range roots {
		visit(r)
	}
	return out
}

// quickEvaluates says whether every keyword of s is one quickCheck
// evaluates; annotations (title, description, default, examples...) do not
// count.
func quickEvaluates(s *jsonschema.Schema) bool {
	if s.DraftVersion < 2019 {
		return false // $ref overrides its siblings there
	}
	if s.RecursiveRef != nil || s.RecursiveAnchor || s.DynamicRef != nil || s.DynamicAnchor != "" ||
		len(s.AnyOf) > 0 || len(s.OneOf) > 0 || s.Format != nil ||
		s.PropertyNames != nil || len(s.PatternProperties) > 0 || len(s.Dependencies) > 0 ||
		len(s.DependentRequired) > 0 || len(s.DependentSchemas) > 0 || s.UnevaluatedProperties != nil ||
		s.UniqueItems || s.Contains != nil || s.MinContains != nil || s.MaxContains != nil ||
		s.Items != nil || s.AdditionalItems != nil || len(s.PrefixItems) > 0 || s.UnevaluatedItems != nil ||
		s.ContentEncoding != nil || s.ContentMediaType != nil || s.ContentSchema != nil ||
		s.ExclusiveMaximum != nil || s.ExclusiveMinimum != nil || s.MultipleOf != nil ||
		len(s.Extensions) > 0 {
		return false
	}
	switch s.AdditionalProperties.(type) {
	case nil, bool, *jsonschema.Schema:
	default:
		return false
	}
	if s.Enum != nil {
		for _, e := range s.Enum.Values {
			if !quickScalar(e) {
				return false
			}
		}
	}
	if s.Const != nil && !quickScalar(*s.Const) {
		return false
	}
	return true
}

// quickScalar is a value whose equality quickCheck decides exactly.
func quickScalar(v any) bool {
	switch v.(type) {
	case nil, bool, string, float64, json.Number:
		return true
	}
	return false
}

// check is quickCheck: it judges v against sch, a schema of the table; depth
// bounds $ref chains (the library reports a cycle where this gives up).
func (s quickTable) check(sch *jsonschema.Schema, v any, depth int) verdict {
	if sch == nil {
		return quickValid
	}
	q, ok := s[sch]
	if !ok || q.unsure || depth > 64 {
		return quickUnsure
	}
	if sch.Bool != nil {
		if *sch.Bool {
			return quickValid
		}
		return quickInvalid
	}
	t := jsonTypeOf(v)
	if t == 0 {
		return quickUnsure
	}
	if q.types != 0 && q.types&t == 0 && !(q.types&tInteger != 0 && t == tNumber && isIntegral(v)) {
		return quickInvalid
	}
	if sch.Const != nil && !scalarEqual(v, *sch.Const) {
		return quickInvalid
	}
	if sch.Enum != nil {
		found := false
		for _, e := range sch.Enum.Values {
			if scalarEqual(v, e) {
				found = true
				break
			}
		}
		if !found {
			return quickInvalid
		}
	}
	// Keep the worst answer: invalid wins over unsure, which wins over valid.
	res := quickValid
	merge := func(r verdict) bool {
		if r == quickInvalid || (r == quickUnsure && res == quickValid) {
			res = r
		}
		return res == quickInvalid
	}
	if sch.Ref != nil && merge(s.check(sch.Ref, v, depth+1)) {
		return res
	}
	for _, sub := range sch.AllOf {
		if merge(s.check(sub, v, depth+1)) {
			return res
		}
	}
	if sch.Not != nil {
		switch s.check(sch.Not, v, depth+1) {
		case quickValid:
			return quickInvalid
		case quickUnsure:
			merge(quickUnsure)
		}
	}
	if sch.If != nil {
		switch s.check(sch.If, v, depth+1) {
		case quickValid:
			if merge(s.check(sch.Then, v, depth+1)) {
				return res
			}
		case quickInvalid:
			if merge(s.check(sch.Else, v, depth+1)) {
				return res
			}
		default:
			merge(quickUnsure)
		}
	}
	switch v := v.(type) {
	case map[string]any:
		if sch.MinProperties != nil && len(v) < *sch.MinProperties {
			return quickInvalid
		}
		if sch.MaxProperties != nil && len(v) > *sch.MaxProperties {
			return quickInvalid
		}
		for _, r := range sch.Required {
			if _, ok := v[r]; !ok {
				return quickInvalid
			}
		}
		for k, pv := range v {
			if ps, ok := sch.Properties[k]; ok {
				if merge(s.check(ps, pv, depth+1)) {
					return res
				}
				continue
			}
			switch ap := sch.AdditionalProperties.(type) {
			case bool:
				if !ap {
					return quickInvalid
				}
			case *jsonschema.Schema:
				if merge(s.check(ap, pv, depth+1)) {
					return res
				}
			}
		}
	case []any:
		if sch.MinItems != nil && len(v) < *sch.MinItems {
			return quickInvalid
		}
		if sch.MaxItems != nil && len(v) > *sch.MaxItems {
			return quickInvalid
		}
		if sch.Items2020 != nil {
			for _, item := range v {
				if merge(s.check(sch.Items2020, item, depth+1)) {
					return res
				}
			}
		}
	case string:
		if sch.MinLength != nil || sch.MaxLength != nil {
			n := utf8.RuneCountInString(v)
			if (sch.MinLength != nil && n < *sch.MinLength) || (sch.MaxLength != nil && n > *sch.MaxLength) {
				return quickInvalid
			}
		}
		if sch.Pattern != nil && !sch.Pattern.MatchString(v) {
			return quickInvalid
		}
	case float64:
		if sch.Minimum != nil && ratOf(v).Cmp(sch.Minimum) < 0 {
			return quickInvalid
		}
		if sch.Maximum != nil && ratOf(v).Cmp(sch.Maximum) > 0 {
			return quickInvalid
		}
	}
	return res
}

// jsonTypeOf is the JSON type of a converted YAML value (load_yaml.go's
// toValue makes only these), or 0.
func jsonTypeOf(v any) uint8 {
	switch v := v.(type) {
	case nil:
		return tNull
	case bool:
		return tBoolean
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0
		}
		return tNumber
	case string:
		return tString
	case []any:
		return tArray
	case map[string]any:
		return tObject
	}
	return 0
}

// ratOf and isIntegral read a number the way the library does (its decimal
// text as a big.Rat), so that both judge the same.
func ratOf(f float64) *big.Rat {
	r, _ := new(big.Rat).SetString(fmt.Sprint(f))
	return r
}

func isIntegral(v any) bool {
	r, ok := new(big.Rat).SetString(fmt.Sprint(v))
	return ok && r.IsInt()
}

// scalarEqual is the library's equality for the scalars quickEvaluates admits
// in enum and const.
func scalarEqual(v, want any) bool {
	switch w := want.(type) {
	case nil:
		return v == nil
	case bool:
		b, ok := v.(bool)
		return ok && b == w
	case string:
		s, ok := v.(string)
		return ok && s == w
	case float64:
		f, ok := v.(float64)
		return ok && ratOf(f).Cmp(ratOf(w)) == 0
	case json.Number: // the schema's numbers, e.g. version's const
		f, ok := v.(float64)
		r, good := new(big.Rat).SetString(w.String())
		return ok && good && ratOf(f).Cmp(r) == 0
	}
	return false
}
