package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

const docURL = "https://idpsync.invalid/access-subset.json"

// Spec is a loaded OpenAPI document.
type Spec struct {
	c   *jsonschema.Compiler
	doc map[string]any
	ops []*Op

	mu       sync.Mutex
	compiled map[string]*jsonschema.Schema
}

// Op is one operation of the document.
type Op struct {
	Method, Path string // Path is the template, e.g. /accounts/{account_id}/shares
	segs         []string
	pointer      string // JSON pointer of the operation object
	op           map[string]any
}

// Load reads and compiles the document at path. OpenAPI 3.1 schemas are
// JSON Schema 2020-12, so the document itself is the schema resource.
func Load(path string) (*Spec, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, raw)
}

// Parse compiles the document raw, named path in errors.
func Parse(path string, raw []byte) (*Spec, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	js, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("%s to JSON: %w", path, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return nil, err
	}
	// Round-trip the document through JSON so that its maps are JSON maps.
	var jdoc map[string]any
	if err := json.Unmarshal(js, &jdoc); err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(docURL, inst); err != nil {
		return nil, err
	}
	s := &Spec{c: c, doc: jdoc, compiled: map[string]*jsonschema.Schema{}}
	paths, _ := jdoc["paths"].(map[string]any)
	for p, item := range paths {
		methods, _ := item.(map[string]any)
		for m, o := range methods {
			om, isOp := o.(map[string]any)
			if !isOp || strings.HasPrefix(m, "x-") || m == "parameters" {
				continue
			}
			s.ops = append(s.ops, &Op{
				Method: strings.ToUpper(m), Path: p, segs: strings.Split(strings.Trim(p, "/"), "/"),
				pointer: "/paths/" + escape(p) + "/" + m, op: om,
			})
		}
	}
	sort.Slice(s.ops, func(i, j int) bool { return s.ops[i].Method+s.ops[i].Path < s.ops[j].Method+s.ops[j].Path })
	return s, nil
}

func escape(s string) string { return strings.NewReplacer("~", "~0", "/", "~1").Replace(s) }

// Ops lists every operation of the document.
func (s *Spec) Ops() []*Op { return s.ops }

func (s *Spec) compile(pointer string) (*jsonschema.Schema, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sch, ok := s.compiled[pointer]; ok {
		return sch, nil
	}
	sch, err := s.c.Compile(docURL + "#" + pointer)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", pointer, err)
	}
	s.compiled[pointer] = sch
	return sch, nil
}

// Schema returns the named component schema.
func (s *Spec) Schema(name string) (*jsonschema.Schema, error) {
	return s.compile("/components/schemas/" + escape(name))
}

// Find returns the operation serving method and path (relative to the API
// base, e.g. /accounts/x/shares), preferring literal segments over parameters.
func (s *Spec) Find(method, path string) (*Op, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var best *Op
	bestLiterals := -1
	for _, o := range s.ops {
		if o.Method != method || len(o.segs) != len(segs) {
			continue
		}
		literals, match := 0, true
		for i, t := range o.segs {
			switch {
			case strings.HasPrefix(t, "{"):
			case t == segs[i]:
				literals++
			default:
				match = false
			}
			if !match {
				break
			}
		}
		if match && literals > bestLiterals {
			best, bestLiterals = o, literals
		}
	}
	return best, best != nil
}

// resolve follows a local $ref.
func (s *Spec) resolve(v any) map[string]any {
	m, _ := v.(map[string]any)
	for i := 0; m != nil && i < 8; i++ {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		var cur any = s.doc
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
			cm, _ := cur.(map[string]any)
			cur = cm[part]
		}
		m, _ = cur.(map[string]any)
	}
	return m
}

// CheckRequest validates a request's query parameters and JSON body against
// the operation's parameters and requestBody. A request no operation serves
// is an error.
func (s *Spec) CheckRequest(method, path, rawQuery string, body []byte) error {
	o, ok := s.Find(method, path)
	if !ok {
		return fmt.Errorf("%s %s: no operation of the contract serves it", method, path)
	}
	q, err := urlQuery(rawQuery)
	if err != nil {
		return fmt.Errorf("%s %s: query: %w", method, path, err)
	}
	params, _ := o.op["parameters"].([]any)
	declared := map[string]bool{}
	for i, p := range params {
		pm := s.resolve(p)
		if pm == nil || pm["in"] != "query" {
			continue
		}
		name, _ := pm["name"].(string)
		declared[name] = true
		vals, present := q[name]
		if !present {
			continue
		}
		ptr := o.pointer + "/parameters/" + strconv.Itoa(i)
		if ref, isRef := p.(map[string]any)["$ref"].(string); isRef {
			ptr = strings.TrimPrefix(ref, "#")
		}
		sch, err := s.compile(ptr + "/schema")
		if err != nil {
			return err
		}
		schema := s.resolve(pm["schema"])
		for _, v := range vals {
			if err := sch.Validate(queryValue(schema, v)); err != nil {
				return fmt.Errorf("%s %s: query parameter %s=%q: %v", method, o.Path, name, v, err)
			}
		}
	}
	for name := range q {
		if !declared[name] {
			return fmt.Errorf("%s %s: query parameter %s is not declared", method, o.Path, name)
		}
	}
	rb := s.resolve(o.op["requestBody"])
	if rb == nil {
		if len(bytes.TrimSpace(body)) > 0 {
			return fmt.Errorf("%s %s: the operation takes no body, got %s", method, o.Path, body)
		}
		return nil
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if req, _ := rb["required"].(bool); req {
			return fmt.Errorf("%s %s: the request body is required", method, o.Path)
		}
		return nil
	}
	sch, err := s.compile(o.pointer + "/requestBody/content/application~1json/schema")
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s %s: request body is not JSON: %v", method, o.Path, err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("%s %s: request body %s: %v", method, o.Path, body, err)
	}
	return nil
}

