package render

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/schemas"
)

// TestPlanSchemaValidatesGoldenPlans: every golden JSON plan of the tree is
// valid against schemas/plan.schema.json, so the published schema describes
// what plan --output json writes.
func TestPlanSchemaValidatesGoldenPlans(t *testing.T) {
	sch, err := schemas.CompilePlan()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("testdata/plan_*.json.golden")
	more, _ := filepath.Glob("../testdata/plan*.json")
	files = append(files, more...)
	if len(files) < 5 {
		t.Fatalf("found only %v", files)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(mustRead(t, f)))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(doc); err != nil {
				t.Errorf("%s does not match plan.schema.json:\n%v", f, err)
			}
		})
	}
}

// TestPlanSchemaRefusesWhatIsNotAPlan: the schema is strict enough to catch
// a renamed field, an unknown action and a bad format version.
func TestPlanSchemaRefusesWhatIsNotAPlan(t *testing.T) {
	sch, err := schemas.CompilePlan()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := JSON(&buf, policyPlan()); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	for name, edit := range map[string][2]string{
		"renamed field":  {`"address":`, `"addr":`},
		"unknown action": {`"action":"create"`, `"action":"explode"`},
		"format 2":       {`"format_version":"` + plan.FormatVersion + `"`, `"format_version":"2.0"`},
		"policy level":   {`"waived":false`, `"waived":"no"`},
	} {
		t.Run(name, func(t *testing.T) {
			bad := strings.Replace(good, edit[0], edit[1], 1)
			if bad == good {
				t.Fatalf("the edit %q matched nothing", edit[0])
			}
			var v any
			if err := json.Unmarshal([]byte(bad), &v); err != nil {
				t.Fatal(err)
			}
			if sch.Validate(v) == nil {
				t.Error("accepted")
			}
		})
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPlanSchemaUpToDate: every field of the plan's Go types is in the
// schema and nothing else is; run go generate ./schemas after changing them.
func TestPlanSchemaUpToDate(t *testing.T) {
	var doc struct {
		Defs map[string]struct {
			Properties map[string]any `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(schemas.Plan, &doc); err != nil {
		t.Fatal(err)
	}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(rt reflect.Type) {
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice || rt.Kind() == reflect.Map {
			rt = rt.Elem()
		}
		if rt.Kind() != reflect.Struct || seen[rt] {
			return
		}
		seen[rt] = true
		def, ok := doc.Defs[rt.Name()]
		if !ok {
			t.Errorf("plan.schema.json has no definition of %s: run go generate ./schemas", rt.Name())
			return
		}
		fields := map[string]bool{}
		for i := range rt.NumField() {
			f := rt.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			fields[name] = true
			if _, ok := def.Properties[name]; !ok {
				t.Errorf("plan.schema.json: %s lacks %s: run go generate ./schemas", rt.Name(), name)
			}
			walk(f.Type)
		}
		for name := range def.Properties {
			if !fields[name] {
				t.Errorf("plan.schema.json: %s has %s, which the Go type does not: run go generate ./schemas", rt.Name(), name)
			}
		}
	}
	walk(reflect.TypeOf(plan.Plan{}))
}
