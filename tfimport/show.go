package tfimport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// MaxInputBytes bounds the JSON read. A state of a few thousand resources is
// a few megabytes; the cap leaves room for large organizations while keeping
// the decoded form (several times the text) in memory bounds.
const MaxInputBytes = 64 << 20

// MaxModuleDepth bounds the nesting of child_modules walked.
const MaxModuleDepth = 64

// Kind says what the JSON describes.
type Kind string

const (
	KindState Kind = "state"
	KindPlan  Kind = "plan"
)

// show is the part of `terraform show -json` read here. The format is
// documented as "JSON Output Format" in Terraform's internals docs: a state
// has values.root_module, a plan has prior_state.values.root_module (the
// objects as refreshed) and resource_changes.
type show struct {
	FormatVersion    *string          `json:"format_version"`
	TerraformVersion string           `json:"terraform_version"`
	Values           *valuesDoc       `json:"values"`
	PlannedValues    *valuesDoc       `json:"planned_values"`
	PriorState       *stateDoc        `json:"prior_state"`
	ResourceChanges  []resourceChange `json:"resource_changes"`

	// Set in a raw terraform.tfstate, which is not the input expected.
	Lineage *string `json:"lineage"`
	Serial  *int    `json:"serial"`
}

type stateDoc struct {
	Values *valuesDoc `json:"values"`
}

type valuesDoc struct {
	RootModule *module `json:"root_module"`
}

type module struct {
	Address      string     `json:"address"`
	Resources    []resource `json:"resources"`
	ChildModules []module   `json:"child_modules"`
}

type resource struct {
	Address         string          `json:"address"`
	Mode            string          `json:"mode"`
	Type            string          `json:"type"`
	Name            string          `json:"name"`
	Index           json.RawMessage `json:"index"`
	ProviderName    string          `json:"provider_name"`
	SchemaVersion   *int            `json:"schema_version"`
	Values          map[string]any  `json:"values"`
	SensitiveValues json.RawMessage `json:"sensitive_values"`
}

type resourceChange struct {
	Address string `json:"address"`
	Mode    string `json:"mode"`
	Type    string `json:"type"`
	Change  struct {
		Actions []string `json:"actions"`
	} `json:"change"`
}

// parse decodes and checks the envelope. Its errors say what was expected
// and quote nothing of the input but its format version.
func parse(data []byte) (*show, Kind, error) {
	if len(data) > MaxInputBytes {
		return nil, "", fmt.Errorf("the input is %d bytes; at most %d are read (expected the output of terraform show -json)", len(data), MaxInputBytes)
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, "", errors.New("not JSON of `terraform show -json`: expected a JSON object (run terraform show -json [PLANFILE] > FILE)")
	}
	var s show
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(&s); err != nil {
		return nil, "", fmt.Errorf("not JSON of `terraform show -json`: %s", jsonProblem(err))
	}
	if dec.More() {
		return nil, "", errors.New("not JSON of `terraform show -json`: more than one JSON value")
	}
	if s.FormatVersion == nil {
		if s.Lineage != nil || s.Serial != nil {
			return nil, "", errors.New("this is a raw Terraform state file, not the output of `terraform show -json`: run terraform show -json > FILE and import that")
		}
		return nil, "", errors.New("not JSON of `terraform show -json`: no format_version (expected the output of terraform show -json [PLANFILE])")
	}
	// The format's consumers are to accept any 1.x: minor versions only
	// add fields (Terraform's "JSON Output Format", format_version).
	// Terraform before 1.0 wrote 0.x, with provider names of another form.
	major, _, _ := strings.Cut(*s.FormatVersion, ".")
	if major != "1" {
		return nil, "", fmt.Errorf("unsupported format_version %s: expected 1.x (terraform show -json of Terraform ≥ 1.0 or OpenTofu)", quote(clip(*s.FormatVersion, 16)))
	}
	kind := KindState
	if s.PlannedValues != nil || s.ResourceChanges != nil || s.PriorState != nil {
		kind = KindPlan
	}
	return &s, kind, nil
}

// jsonProblem describes a decoding error by offset or type, never by the
// text around it, which may be a secret.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("invalid JSON at byte %d", syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Sprintf("%s holds a JSON %s, expected %s", typ.Field, typ.Value, typ.Type)
	}
	if errors.Is(err, errDepth) {
		return err.Error()
	}
	return "invalid JSON"
}

var errDepth = errors.New("modules nested too deeply")

// root returns the module tree the objects are read from: a state's values,
// or a plan's prior state (the live objects as Terraform last refreshed them,
// which is what idpsync plans against).
func (s *show) root(kind Kind) *module {
	var v *valuesDoc
	if kind == KindPlan {
		if s.PriorState != nil {
			v = s.PriorState.Values
		}
	} else {
		v = s.Values
	}
	if v == nil || v.RootModule == nil {
		return &module{}
	}
	return v.RootModule
}

// walk calls fn for every resource of m and its children, depth first in
// input order, with the module's parsed path.
func walk(m *module, path modulePath, depth int, fn func(modulePath, *resource) error) error {
	if depth > MaxModuleDepth {
		return fmt.Errorf("%w: more than %d levels of child_modules", errDepth, MaxModuleDepth)
	}
	for i := range m.Resources {
		if err := fn(path, &m.Resources[i]); err != nil {
			return err
		}
	}
	for i := range m.ChildModules {
		c := &m.ChildModules[i]
		p, err := parseModuleAddress(c.Address)
		if err != nil {
			return fmt.Errorf("child module %s: %w", quote(clip(c.Address, 80)), err)
		}
		if len(p) != len(path)+1 || !p[:len(path)].equal(path) {
			return fmt.Errorf("child module %s is not a child of %s", p, path.orRoot())
		}
		if err := walk(c, p, depth+1, fn); err != nil {
			return err
		}
	}
	return nil
}
