package plan

import (
	"maps"
	"sort"
	"strings"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/state"
)

// keyEnableEncryption is managed by the encryption block and its own action,
// never as a plain config key: an IdP update must not toggle it.
const keyEnableEncryption = "enable_encryption"

// readOnlyKey reports whether the server computes a config key. redirect_url
// is computed for every type that has it, whether or not the catalogue lists
// it for this one, so it is never sent back.
func readOnlyKey(t idptype.Type, key string) bool {
	if key == "redirect_url" {
		return true
	}
	f, ok := t.Field(key)
	return ok && f.ReadOnly
}

// comparable reports whether a declared key takes part in the config diff.
func comparable(t idptype.Type, key string) bool {
	if key == keyEnableEncryption {
		return false
	}
	return !readOnlyKey(t, key) && !isWriteOnly(t, key)
}

// configChanges compares the declared keys of d with the live config. Only
// declared keys count: what the server defaults or computes is not drift.
func configChanges(t idptype.Type, d *state.IdP, live map[string]any) []Change {
	var out []Change
	for k, dv := range d.Config {
		if !comparable(t, k) {
			continue
		}
		lv, present := live[k]
		if present && lv == nil {
			present = false
		}
		if sameValue(t, k, dv, lv, present) {
			continue
		}
		c := Change{Path: "config." + k, Before: lv, After: dv}
		if isSensitive(t, d, k) {
			c.Sensitive = true
			c.After = SensitiveValue
			c.Ref = d.Secrets[k].Ref
			if present {
				c.Before = SensitiveValue
			}
		}
		out = append(out, c)
	}
	return out
}

// sameValue decides whether a declared value matches the live one. An absent
// live key equals false for booleans the API defaults to false, and equals an
// empty string or list, because reads leave such values out.
func sameValue(t idptype.Type, key string, declared, live any, present bool) bool {
	if !present {
		if b, ok := declared.(bool); ok {
			f, _ := t.Field(key)
			return !b && f.DefaultFalse
		}
		return isEmpty(declared)
	}
	return equalValue(declared, live)
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case []string:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	case []map[string]any:
		return len(x) == 0
	}
	return false
}

// equalValue compares two JSON-like values the way the API means them: numbers
// by value whatever their Go type, lists in order, PEM text regardless of line
// endings and trailing whitespace.
func equalValue(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		if !ok {
			return false
		}
		return x == y || normalizeText(x) == normalizeText(y)
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !equalValue(xv, yv) {
				return false
			}
		}
		return true
	}
	if xf, ok := number(a); ok {
		yf, ok := number(b)
		return ok && xf == yf
	}
	if xs, ok := list(a); ok {
		ys, ok := list(b)
		if !ok || len(xs) != len(ys) {
			return false
		}
		for i := range xs {
			if !equalValue(xs[i], ys[i]) {
				return false
			}
		}
		return true
	}
	return false
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case uint64:
		return float64(n), true
	}
	return 0, false
}

func list(v any) ([]any, bool) {
	switch l := v.(type) {
	case []any:
		return l, true
	case []string:
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out, true
	case []map[string]any:
		out := make([]any, len(l))
		for i, m := range l {
			out[i] = m
		}
		return out, true
	}
	return nil, false
}

// normalizeText makes PEM blocks comparable: editors and APIs disagree on
// line endings and trailing blanks, which carry no meaning in a certificate.
// Other text is compared exactly.
func normalizeText(s string) string {
	if !strings.Contains(s, "-----BEGIN") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), " \t\n")
}

// declaredConfig is the declared config as it may be shown: sensitive values
// masked, keys the encryption action owns left out.
func declaredConfig(t idptype.Type, d *state.IdP) map[string]any {
	out := make(map[string]any, len(d.Config))
	for k, v := range d.Config {
		if k == keyEnableEncryption || readOnlyKey(t, k) {
			continue
		}
		if isSensitive(t, d, k) {
			v = SensitiveValue
		}
		out[k] = v
	}
	return out
}

// createRequest is the body of an IdP create or replace: the declared config only.
func createRequest(t idptype.Type, d *state.IdP, salt []byte) *IdPRequest {
	return &IdPRequest{
		Name:       d.Name,
		Type:       d.Type,
		Config:     declaredConfig(t, d),
		Secrets:    secretRefs(t, d, salt),
		SCIMConfig: scimRequest(d.SCIM, nil),
	}
}

// updateRequest is the body of an IdP update. PUT replaces the whole object, so
// the live config (less what the server computes or cannot return) is the base
// and the declared keys overlay it: settings nobody declared are preserved.
func updateRequest(t idptype.Type, d *state.IdP, l *state.LiveIdP, salt []byte, encryptionStaysOn bool) *IdPRequest {
	cfg := make(map[string]any, len(l.Config)+len(d.Config))
	for k, v := range l.Config {
		if k == keyEnableEncryption {
			continue
		}
		// A sensitive value read back cannot be sent again without its source;
		// only declared secrets are sent, from their references.
		if f, ok := t.Field(k); readOnlyKey(t, k) || ok && (f.WriteOnly || f.Sensitive) {
			continue
		}
		cfg[k] = v
	}
	maps.Copy(cfg, declaredConfig(t, d))
	return &IdPRequest{
		Name:             d.Name,
		Type:             d.Type,
		Config:           cfg,
		Secrets:          secretRefs(t, d, salt),
		EnableEncryption: encryptionStaysOn,
		SCIMConfig:       scimRequest(d.SCIM, l.SCIMConfig),
	}
}

// idpBefore and idpAfter are the managed fields of an IdP as read and as
// declared: name, type and the declared config keys.
func idpBefore(t idptype.Type, d *state.IdP, l *state.LiveIdP) map[string]any {
	cfg := make(map[string]any, len(d.Config))
	for k := range d.Config {
		if !comparable(t, k) {
			continue
		}
		v, ok := l.Config[k]
		if !ok || v == nil {
			continue
		}
		if isSensitive(t, d, k) {
			v = SensitiveValue
		}
		cfg[k] = v
	}
	out := map[string]any{"name": l.Name, "type": l.Type, "config": cfg}
	if d.SCIM != nil {
		scim := make(map[string]any, len(d.SCIM.Settings))
		for k := range d.SCIM.Settings {
			v, ok := l.SCIMConfig[k]
			if !ok || v == nil {
				v = idptype.SCIMDefault(k)
			}
			scim[k] = v
		}
		out["scim_config"] = scim
	}
	return out
}

func idpAfter(t idptype.Type, d *state.IdP) map[string]any {
	out := map[string]any{"name": d.Name, "type": d.Type, "config": declaredConfig(t, d)}
	if d.SCIM != nil {
		out["scim_config"] = maps.Clone(d.SCIM.Settings)
	}
	return out
}

// createChanges lists every declared field of a new IdP.
func createChanges(t idptype.Type, d *state.IdP) []Change {
	out := []Change{{Path: "name", After: d.Name}, {Path: "type", After: d.Type}}
	for k, v := range d.Config {
		if !comparable(t, k) {
			continue
		}
		c := Change{Path: "config." + k, After: v}
		if isSensitive(t, d, k) {
			c.After, c.Sensitive, c.Ref = SensitiveValue, true, d.Secrets[k].Ref
		}
		out = append(out, c)
	}
	return append(out, scimCreateChanges(d.SCIM)...)
}

func sortChanges(cs []Change) {
	sort.Slice(cs, func(i, j int) bool { return cs[i].Path < cs[j].Path })
}
