package schemas

//go:generate go run gen_schema.go
//go:generate go run gen_plan_schema.go

import (
	"bytes"
	_ "embed"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// IdPSync is the JSON Schema (2020-12) of the desired-state format, version 1.
//
//go:embed idpsync.schema.json
var IdPSync []byte

// ID is the schema's $id.
const ID = "https://raw.githubusercontent.com/idpsync/idpsync/main/schemas/idpsync.schema.json"

var compiled = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(IdPSync))
	if err != nil {
		return nil, fmt.Errorf("parse idpsync.schema.json: %w", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(ID, doc); err != nil {
		return nil, fmt.Errorf("load idpsync.schema.json: %w", err)
	}
	s, err := c.Compile(ID)
	if err != nil {
		return nil, fmt.Errorf("compile idpsync.schema.json: %w", err)
	}
	return s, nil
})

// Compile returns the compiled schema. It is compiled once per process: the
// result is immutable and safe for concurrent use.
func Compile() (*jsonschema.Schema, error) { return compiled() }

// Plan is the JSON Schema (2020-12) of the JSON plan, format 1.x, generated
// from the Go types of package plan (gen_plan_schema.go).
//
//go:embed plan.schema.json
var Plan []byte

// PlanID is the plan schema's $id.
const PlanID = "https://raw.githubusercontent.com/idpsync/idpsync/main/schemas/plan.schema.json"

var compiledPlan = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Plan))
	if err != nil {
		return nil, fmt.Errorf("parse plan.schema.json: %w", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(PlanID, doc); err != nil {
		return nil, fmt.Errorf("load plan.schema.json: %w", err)
	}
	return c.Compile(PlanID)
})

// CompilePlan returns the compiled plan schema, compiled once per process.
func CompilePlan() (*jsonschema.Schema, error) { return compiledPlan() }