func urlQuery(raw string) (map[string][]string, error) {
	out := map[string][]string{}
	if raw == "" {
		return out, nil
	}
	req, err := http.NewRequest(http.MethodGet, "http://x/?"+raw, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range req.URL.Query() {
		out[k] = v
	}
	return out, nil
}

// queryValue types a query string value by its schema, as a server would parse it.
func queryValue(schema map[string]any, v string) any {
	switch schema["type"] {
	case "integer", "number":
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			return json.Number(strconv.FormatFloat(n, 'f', -1, 64))
		}
	case "boolean":
		if b, err := strconv.ParseBool(v); err == nil {
			return b
		}
	}
	return v
}

// CheckResponse validates a response against the schema the operation
// declares for its status (exact, else 4XX/5XX). Statuses the operation does
// not declare are errors, except 5xx, which the document leaves out of most
// operations and the emulator injects as faults.
func (s *Spec) CheckResponse(method, path string, status int, contentType string, body []byte) error {
	o, ok := s.Find(method, path)
	if !ok {
		return nil // answered "No route"; nothing to hold it to
	}
	responses, _ := o.op["responses"].(map[string]any)
	key := strconv.Itoa(status)
	if _, ok := responses[key]; !ok {
		key = strconv.Itoa(status/100) + "XX"
	}
	r := s.resolve(responses[key])
	if r == nil {
		if status >= 500 {
			return nil
		}
		return fmt.Errorf("%s %s: status %d is not declared", method, o.Path, status)
	}
	content, _ := r["content"].(map[string]any)
	if len(content) == 0 {
		if len(bytes.TrimSpace(body)) > 0 {
			return fmt.Errorf("%s %s: status %d declares no body, got %s", method, o.Path, status, body)
		}
		return nil
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	if _, declared := content[mt]; !declared {
		return fmt.Errorf("%s %s: status %d answered %s, the contract declares %v", method, o.Path, status, contentType, keys(content))
	}
	if mt != "application/json" {
		return nil
	}
	sch, err := s.compile(o.pointer + "/responses/" + escape(key) + "/content/application~1json/schema")
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s %s: response is not JSON: %v", method, o.Path, err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("%s %s: status %d response %s: %v", method, o.Path, status, body, err)
	}
	return nil
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Middleware checks every request under prefix (the API base path, e.g.
// /client/v4) and its response, and reports each violation. The handler it
// wraps answers as before.
func (s *Spec) Middleware(prefix string, report func(error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			path, under := strings.CutPrefix(r.URL.Path, prefix)
			if !under {
				next.ServeHTTP(w, r)
				return
			}
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if err := s.CheckRequest(r.Method, path, r.URL.RawQuery, body); err != nil {
				report(fmt.Errorf("request: %w", err))
			}
			if err := s.CheckAuth(r.Method, path, r.Header); err != nil {
				report(fmt.Errorf("request: %w", err))
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			res := rec.Result()
			if err := s.CheckResponse(r.Method, path, res.StatusCode, res.Header.Get("Content-Type"), rec.Body.Bytes()); err != nil {
				report(fmt.Errorf("response: %w", err))
			}
			for k, v := range res.Header {
				w.Header()[k] = v
			}
			w.WriteHeader(res.StatusCode)
			_, _ = w.Write(rec.Body.Bytes())
		})
	}
}

// CheckAuth checks that a request's credentials satisfy the operation's
// security (else the document's): api_token is Authorization: Bearer,
// api_email and api_key are X-Auth-Email and X-Auth-Key. The share operations
// declare the key pair only, so a token there is a violation.
func (s *Spec) CheckAuth(method, path string, h http.Header) error {
	o, ok := s.Find(method, path)
	if !ok {
		return nil
	}
	sec, declared := o.op["security"].([]any)
	if !declared {
		sec, _ = s.doc["security"].([]any)
	}
	if len(sec) == 0 {
		return nil
	}
	has := map[string]bool{
		"api_token": strings.HasPrefix(h.Get("Authorization"), "Bearer "),
		"api_email": h.Get("X-Auth-Email") != "",
		"api_key":   h.Get("X-Auth-Key") != "",
	}
	var names []string
	for _, req := range sec {
		m, _ := req.(map[string]any)
		all := true
		var group []string
		for name := range m {
			group = append(group, name)
			if !has[name] {
				all = false
			}
		}
		sort.Strings(group)
		names = append(names, strings.Join(group, "+"))
		if all {
			return nil
		}
	}
	return fmt.Errorf("%s %s: the credentials sent satisfy none of the operation's security (%s)", method, o.Path, strings.Join(names, " or "))
}
