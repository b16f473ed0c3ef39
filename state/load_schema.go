package state

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"go.yaml.in/yaml/v3"

	"github.com/idpsync/idpsync/idptype"
)

// reportSchema reports the failures of a document against the JSON Schema, each
// failure at the position of the node it is about, in idpsync's own words:
// the library's messages quote values, and a value may be a secret. It
func (l *loader) reportSchema(doc *yaml.Node, val any, leaves []*jsonschema.ValidationError, err error) {
	if err != nil {
		l.errorf(l.pos(doc), "", "schema validation failed: %v", err)
		return
	}
	if len(leaves) == 0 {
		return
	}

	// A key that may not be there at all (encryption on an OIDC IdP) makes
	// any complaint about its contents noise.
	var forbidden [][]string
	// A misspelt key also makes the key it was meant to be missing; the
	// did-you-mean on the misspelling says both.
	l.meant = map[string]bool{}
	for _, e := range leaves {
		switch k := e.ErrorKind.(type) {
		case *kind.FalseSchema:
			forbidden = append(forbidden, e.InstanceLocation)
		case *kind.AdditionalProperties:
			allowed := l.schemaProperties(e.SchemaURL)
			for _, p := range k.Properties {
				if m := closest(p, allowed); m != "" {
					l.meant[jsonPath(e.InstanceLocation)+"\x00"+m] = true
				}
			}
		}
	}
	for _, e := range leaves {
		if _, ok := e.ErrorKind.(*kind.FalseSchema); !ok && slices.ContainsFunc(forbidden, func(p []string) bool { return hasPrefix(e.InstanceLocation, p) }) {
			continue
		}
		l.schemaError(doc, val, e)
	}
}

func jsonPath(path []string) string { return strings.Join(path, "/") }

func hasPrefix(path, prefix []string) bool {
	return len(path) >= len(prefix) && slices.Equal(path[:len(prefix)], prefix)
}

// shape is a path with list indexes replaced by "*", naming where in the
// format a value is.
//
// A zone's IdPs have the shape of an account's: the messages about them read
// the same.
func shape(path []string) string {
	parts := make([]string, len(path))
	for i, p := range path {
		if i == 0 && p == "zones" && len(path) > 2 {
			parts[i] = "accounts"
			continue
		}
		if _, err := strconv.Atoi(p); err == nil {
			parts[i] = "*"
		} else {
			parts[i] = p
		}
	}
	return strings.Join(parts, "/")
}

const (
	shapeRoot      = ""
	shapeAccount   = "accounts/*"
	shapeIdP       = "accounts/*/identity_providers/*"
	shapeConfig    = shapeIdP + "/config"
	shapeSCIM      = shapeIdP + "/scim_config"
	shapeRecipient = shapeIdP + "/federation/share_with/*"
	shapeMetadata  = shapeIdP + "/metadata"
	shapeRule      = "policy/rules/*"
	shapeWaiver    = "policy/waivers/*"
)

// subject names the value at path for a message: "`issuer_url`", or
// "item 2 of `idp_public_certs`".
func subject(path []string) string {
	if len(path) == 0 {
		return "the document"
	}
	last := path[len(path)-1]
	if i, err := strconv.Atoi(last); err == nil {
		if len(path) == 1 {
			return fmt.Sprintf("item %d", i+1)
		}
		switch shape(path) {
		case shapeAccount:
			return "an account"
		case shapeIdP:
			return "an identity provider"
		}
		return fmt.Sprintf("item %d of `%s`", i+1, path[len(path)-2])
	}
	return "`" + last + "`"
}

// where names the mapping at path, for unknown and missing keys.
func where(val any, path []string) string {
	switch s := shape(path); {
	case s == shapeRoot:
		return "at the top level"
	case s == shapeAccount:
		return "in an account"
	case s == shapeIdP:
		return "in an identity provider"
	case s == shapeConfig:
		if t, ok := valueAt(val, append(slices.Clone(path[:len(path)-1]), "type")).(string); ok {
			return fmt.Sprintf("in the config of %s `%s` identity provider", article(t), t)
		}
		return "in config"
	case s == shapeRecipient:
		return "in a `share_with` item"
	case s == shapeSCIM:
		return "in `scim_config`"
	case s == shapeRule:
		if id, ok := valueAt(val, append(slices.Clone(path), "id")).(string); ok {
			return fmt.Sprintf("in policy rule `%s`", id)
		}
		return "in a policy rule"
	case s == shapeWaiver:
		return "in a policy waiver"
	default:
		return "in " + subject(path)
	}
}

