package schemas

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/idpsync/idpsync/idptype"
)

func TestCompile(t *testing.T) {
	s, err := Compile()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(IdPSync, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["$id"] != ID || doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$id = %v, $schema = %v", doc["$id"], doc["$schema"])
	}
	valid := map[string]any{"version": 1.0, "accounts": []any{map[string]any{
		"id": "023e105f4ecef8ad9ca31a8372d0c353",
		"identity_providers": []any{map[string]any{
			"name": "GitHub", "type": "github",
			"config": map[string]any{"client_id": "x", "client_secret": "${env:GITHUB_CLIENT_SECRET}"},
		}},
	}}}
	if err := s.Validate(valid); err != nil {
		t.Errorf("valid document refused: %v", err)
	}
	invalid := map[string]any{"version": 1.0, "accounts": []any{map[string]any{
		"id": "023e105f4ecef8ad9ca31a8372d0c353",
		"identity_providers": []any{map[string]any{
			"name": "GitHub", "type": "github",
			"config": map[string]any{"client_id": "x", "client_secret": "literal"},
		}},
	}}}
	if err := s.Validate(invalid); err == nil {
		t.Error("a literal client_secret was accepted")
	}
}

func defs(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(IdPSync, &doc); err != nil {
		t.Fatal(err)
	}
	return doc["$defs"].(map[string]any)
}

// TestSchemaAgreesWithCatalogue checks every type's config keys, kinds,
// enums, bounds and required keys against idptype.Types. Read-only keys
// and enable_encryption are absent on purpose: the server computes the former
// and the encryption block drives the latter.
func TestSchemaAgreesWithCatalogue(t *testing.T) {
	d := defs(t)
	idp := d["identity_provider"].(map[string]any)
	var enum []string
	for _, v := range idp["properties"].(map[string]any)["type"].(map[string]any)["enum"].([]any) {
		enum = append(enum, v.(string))
	}
	if !slices.Equal(enum, idptype.Names) {
		t.Errorf("type enum = %v, want %v", enum, idptype.Names)
	}
	conds := idp["allOf"].([]any)
	if len(conds) != len(idptype.Names) {
		t.Fatalf("%d if/then branches, want %d", len(conds), len(idptype.Names))
	}
	for i, name := range idptype.Names {
		typ := idptype.Types[name]
		t.Run(name, func(t *testing.T) {
			cond := conds[i].(map[string]any)
			ifType := cond["if"].(map[string]any)["properties"].(map[string]any)["type"].(map[string]any)["const"]
			if ifType != name {
				t.Fatalf("branch %d is for %v", i, ifType)
			}
			thenProps := cond["then"].(map[string]any)["properties"].(map[string]any)
			if _, forbidden := thenProps["encryption"]; forbidden == (name == "saml") {
				t.Errorf("encryption allowed = %v, want %v", !forbidden, name == "saml")
			}
			if _, forbidden := thenProps["federation"]; forbidden == typ.Federable {
				t.Errorf("federation allowed = %v, want %v", !forbidden, typ.Federable)
			}
			cfg := d["config_"+name].(map[string]any)
			if cfg["additionalProperties"] != false {
				t.Error("config allows additional properties")
			}
			props := cfg["properties"].(map[string]any)
			var want, wantRequired []string
			for _, f := range typ.Fields {
				if f.ReadOnly || f.Name == "enable_encryption" {
					if _, ok := props[f.Name]; ok {
						t.Errorf("%s is declared but may not be written", f.Name)
					}
					continue
				}
				want = append(want, f.Name)
				if f.Required {
					wantRequired = append(wantRequired, f.Name)
				}
				p, ok := props[f.Name].(map[string]any)
				if !ok {
					t.Errorf("config key %s missing", f.Name)
					continue
				}
				checkKind(t, f, p)
			}
			var got []string
			for k := range props {
				got = append(got, k)
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("config keys = %v, want %v", got, want)
			}
			var gotRequired []string
			if r, ok := cfg["required"].([]any); ok {
				for _, v := range r {
					gotRequired = append(gotRequired, v.(string))
				}
			}
			then := cond["then"].(map[string]any)
			if name == "saml" {
				// Without `metadata:`, a nested condition requires the keys
				// metadata would fill.
				inner, _ := then["then"].(map[string]any)
				cfgInner, _ := inner["properties"].(map[string]any)["config"].(map[string]any)
				r, _ := cfgInner["required"].([]any)
				for _, v := range r {
					gotRequired = append(gotRequired, v.(string))
				}
				then = inner
			}
			slices.Sort(gotRequired)
			slices.Sort(wantRequired)
			if !slices.Equal(gotRequired, wantRequired) {
				t.Errorf("required = %v, want %v", gotRequired, wantRequired)
			}
			_, configRequired := then["required"]
			if configRequired != (len(wantRequired) > 0) {
				t.Errorf("config required = %v, want %v", configRequired, len(wantRequired) > 0)
			}
		})
	}
}

func checkKind(t *testing.T, f idptype.Field, p map[string]any) {
	t.Helper()
	wantType := map[idptype.FieldKind]string{
		idptype.KindString: "string", idptype.KindBool: "boolean", idptype.KindInt: "integer",
		idptype.KindStringList: "array", idptype.KindHeaderAttributes: "array",
	}[f.Kind]
	if p["type"] != wantType {
		t.Errorf("%s: type %v, want %s", f.Name, p["type"], wantType)
	}
	if len(f.Enum) > 0 {
		var got []string
		for _, v := range p["enum"].([]any) {
			got = append(got, v.(string))
		}
		if !slices.Equal(got, f.Enum) {
			t.Errorf("%s: enum %v, want %v", f.Name, got, f.Enum)
		}
	}
	if f.Min != 0 && p["minimum"] != float64(f.Min) || f.Max != 0 && p["maximum"] != float64(f.Max) {
		t.Errorf("%s: bounds %v..%v, want %d..%d", f.Name, p["minimum"], p["maximum"], f.Min, f.Max)
	}
	if (f.Sensitive || f.Format == idptype.FormatURL) != (p["pattern"] != nil) {
		t.Errorf("%s: sensitive %v, format %q, but pattern %v", f.Name, f.Sensitive, f.Format, p["pattern"])
	}
}

// TestEveryFieldDescribed walks the schema: every property a user can write
// carries a description, for editors to show.
func TestEveryFieldDescribed(t *testing.T) {
	var doc any
	if err := json.Unmarshal(IdPSync, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any, path []string)
	walk = func(v any, path []string) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		if props, ok := m["properties"].(map[string]any); ok {
			for k, p := range props {
				pm, ok := p.(map[string]any)
				if !ok {
					continue // false: forbidden here
				}
				if d, _ := pm["description"].(string); strings.TrimSpace(d) == "" {
					t.Errorf("%s/%s has no description", strings.Join(path, "/"), k)
				}
			}
		}
		for k, c := range m {
			if k == "if" {
				continue // a condition, not something a user writes
			}
			if arr, ok := c.([]any); ok {
				for _, e := range arr {
					walk(e, append(path, k))
				}
				continue
			}
			walk(c, append(path, k))
		}
	}
	walk(doc, nil)
}
