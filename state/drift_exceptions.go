package state

import (
	"time"

	"go.yaml.in/yaml/v3"
)

// DriftException is drift a team has accepted for a while: one entry of the
// drift.exceptions list. The drift command reports matching drift as
// accepted, and counts it again once Until has passed.
type DriftException struct {
	// Address is a pattern over drift addresses in which * stands for any
	// run of characters: account[platform].idp[GitHub], account[*].idp[Okta].
	Address string
	// Fields, when given, limit the exception to these changed field paths.
	Fields []string
	Reason string
	// Until is the last day the exception holds, YYYY-MM-DD, in UTC.
	Until string
	Pos   Pos
}

// decodeDrift reads the drift: block of a document. The schema has judged
// its shape; what is checked here is what a schema cannot say: that until is
// a real date.
func (l *loader) decodeDrift(doc *yaml.Node, top map[string]any) {
	block, _ := top["drift"].(map[string]any)
	list, _ := block["exceptions"].([]any)
	listNode, _ := lookup(doc, []string{"drift", "exceptions"})
	if listNode == nil || listNode.Kind != yaml.SequenceNode {
		return
	}
	for i, xv := range list {
		xm, ok := xv.(map[string]any)
		if !ok || i >= len(listNode.Content) {
			continue
		}
		n := resolveAlias(listNode.Content[i])
		x := DriftException{Pos: l.pos(n)}
		x.Address, _ = xm["address"].(string)
		x.Reason, _ = xm["reason"].(string)
		x.Until, _ = xm["until"].(string)
		fields, _ := xm["fields"].([]any)
		for _, f := range fields {
			if s, ok := f.(string); ok {
				x.Fields = append(x.Fields, s)
			}
		}
		if x.Address == "" || x.Reason == "" || x.Until == "" {
			continue // reported by the schema
		}
		if _, err := time.Parse(time.DateOnly, x.Until); err != nil {
			pos := x.Pos
			if v := membersOf(n).value("until"); v != nil {
				pos = l.pos(v)
			}
			l.errorf(pos, "write the last day the exception holds as YYYY-MM-DD, e.g. 2027-01-31", "until is not a calendar date")
			continue
		}
		l.driftExceptions = append(l.driftExceptions, x)
	}
}