func valueAt(v any, path []string) any {
	for _, tok := range path {
		switch c := v.(type) {
		case map[string]any:
			v = c[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			v = c[i]
		default:
			return nil
		}
	}
	return v
}

// schemaProperties lists the keys the schema allows at the object whose
// additionalProperties keyword failed.
func (l *loader) schemaProperties(schemaURL string) []string {
	_, frag, _ := strings.Cut(schemaURL, "#")
	toks := strings.Split(strings.TrimPrefix(frag, "/"), "/")
	if len(toks) > 0 && toks[len(toks)-1] == "additionalProperties" {
		toks = toks[:len(toks)-1]
	}
	node := l.schemas.raw()
	for _, t := range toks {
		if t == "" {
			continue
		}
		m, ok := node.(map[string]any)
		if !ok {
			return nil
		}
		node = m[strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")]
	}
	m, _ := node.(map[string]any)
	props, _ := m["properties"].(map[string]any)
	var out []string
	for k, v := range props {
		if v != false {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

var typeNames = map[string]string{
	"string": "a string", "boolean": "a boolean", "integer": "an integer", "number": "a number",
	"array": "a list", "object": "a mapping", "null": "null",
}

func (l *loader) schemaError(doc *yaml.Node, val any, e *jsonschema.ValidationError) {
	path := e.InstanceLocation
	node, key := lookup(doc, path)
	at := l.pos(node)
	if key != nil {
		// Point at the key: that is the line a reader looks for.
		at = l.pos(key)
	}
	vpos := l.pos(node)
	sh := shape(path)
	last := ""
	if len(path) > 0 {
		last = path[len(path)-1]
	}
	switch k := e.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		allowed := l.schemaProperties(e.SchemaURL)
		for _, p := range k.Properties {
			_, pk := lookup(doc, append(slices.Clone(path), p))
			pos := l.pos(pk)
			if pk == nil {
				pos = at
			}
			l.unknownKey(val, path, sh, p, allowed, pos)
		}
	case *kind.Required:
		for _, m := range k.Missing {
			if l.meant[jsonPath(path)+"\x00"+m] {
				continue
			}
			hint := ""
			if sh == shapeRoot && m == "version" {
				hint = "add `version: 1`"
			}
			if sh == shapeIdP && m == "config" {
				t := fmt.Sprint(valueAt(val, append(slices.Clone(path), "type")))
				if t == idptype.SAML {
					hint = "or a `metadata:` block with the IdP's SAML metadata"
				}
				l.errorf(at, hint, "%s `%s` identity provider needs a `config`", article(t), t)
				continue
			}
			if sh == shapeConfig && slices.Contains(MetadataKeys, m) {
				hint = "or fill it from the IdP's SAML metadata with a `metadata:` block"
			}
			l.errorf(at, hint, "missing required key `%s` %s", m, where(val, path))
		}
	case *kind.Type:
		hint := ""
		if k.Got != "object" && k.Got != "array" && slices.Contains(k.Want, "string") {
			hint = "quote the value to make it a string"
		}
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = typeNames[w]
		}
		got := typeNames[k.Got]
		if k.Got == "number" && slices.Contains(k.Want, "integer") {
			l.errorf(vpos, "", "%s must be a whole number", subject(path))
			return
		}
		l.errorf(vpos, hint, "%s must be %s, not %s", subject(path), strings.Join(want, " or "), got)
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = fmt.Sprint(w)
		}
		if sh == shapeIdP+"/type" {
			got, _ := k.Got.(string)
			hint := didYouMean(got, want)
			if hint == "" {
				hint = "one of: " + strings.Join(want, ", ")
			}
			l.errorf(vpos, hint, "unknown identity provider type `%s`", truncate(fmt.Sprint(k.Got), 40))
			return
		}
		if sh == shapeRule+"/id" {
			got, _ := k.Got.(string)
			hint := didYouMean(got, want)
			if hint == "" {
				hint = "one of: " + strings.Join(want, ", ") + "; Rego rules go in a --policy directory"
			}
			l.errorf(vpos, hint, "unknown policy rule `%s`", truncate(fmt.Sprint(k.Got), 40))
			return
		}
		l.errorf(vpos, "", "%s must be one of: %s", subject(path), strings.Join(want, ", "))
	case *kind.Const:
		switch {
		case sh == "version":
			l.errorf(vpos, "this idpsync reads format version 1", "unsupported `version`: it must be 1")
		case sh == shapeRecipient+"/organization":
			l.errorf(vpos, "to share with some accounts, list them with `account:`", "`organization` can only be `true`")
		default:
			l.errorf(vpos, "", "%s must be %v", subject(path), k.Want)
		}
	case *kind.Pattern:
		switch {
		case last == "client_secret" || isSensitive(val, path):
			l.errorf(vpos, "use `${env:NAME}` or `${file:PATH}`", "%s is sensitive and must not be written in the file", subject(path))
		case k.Want == schemaURLPattern:
			if strings.Contains(k.Got, "${") {
				return // a malformed reference: the semantic pass names it
			}
			l.errorf(vpos, "e.g. https://example.okta.com", "%s is not an absolute http(s) URL with a host", subject(path))
		case sh == shapeWaiver+"/until":
			l.errorf(vpos, "write the last day the waiver holds as YYYY-MM-DD, e.g. 2026-03-31", "`until` must be a date")
		case sh == shapeMetadata+"/url":
			l.errorf(vpos, "e.g. https://example.okta.com/app/exk1/sso/saml/metadata", "`url` is not an absolute http(s) URL with a host")
		case sh == shapeIdP+"/id":
			l.errorf(vpos, "e.g. f174e90a-fafe-4643-bbbc-4a0ed4fc8415", "`id` must be an identity provider UUID, in lowercase")
		case last == "rotate_within":
			l.errorf(vpos, "use an integer and a unit: w, d, h, m or s, e.g. 45d", "invalid duration `%s`", truncate(fmt.Sprint(k.Got), 40))
		case sh == shapeAccount+"/organization":
			l.errorf(vpos, "", "`organization` must be an organization ID: 32 lowercase hexadecimal characters")
		case len(path) == 3 && path[0] == "zones" && path[2] == "id":
			l.errorf(vpos, "", "`id` must be a zone ID: 32 lowercase hexadecimal characters")
		default:
			l.errorf(vpos, "", "%s must be an account ID: 32 lowercase hexadecimal characters", subject(path))
		}
	case *kind.MinLength:
		l.errorf(vpos, "", "%s must not be empty", subject(path))
	case *kind.MinItems:
		switch last {
		case "share_with":
			l.errorf(vpos, "remove the `federation` block to stop sharing", "`share_with` must list at least one recipient")
		default:
			l.errorf(vpos, "", "%s must not be empty", subject(path))
		}
	case *kind.MinProperties, *kind.MaxProperties:
		if sh == shapeMetadata {
			l.errorf(at, "e.g. `metadata: {file: okta.xml}` or `metadata: {url: https://…}`", "`metadata` needs exactly one of `file` or `url`")
			return
		}
		l.errorf(vpos, "e.g. `- account: <32-hex id>` or `- organization: true`", "a `share_with` item needs exactly one of `account` or `organization: true`")
	case *kind.Minimum:
		l.errorf(vpos, "", "%s must be at least %s", subject(path), k.Want.RatString())
	case *kind.Maximum:
		l.errorf(vpos, "", "%s must be at most %s", subject(path), k.Want.RatString())
	case *kind.FalseSchema:
		t := valueAt(val, append(slices.Clone(path[:len(path)-1]), "type"))
		switch last {
		case "encryption", "metadata":
			l.errorf(at, "remove it", "`%s` is only for `saml` identity providers, not `%v`", last, t)
		case "federation":
			l.errorf(at, "the API refuses to federate one-time PIN and Cloudflare identity providers", "%s `%v` identity provider cannot be federated", article(fmt.Sprint(t)), t)
		case "types", "max", "organization", "accounts":
			if shape(path[:len(path)-1]) == shapeRule {
				id := fmt.Sprint(valueAt(val, append(slices.Clone(path[:len(path)-1]), "id")))
				hint := "remove it"
				if r, ok := idptype.LookupPolicyRule(id); ok && len(r.Params) > 0 {
					hint = "`" + id + "` takes: " + strings.Join(r.Params, ", ")
				} else if ok {
					hint = "`" + id + "` takes no parameters besides level and scope"
				}
				l.errorf(at, hint, "`%s` is not a parameter of policy rule `%s`", last, id)
				return
			}
			l.errorf(at, "remove it", "%s is not allowed here", subject(path))
		case "scim_config":
			l.errorf(at, "remove it; SCIM provisions users from an external directory", "%s `%v` identity provider cannot carry `scim_config`", article(fmt.Sprint(t)), t)
		default:
			l.errorf(at, "remove it", "%s is not allowed here", subject(path))
		}
	default:
		// Keep the library's wording out: it may quote a value.
		l.errorf(vpos, "", "%s is invalid (schema keyword `%s`)", subject(path), strings.Join(e.ErrorKind.KeywordPath(), "/"))
	}
}

// isSensitive reports whether path is a catalogue-sensitive config key.
func isSensitive(val any, path []string) bool {
	if len(path) < 2 || shape(path[:len(path)-1]) != shapeConfig {
		return false
	}
	t, _ := valueAt(val, append(slices.Clone(path[:len(path)-2]), "type")).(string)
	f, ok := idptype.Types[t].Field(path[len(path)-1])
	return ok && f.Sensitive
}

func (l *loader) unknownKey(val any, path []string, sh, key string, allowed []string, pos Pos) {
	name := truncate(key, 64)
	switch sh {
	case shapeRoot:
		l.errorf(pos, keyHint(key, allowed), "unknown top-level key `%s`", name)
	case shapeAccount:
		l.errorf(pos, keyHint(key, allowed), "unknown account key `%s`", name)
	case shapeIdP:
		l.errorf(pos, keyHint(key, allowed), "unknown identity provider key `%s`", name)
	case shapeRule:
		// Only the parameters this rule takes are worth suggesting.
		keys := []string{"id", "level", "scope"}
		if id, ok := valueAt(val, append(slices.Clone(path), "id")).(string); ok {
			if r, ok := idptype.LookupPolicyRule(id); ok {
				keys = append(keys, r.Params...)
			}
		}
		l.errorf(pos, keyHint(key, keys), "unknown key `%s` %s", name, where(val, path))
	case shapeSCIM:
		if f, ok := idptype.SCIMField(key); ok && f.ReadOnly {
			hint := "remove it; `idpsync scim` shows the base URL"
			if f.Sensitive {
				hint = "remove it; apply writes the secret under --secrets-out DIR when SCIM is first enabled, and --rotate-scim-secret makes a new one"
			}
			l.errorf(pos, hint, "`scim_config.%s` is read-only: the API computes it", name)
			return
		}
		l.errorf(pos, keyHint(key, allowed), "unknown `scim_config` key `%s`", name)
	case shapeConfig:
		t, _ := valueAt(val, append(slices.Clone(path[:len(path)-1]), "type")).(string)
		if key == "enable_encryption" {
			l.errorf(pos, "use `encryption.enabled`", "`enable_encryption` is not set in config")
			return
		}
		if f, ok := idptype.Types[t].Field(key); ok && f.ReadOnly {
			l.errorf(pos, "remove it", "`%s` is read-only: the API computes it", name)
			return
		}
		// Config keys list in the catalogue's order, which groups them as
		// the API documentation does.
		var keys []string
		for _, f := range idptype.Types[t].Fields {
			if slices.Contains(allowed, f.Name) {
				keys = append(keys, f.Name)
			}
		}
		hint := keyHint(key, keys)
		if len(keys) == 0 {
			hint = fmt.Sprintf("%s `%s` identity provider takes no config keys", article(t), t)
		}
		l.errorf(pos, hint, "unknown config key `%s` for %s `%s` identity provider", name, article(t), t)
	default:
		l.errorf(pos, keyHint(key, allowed), "unknown key `%s` %s", name, where(val, path))
	}
}

// article is the indefinite article before a type name as it is read aloud.
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiouAEIOU", rune(word[0])) {
		return "an"
	}
	return "a"
}
