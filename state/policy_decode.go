package state

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/idpsync/idpsync/idptype"
)

// policyDecl is a rule as written, its scope still by name: accounts may be
// declared in files loaded later, so names resolve once every file is read.
type policyDecl struct {
	rule  *PolicyRule
	names []scopeName
}

type scopeName struct {
	name string
	zone bool
	pos  Pos
}

// decodePolicy gathers a document's `policy:` block. The schema has judged
// its structure; what is checked here is what a schema cannot say.
func (l *loader) decodePolicy(doc *yaml.Node, top map[string]any) {
	pm, ok := top["policy"].(map[string]any)
	if !ok {
		return
	}
	pn, _ := lookup(doc, []string{"policy"})
	rules, _ := pm["rules"].([]any)
	for i, rv := range rules {
		rm, ok := rv.(map[string]any)
		rn, _ := lookup(pn, []string{"rules", strconv.Itoa(i)})
		if !ok || rn == nil {
			continue
		}
		l.decodeRule(rn, rm)
	}
	waivers, _ := pm["waivers"].([]any)
	for i, wv := range waivers {
		wm, ok := wv.(map[string]any)
		wn, _ := lookup(pn, []string{"waivers", strconv.Itoa(i)})
		if !ok || wn == nil {
			continue
		}
		l.decodeWaiver(wn, wm)
	}
	if l.policy == nil {
		l.policy = &Policy{}
	}
}

func (l *loader) decodeRule(n *yaml.Node, rm map[string]any) {
	r := &PolicyRule{Pos: l.pos(n), Level: idptype.PolicyDeny, Scope: PolicyScope{All: true}}
	r.ID, _ = rm["id"].(string)
	if _, known := idptype.LookupPolicyRule(r.ID); !known {
		return // reported by the schema
	}
	if lv, ok := rm["level"].(string); ok {
		r.Level = lv
	}
	for _, t := range asStrings(rm["types"]) {
		if _, ok := idptype.Types[t]; ok && !slices.Contains(r.Types, t) {
			r.Types = append(r.Types, t)
		}
	}
	if m, ok := rm["max"].(float64); ok {
		r.Max = int(m)
	}
	r.Organization, _ = rm["organization"].(bool)
	r.Accounts = asStrings(rm["accounts"])
	slices.Sort(r.Accounts)
	r.Accounts = slices.Compact(r.Accounts)
	if r.ID == idptype.RuleAllowedShareTargets && !r.Organization && len(r.Accounts) == 0 {
		// Not an error: it forbids every share, which someone may mean.
		l.warnf(r.Pos, "allow `organization: true` or list `accounts`", "policy rule `allowed_share_targets` allows no target: every share in scope is a finding")
	}
	d := policyDecl{rule: r}
	if sm, ok := rm["scope"].(map[string]any); ok {
		sn, _ := lookup(n, []string{"scope"})
		all, _ := sm["all"].(bool)
		for _, key := range []string{"accounts", "zones"} {
			for i, name := range asStrings(sm[key]) {
				vn, _ := lookup(sn, []string{key, strconv.Itoa(i)})
				d.names = append(d.names, scopeName{name: name, zone: key == "zones", pos: l.pos(vn)})
			}
		}
		switch {
		case all && len(d.names) > 0:
			l.errorf(l.pos(sn), "remove `all: true`, or the accounts and zones", "a scope with `all: true` covers everything: it cannot also list accounts or zones")
		case !all:
			r.Scope.All = false
		}
	}
	l.rules = append(l.rules, d)
}

func (l *loader) decodeWaiver(n *yaml.Node, wm map[string]any) {
	w := &Waiver{Pos: l.pos(n)}
	w.Rule, _ = wm["rule"].(string)
	w.Address, _ = wm["address"].(string)
	w.Reason, _ = wm["reason"].(string)
	w.Until, _ = wm["until"].(string)
	if w.Rule == "" || w.Address == "" || w.Reason == "" || w.Until == "" {
		return // reported by the schema
	}
	at := func(key string) Pos {
		v, _ := lookup(n, []string{key})
		return l.pos(v)
	}
	ok := true
	for _, f := range []struct{ key, val string }{{"rule", w.Rule}, {"address", w.Address}, {"reason", w.Reason}} {
		if msg := lineShape(f.val); msg != "" {
			// A reason is shown in the plan: it must not forge lines.
			l.errorf(at(f.key), "", "`%s` %s", f.key, msg)
			ok = false
		}
	}
	if _, known := idptype.LookupPolicyRule(w.Rule); !known && !strings.HasPrefix(w.Rule, idptype.RegoRulePrefix) {
		hint := didYouMean(w.Rule, idptype.PolicyRuleIDs())
		if hint == "" {
			hint = "a built-in rule id, or rego:<package> for a Rego policy's finding"
		}
		l.errorf(at("rule"), hint, "a waiver names the unknown policy rule `%s`", truncate(w.Rule, 40))
		ok = false
	}
	if _, err := time.Parse(time.DateOnly, w.Until); err != nil && dateShape(w.Until) {
		l.errorf(at("until"), "write the last day the waiver holds as YYYY-MM-DD, e.g. 2026-03-31", "`until` is not a calendar date")
		ok = false
	}
	if ok {
		l.waivers = append(l.waivers, w)
	}
}

// dateShape reports whether s has the schema's YYYY-MM-DD shape (the schema
// reports anything else).
func dateShape(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for i, c := range s {
		if i != 4 && i != 7 && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// mergePolicy resolves the scope names of every rule against the accounts
// and zones of d, and sets d.Policy.
func (l *loader) mergePolicy(d *Desired) {
	if l.policy == nil && len(l.rules) == 0 && len(l.waivers) == 0 {
		return
	}
	p := &Policy{Waivers: l.waivers}
	for _, decl := range l.rules {
		r := decl.rule
		for _, sn := range decl.names {
			owner, candidates := resolveScope(d, sn)
			if owner == "" {
				kind := "account"
				if sn.zone {
					kind = "zone"
				}
				hint := didYouMean(sn.name, candidates)
				if hint == "" && len(candidates) > 0 {
					hint = "declared: " + strings.Join(candidates, ", ")
				}
				l.errorf(sn.pos, hint, "policy rule `%s` is scoped to the %s `%s`, which no file declares", r.ID, kind, truncate(sn.name, 64))
				continue
			}
			if !slices.Contains(r.Scope.Owners, owner) {
				r.Scope.Owners = append(r.Scope.Owners, owner)
			}
		}
		slices.Sort(r.Scope.Owners)
		p.Rules = append(p.Rules, r)
	}
	d.Policy = p
}

// resolveScope finds the declared account (or zone) a scope name means, by
// id or name; it returns the names and ids to suggest when none matches.
func resolveScope(d *Desired, sn scopeName) (string, []string) {
	var candidates []string
	for _, a := range d.Accounts {
		if a.Zone != sn.zone {
			continue
		}
		if idptype.OwnerID(a.ID) == sn.name || a.Name == sn.name {
			return a.ID, nil
		}
		candidates = append(candidates, a.Label())
	}
	return "", candidates
}

func asStrings(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
