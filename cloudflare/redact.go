package cloudflare

import (
	"encoding/json"
	"sort"
	"strings"
	"sync"
)

// Redacted replaces, in the API's error messages, a value marked with Redact.
const Redacted = "(redacted)"

// Redact marks values that must never appear in an error or a log line: the
// values a request carries that were read from the environment or from
// files (secrets, ${env:...}, ${file:...}). An API may echo a field of a
// request it refuses ("invalid client_id '…'"); the client takes every
// marked value out of the API's messages as it decodes them, before any
// error text, log line or hint is built from them. This is the one place
// where that happens.
func (c *Client) Redact(values ...string) {
	c.redact.add(values...)
}

// redactor is the set of values Redact marked.
type redactor struct {
	mu sync.Mutex
	// values, longest first, so that a value containing another is
	// replaced whole.
	values []string
	seen   map[string]bool
}

func (r *redactor) add(values ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range values {
		forms := []string{v}
		// An API may quote the value as JSON, escapes included.
		if b, err := json.Marshal(v); err == nil {
			forms = append(forms, string(b[1:len(b)-1]))
		}
		for _, f := range forms {
			if f == "" || r.seen[f] {
				continue
			}
			if r.seen == nil {
				r.seen = map[string]bool{}
			}
			r.seen[f] = true
			r.values = append(r.values, f)
		}
	}
	sort.SliceStable(r.values, func(i, j int) bool { return len(r.values[i]) > len(r.values[j]) })
}

// messages returns ms with every marked value replaced by Redacted.
func (r *redactor) messages(ms []Message) []Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.values) == 0 || len(ms) == 0 {
		return ms
	}
	out := make([]Message, len(ms))
	for i, m := range ms {
		for _, v := range r.values {
			m.Message = strings.ReplaceAll(m.Message, v, Redacted)
		}
		out[i] = m
	}
	return out
}
