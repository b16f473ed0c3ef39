//go:build ignore

// gen_plan_schema writes plan.schema.json from the Go types of package plan
// (the JSON plan, format 1.x): the structure by reflection on the json tags,
// the descriptions from the types' doc comments, the enums from the
// constants. Run it with go generate ./schemas.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"strings"

	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/plan/addr"
)

// obj keeps key order in the generated JSON, so the file reads top-down.
type obj []kv

type kv struct {
	k string
	v any
}

func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(e.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(e.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// enums are the values of the plan's string types, from their constants.
func enums() map[reflect.Type][]string {
	kinds := []string{}
	for _, k := range addr.Kinds {
		kinds = append(kinds, string(k.Kind))
	}
	codes := []string{}
	for _, c := range plan.WarningCodes {
		codes = append(codes, string(c))
	}
	return map[reflect.Type][]string{
		reflect.TypeOf(plan.Kind("")):     {string(plan.Create), string(plan.Update), string(plan.Delete), string(plan.Replace), string(plan.Rotate), string(plan.NoOp)},
		reflect.TypeOf(plan.Resource("")): kinds,
		reflect.TypeOf(plan.Reason("")): {
			string(plan.ReasonInSync), string(plan.ReasonMissing), string(plan.ReasonChanged), string(plan.ReasonResendSecrets),
			string(plan.ReasonTypeChanged), string(plan.ReasonEncryptionEnabled), string(plan.ReasonEncryptionDisabled),
			string(plan.ReasonCertificateExpiring), string(plan.ReasonPruned), string(plan.ReasonFederationRemoved),
			string(plan.ReasonRecipientRemoved), string(plan.ReasonTargetChanged), string(plan.ReasonParentReplaced), string(plan.ReasonDuplicate),
		},
		reflect.TypeOf(plan.WarningCode("")): codes,
	}
}

// docs are the doc comments of package plan: "Type" and "Type.Field".
func docs() map[string]string {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, "../plan", func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, parser.ParseComments)
	if err != nil {
		panic(err)
	}
	out := map[string]string{}
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.TYPE {
					continue
				}
				for _, s := range g.Specs {
					ts := s.(*ast.TypeSpec)
					doc := ts.Doc
					if doc == nil && len(g.Specs) == 1 {
						doc = g.Doc
					}
					out[ts.Name.Name] = clean(doc)
					st, ok := ts.Type.(*ast.StructType)
					if !ok {
						continue
					}
					for _, fl := range st.Fields.List {
						d := fl.Doc
						if d == nil {
							d = fl.Comment
						}
						for _, n := range fl.Names {
							out[ts.Name.Name+"."+n.Name] = clean(d)
						}
					}
				}
			}
		}
	}
	return out
}

func clean(g *ast.CommentGroup) string {
	if g == nil {
		return ""
	}
	return strings.Join(strings.Fields(g.Text()), " ")
}

type gen struct {
	defs  obj
	done  map[reflect.Type]bool
	docs  map[string]string
	enums map[reflect.Type][]string
}

// schema is the schema of a value of type t, a $ref for a struct.
func (g *gen) schema(t reflect.Type) obj {
	if vals, ok := g.enums[t]; ok {
		return obj{{"enum", vals}}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.schema(t.Elem())
	case reflect.String:
		return obj{{"type", "string"}}
	case reflect.Bool:
		return obj{{"type", "boolean"}}
	case reflect.Int, reflect.Int64, reflect.Int32:
		return obj{{"type", "integer"}}
	case reflect.Float64:
		return obj{{"type", "number"}}
	case reflect.Interface:
		return obj{} // any JSON value
	case reflect.Slice:
		return obj{{"type", "array"}, {"items", g.schema(t.Elem())}}
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			panic("map key " + t.Key().String())
		}
		return obj{{"type", "object"}, {"additionalProperties", g.schema(t.Elem())}}
	case reflect.Struct:
		g.define(t)
		return obj{{"$ref", "#/$defs/" + t.Name()}}
	}
	panic("unsupported type " + t.String())
}

func (g *gen) define(t reflect.Type) {
	if g.done[t] {
		return
	}
	g.done[t] = true
	var props obj
	var required []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		s := g.schema(f.Type)
		if k := f.Type.Kind(); (k == reflect.Slice || k == reflect.Map) && !strings.Contains(opts, "omitempty") {
			// Go writes an empty list or map without omitempty as null;
			// plan --output json writes [], a saved plan may hold null.
			s[0].v = []string{s[0].v.(string), "null"}
		}
		if d := g.docs[t.Name()+"."+f.Name]; d != "" {
			s = append(obj{{"description", d}}, s...)
		}
		if t == reflect.TypeOf(plan.Plan{}) && name == "format_version" {
			s = append(s, kv{"pattern", `^1\.[0-9]+$`})
		}
		props = append(props, kv{name, s})
		if !strings.Contains(opts, "omitempty") {
			required = append(required, name)
		}
	}
	def := obj{{"type", "object"}}
	if d := g.docs[t.Name()]; d != "" {
		def = append(obj{{"description", d}}, def...)
	}
	if len(required) > 0 {
		def = append(def, kv{"required", required})
	}
	def = append(def, kv{"additionalProperties", false}, kv{"properties", props})
	g.defs = append(g.defs, kv{t.Name(), def})
}

func main() {
	g := &gen{done: map[reflect.Type]bool{}, docs: docs(), enums: enums()}
	root := g.schema(reflect.TypeOf(plan.Plan{}))
	schema := obj{
		{"$schema", "https://json-schema.org/draft/2020-12/schema"},
		{"$id", "https://raw.githubusercontent.com/idpsync/idpsync/main/schemas/plan.schema.json"},
		{"title", "idpsync plan, format " + strings.SplitN(plan.FormatVersion, ".", 2)[0] + ".x"},
		{"description", fmt.Sprintf("The JSON plan of idpsync (plan --output json, and the plan inside a file saved with plan --out), format_version %s. Generated from the Go types of package plan; format 1 only adds optional fields, never removes, renames or changes one.", plan.FormatVersion)},
	}
	schema = append(schema, root...)
	schema = append(schema, kv{"$defs", g.defs})
	raw, err := json.Marshal(schema)
	if err != nil {
		panic(err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		panic(err)
	}
	out.WriteByte('\n')
	if err := os.WriteFile("plan.schema.json", out.Bytes(), 0o644); err != nil {
		panic(err)
	}
}
