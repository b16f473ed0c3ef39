package render

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/idpsync/idpsync/internal/sanitize"
	"github.com/idpsync/idpsync/plan"
)

// JSON writes the plan itself on one line, with the field names of its struct
// tags. A plan never holds a secret value, so nothing is redacted here.
func JSON(w io.Writer, p *plan.Plan) error {
	if p == nil {
		return errNil
	}
	// Names and messages from the server are in it: no Azure Pipelines
	// command may survive in a string ('#' is escaped, same value).
	return streamPlan(sanitize.JSONWriter(w), jsonPlan(p))
}

// jsonPlan is the plan as the JSON view shows it.
func jsonPlan(p *plan.Plan) *plan.Plan {
	q := *p
	// The dangers are derived again here, never taken from a saved plan.
	q.Danger = p.Dangers()
	if q.Danger == nil {
		q.Danger = []plan.Danger{}
	}
	if q.Blockers == nil {
		q.Blockers = []plan.Blocker{}
	}
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
	return &q
}

// streamPlan writes the same bytes as writeJSON, but encodes the actions and
// reads one at a time into a reused buffer, so that a 50,000-IdP plan is never
// held twice in memory (encoding/json builds the whole document before
// writing it, in a buffer that doubles as it grows).
func streamPlan(w io.Writer, p *plan.Plan) error {
	actions, reads := p.Actions, p.Reads
	head := *p
	head.Actions, head.Reads = nil, nil
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&head); err != nil {
		return fmt.Errorf("writing JSON view: %w", err)
	}
	skel := bytes.Clone(buf.Bytes())
	// The top-level keys come in struct order; nothing before "actions"
	// (format_version, secret_salt, accounts) or after it holds an object
	// with these keys, and a string cannot hold them unescaped.
	const ak, rk = `"actions":null`, `"reads":null`
	ai := bytes.Index(skel, []byte(ak))
	ri := bytes.LastIndex(skel, []byte(rk))
	if ai < 0 || ri < ai {
		return writeJSON(w, p)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	list := func(n int, item func(i int) any) error {
		bw.WriteByte('[')
		for i := range n {
			if i > 0 {
				bw.WriteByte(',')
			}
			buf.Reset()
			if err := enc.Encode(item(i)); err != nil {
				return fmt.Errorf("writing JSON view: %w", err)
			}
			bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		}
		bw.WriteByte(']')
		return nil
	}
	bw.Write(skel[:ai+len(ak)-len("null")])
	if err := list(len(actions), func(i int) any { return &actions[i] }); err != nil {
		return err
	}
	bw.Write(skel[ai+len(ak) : ri+len(rk)-len("null")])
	if err := list(len(reads), func(i int) any { return &reads[i] }); err != nil {
		return err
	}
	bw.Write(skel[ri+len(rk):])
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing JSON view: %w", err)
	}
	return nil
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
	return writeJSON(sanitize.JSONWriter(w), &q)
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
