package render

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/idpsync/idpsync/plan"
)

// JSON writes the plan itself on one line, with the field names of its struct
// tags. A plan never holds a secret value, so nothing is redacted here.
func JSON(w io.Writer, p *plan.Plan) error {
	if p == nil {
		return errNil
	}
	q := *p
	// Empty lists read as [] rather than null so consumers need no nil checks.
	if q.Accounts == nil {
		q.Accounts = []plan.AccountRef{}
	}
	if q.Actions == nil {
		q.Actions = []plan.Action{}
	}
	if q.Reads == nil {
		q.Reads = []plan.Read{}
	}
	return writeJSON(w, &q)
}

// DriftJSON writes the drift report on one line.
func DriftJSON(w io.Writer, r *plan.DriftReport) error {
	if r == nil {
		return errNil
	}
	q := *r
	if q.Accounts == nil {
		q.Accounts = []plan.AccountRef{}
	}
	if q.Items == nil {
		q.Items = []plan.DriftItem{}
	}
	return writeJSON(w, &q)
}

// writeJSON is json.Marshal with a trailing newline, except that <, > and &
// stay readable: the output is a file or a pipe, never HTML. It is compact
// because its readers are programs (jq reformats it for people): indenting a
// 10,000-IdP plan took five times the CPU of encoding it, and 16 times the
// memory.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing JSON view: %w", err)
	}
	return nil
}
