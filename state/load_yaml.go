package state

import (
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxNodes bounds the nodes of one document after alias expansion, so that an
// alias bomb (a few lines that expand to billions of nodes) is refused instead
// of exhausting memory. 10,000 identity providers take about 250,000.
const maxNodes = 1_000_000

// errTooLarge stops a conversion that went over maxNodes.
type errTooLarge struct{}

func (errTooLarge) Error() string { return "too large" }

func resolveAlias(n *yaml.Node) *yaml.Node {
	// Aliases of aliases do not occur in parsed YAML, but a bounded loop
	// costs nothing and cannot hang.
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 64; i++ {
		n = n.Alias
	}
	return n
}

func isMerge(k *yaml.Node) bool { return k.Kind == yaml.ScalarNode && k.Tag == "!!merge" }

// eachPair calls fn for every key/value pair of a mapping, with aliases
// resolved and "<<" merge keys expanded. Explicit keys come first; merged
// keys follow, and a merged key already present is skipped, as YAML specifies.
// Duplicated explicit keys are all passed on: converting reports them.
func eachPair(m *yaml.Node, fn func(k, v *yaml.Node) bool) {
	budget := maxNodes
	eachPairBudget(m, &budget, fn)
}

// eachPairBudget is eachPair with a bound on the merge sources visited, which
// nested merges of aliases could otherwise make exponential; the walk stops
// when *budget runs out.
func eachPairBudget(m *yaml.Node, budget *int, fn func(k, v *yaml.Node) bool) {
	m = resolveAlias(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return
	}
	merges := false
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if isMerge(k) {
			merges = true
			continue
		}
		if !fn(k, resolveAlias(m.Content[i+1])) {
			return
		}
	}
	if !merges {
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if !isMerge(m.Content[i]) {
			seen[m.Content[i].Value] = true
		}
	}
	var visit func(src *yaml.Node, depth int) bool
	visit = func(src *yaml.Node, depth int) bool {
		src = resolveAlias(src)
		if src == nil || depth > 16 {
			return true
		}
		*budget -= 1 + len(src.Content)
		if *budget < 0 {
			return false
		}
		switch src.Kind {
		case yaml.MappingNode:
			cont := true
			eachPairBudget(src, budget, func(k, v *yaml.Node) bool {
				if seen[k.Value] {
					return true
				}
				seen[k.Value] = true
				cont = fn(k, v)
				return cont
			})
			return cont
		case yaml.SequenceNode:
			for _, c := range src.Content {
				if !visit(c, depth+1) {
					return false
				}
			}
		}
		return true
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if isMerge(m.Content[i]) && !visit(m.Content[i+1], 0) {
			return
		}
	}
}

// lookup returns the value node and, for a mapping member, the key node at a
// JSON-pointer-like path of already-unescaped tokens.
func lookup(root *yaml.Node, path []string) (val, key *yaml.Node) {
	n := resolveAlias(root)
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = resolveAlias(n.Content[0])
	}
	for _, tok := range path {
		if n == nil {
			return nil, nil
		}
		switch n.Kind {
		case yaml.MappingNode:
			var found, foundKey *yaml.Node
			eachPair(n, func(k, v *yaml.Node) bool {
				if k.Value == tok {
					found, foundKey = v, k
					return false
				}
				return true
			})
			n, key = found, foundKey
		case yaml.SequenceNode:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n.Content) {
				return nil, nil
			}
			n, key = resolveAlias(n.Content[i]), nil
		default:
			return nil, nil
		}
	}
	return n, key
}

func (l *loader) pos(n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: l.file}
	}
	return Pos{File: l.file, Line: n.Line, Column: n.Column}
}

// toValue converts a node into the JSON value encoding/json would produce,
// reporting duplicate keys and values JSON cannot hold. It counts every node
// it produces, aliases expanded, and stops with errTooLarge past maxNodes.
func (l *loader) toValue(n *yaml.Node, depth int) (any, error) {
	n = resolveAlias(n)
	if n == nil {
		return nil, nil
	}
	l.nodes++
	if l.nodes > maxNodes || depth > 10_000 {
		return nil, errTooLarge{}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return l.toValue(n.Content[0], depth+1)
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, err := l.toValue(c, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		var err error
		budget := maxNodes - l.nodes
		eachPairBudget(n, &budget, func(k, v *yaml.Node) bool {
			if k.Kind != yaml.ScalarNode {
				l.errorf(l.pos(k), "", "mapping keys must be plain strings")
				return true
			}
			if _, dup := out[k.Value]; dup {
				first := firstKey(n, k.Value)
				l.errorf(l.pos(k), "", "duplicate key `%s` (first at %s)", truncate(k.Value, 64), l.pos(first))
				return true
			}
			var cv any
			cv, err = l.toValue(v, depth+1)
			if err != nil {
				return false
			}
			out[k.Value] = cv
			return true
		})
		if err != nil {
			return nil, err
		}
		if budget < 0 {
			return nil, errTooLarge{}
		}
		return out, nil
	case yaml.ScalarNode:
		return l.scalar(n), nil
	}
	return nil, nil
}

func firstKey(m *yaml.Node, key string) *yaml.Node {
	var first *yaml.Node
	eachPair(m, func(k, _ *yaml.Node) bool {
		if k.Value == key {
			first = k
			return false
		}
		return true
	})
	return first
}

// scalar converts a resolved scalar by its YAML 1.2 core-schema tag. Integers
// become float64, like every JSON number.
func (l *loader) scalar(n *yaml.Node) any {
	tag := n.ShortTag()
	if (tag == "!!int" || tag == "!!float") && n.Style == 0 && isHex32(n.Value) {
		// An account id written unquoted that happens to be all digits, or
		// digits around one "e", resolves as a number; no number of the
		// format has 32 digits, so it is the id that was meant.
		return n.Value
	}
	switch tag {
	case "!!null":
		return nil
	case "!!bool":
		return strings.EqualFold(n.Value, "true")
	case "!!int":
		if i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err == nil {
			return float64(i)
		}
		var i int64
		if err := n.Decode(&i); err == nil {
			return float64(i)
		}
		var f float64
		if err := n.Decode(&f); err == nil {
			return f
		}
		return n.Value
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return n.Value
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			l.errorf(l.pos(n), "", "`%s` is not a finite number", truncate(n.Value, 16))
			return nil
		}
		return f
	}
	// Strings, and tags JSON has no type for (timestamps, binary, custom
	// tags), keep their text.
	return n.Value
}
