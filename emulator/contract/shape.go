package contract

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// Difference is one way an answer departs from the contract, told by place
// and field names only: it never carries a value of the answer, so that a
// report of it can be pasted into an issue.
type Difference struct {
	// Path is the JSON pointer of the place in the answer, every array index
	// written "*" (so one difference of many objects is one line).
	Path string `json:"path"`
	// Problem says what differs, in the contract's terms.
	Problem string `json:"problem"`
}

func (d Difference) String() string {
	p := d.Path
	if p == "" {
		p = "/"
	}
	return p + ": " + d.Problem
}

// Shape checks an answer to method and path (relative to the API base) with
// status and body against the schema the operation declares for the status,
// and returns the differences, sorted and without repeats. An answer the
// contract has no operation or status for is one difference at "/"; a body
// that is not JSON is one too. It reads body but never quotes it.
func (s *Spec) Shape(method, path string, status int, contentType string, body []byte) []Difference {
	o, ok := s.Find(method, path)
	if !ok {
		return []Difference{{Path: "/", Problem: "the contract has no operation " + method + " for this path"}}
	}
	responses, _ := o.op["responses"].(map[string]any)
	key := strconv.Itoa(status)
	if _, ok := responses[key]; !ok {
		key = strconv.Itoa(status/100) + "XX"
	}
	r := s.resolve(responses[key])
	if r == nil {
		return []Difference{{Path: "/", Problem: fmt.Sprintf("status %d is not in the contract of %s %s", status, method, o.Path)}}
	}
	content, _ := r["content"].(map[string]any)
	if len(content) == 0 {
		if len(bytes.TrimSpace(body)) > 0 {
			return []Difference{{Path: "/", Problem: fmt.Sprintf("status %d has no body in the contract, the answer has one", status)}}
		}
		return nil
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	if _, declared := content[mt]; !declared || mt != "application/json" {
		if !declared {
			return []Difference{{Path: "/", Problem: fmt.Sprintf("content type %q is not in the contract (%s)", mt, strings.Join(keys(content), ", "))}}
		}
		return nil
	}
	sch, err := s.compile(o.pointer + "/responses/" + escape(key) + "/content/application~1json/schema")
	if err != nil {
		return []Difference{{Path: "/", Problem: "the contract's schema does not compile"}}
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return []Difference{{Path: "/", Problem: "the answer is not JSON"}}
	}
	var ve *jsonschema.ValidationError
	if err := sch.Validate(inst); !errors.As(err, &ve) {
		return nil
	}
	seen := map[Difference]bool{}
	var out []Difference
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		switch e.ErrorKind.(type) {
		case *kind.AnyOf, *kind.OneOf:
			// Every alternative's failures would bury the facts: report what
			// all of them share, else the closest alternative's.
			for _, l := range alternatives(e) {
				add(seen, &out, l, problem(l))
			}
			return
		}
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		add(seen, &out, e, problem(e))
	}
	walk(ve)
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// alternatives returns the leaf failures every alternative of e shares, or,
// when they share none, those of the alternative with the fewest.
func alternatives(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return []*jsonschema.ValidationError{e}
	}
	key := func(l *jsonschema.ValidationError) string {
		return strings.Join(l.InstanceLocation, "/") + "\x00" + problem(l)
	}
	var best []*jsonschema.ValidationError
	count := map[string]int{}
	first := map[string]*jsonschema.ValidationError{}
	for _, c := range e.Causes {
		ls := leaves(c)
		seen := map[string]bool{}
		for _, l := range ls {
			k := key(l)
			if !seen[k] {
				seen[k] = true
				count[k]++
				if first[k] == nil {
					first[k] = l
				}
			}
		}
		if best == nil || len(ls) < len(best) {
			best = ls
		}
	}
	var shared []*jsonschema.ValidationError
	for k, n := range count {
		if n == len(e.Causes) {
			shared = append(shared, first[k])
		}
	}
	if len(shared) > 0 {
		return shared
	}
	return best
}

func leaves(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return []*jsonschema.ValidationError{e}
	}
	var out []*jsonschema.ValidationError
	for _, c := range e.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}

func add(seen map[Difference]bool, out *[]Difference, e *jsonschema.ValidationError, problem string) {
	segs := make([]string, len(e.InstanceLocation))
	for i, s := range e.InstanceLocation {
		if _, err := strconv.Atoi(s); err == nil {
			s = "*"
		}
		segs[i] = escape(s)
	}
	d := Difference{Path: "/" + strings.Join(segs, "/"), Problem: problem}
	if len(segs) == 0 {
		d.Path = ""
	}
	if !seen[d] {
		seen[d] = true
		*out = append(*out, d)
	}
}

// problem says what a leaf failure is without the value that failed: only
// the kinds whose fields are names or JSON types are spelled out.
func problem(e *jsonschema.ValidationError) string {
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		return "missing " + plural("field", len(k.Missing)) + " " + strings.Join(k.Missing, ", ")
	case *kind.Type:
		return "is " + k.Got + ", the contract says " + strings.Join(k.Want, " or ")
	case *kind.AdditionalProperties:
		return plural("field", len(k.Properties)) + " " + strings.Join(k.Properties, ", ") + " not in the contract"
	case *kind.FalseSchema:
		return "not allowed by the contract"
	}
	return "fails the contract's " + keyword(e)
}

func keyword(e *jsonschema.ValidationError) string {
	kp := e.ErrorKind.KeywordPath()
	if len(kp) == 0 {
		return "schema"
	}
	return kp[len(kp)-1]
}

func plural(w string, n int) string {
	if n == 1 {
		return w
	}
	return w + "s"
}
