//go:build ignore

// gen_schema writes idpsync.schema.json from the IdP type catalogue, so that
// the schema's per-type config keys cannot drift from what the API accepts.
// Run it with go generate ./schemas.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/idpsync/idpsync/idptype"
)

// obj keeps key order in the generated JSON, so the file reads top-down.
type obj []kv

type kv struct {
	k string
	v any
}

func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(e.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(e.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

const (
	hex32    = "^[0-9a-f]{32}$"
	uuidRe   = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
	duration = "^([0-9]+[wdhms])+$"
	secretRe = `^\$\{(env|file):[^}]+\}$`
	// urlRe is an absolute http(s) URL with a host, or a reference to one.
	urlRe = `^(\$\{(env|file):[^}]+\}|https?://[^/?#@\s]+([/?#]\S*)?)$`
	// metadataURL is an absolute http(s) URL with a host and no credentials;
	// the loader also allows plain http only to a loopback address.
	dateRe      = `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`
	metadataURL = `^https?://[^/?#@\s]+([/?#]\S*)?$`
)

// metadataKeys are the saml config keys a `metadata:` block fills.
var metadataKeys = []string{"issuer_url", "sso_target_url", "idp_public_certs"}

// descriptions of the config keys, in the API's words where it has some.
var descriptions = map[string]string{
	"client_id":                   "The OAuth client ID issued by the identity provider.",
	"client_secret":               "The OAuth client secret. Sensitive: write it as a `${env:NAME}` or `${file:PATH}` reference, never as a literal.",
	"claims":                      "Custom claims to copy from the id_token into the Access JWT.",
	"email_claim_name":            "The id_token claim that holds the user's email address.",
	"directory_id":                "The Azure AD directory (tenant) ID.",
	"support_groups":              "Read the user's Azure AD groups (default false).",
	"conditional_access_enabled":  "Honour Azure AD conditional access policies (default false).",
	"prompt":                      "The prompt parameter sent to the identity provider on login.",
	"issuer_url":                  "The SAML IdP entity ID or issuer URL.",
	"sso_target_url":              "The SAML single sign-on URL where AuthnRequests are sent.",
	"idp_public_certs":            "PEM X.509 certificates that verify the IdP's signature on SAML responses, e.g. `${file:certs/okta.pem}`.",
	"sign_request":                "Sign the SAML AuthnRequest with Access's key (default false).",
	"email_attribute_name":        "The SAML attribute that holds the user's email address.",
	"attributes":                  "SAML attributes copied into the Access JWT and usable in policies.",
	"header_attributes":           "SAML attributes passed to the origin as HTTP headers.",
	"force_authn":                 "Send ForceAuthn=true so that users authenticate afresh on every login (default false).",
	"max_sso_url_length":          "Above this SSO URL length, RelayState is kept server-side and a nonce is sent instead (512 to 100000).",
	"centrify_account":            "The Centrify account URL.",
	"centrify_app_id":             "The Centrify application ID.",
	"apps_domain":                 "The Google Workspace domain users sign in with.",
	"use_login_hint":              "Pass the user's email to Google as a login hint (default false).",
	"auth_url":                    "The OIDC authorization endpoint.",
	"token_url":                   "The OIDC token endpoint.",
	"certs_url":                   "The OIDC JWKS endpoint (jwks_uri).",
	"scopes":                      "OAuth scopes to request, e.g. openid, email, profile.",
	"pkce_enabled":                "Use PKCE in the authorization code flow (default false).",
	"okta_account":                "The Okta organization URL.",
	"authorization_server_id":     "The Okta authorization server ID.",
	"onelogin_account":            "The OneLogin account URL.",
	"ping_env_id":                 "The PingOne environment ID.",
	"restrict_to_account_members": "Only members of the Cloudflare account may sign in (default false).",
	"login_page_auto_prompt":      "Prompt for a passkey as soon as the login page opens (default false).",
}

// scimDescriptions describe the scim_config keys, in the SDK's words
// (cloudflare-go v7.9.0 IdentityProviderSCIMConfig).
var scimDescriptions = map[string]string{
	"enabled":                  "Enable SCIM provisioning for this identity provider (default false). The first time it is enabled the API returns the SCIM secret once: apply writes it under --secrets-out DIR.",
	"user_deprovision":         "Revoke a user's Access and Gateway sessions when the identity provider deprovisions them (default false).",
	"seat_deprovision":         "Remove a deprovisioned user's Zero Trust seat (default false); needs user_deprovision: true.",
	"identity_update_behavior": "How a SCIM event updates the identity used for policy evaluation: automatic, reauth, or no_action (the default).",
}

func scimDef() obj {
	var props obj
	for _, f := range idptype.SCIMFields {
		if f.ReadOnly {
			continue
		}
		d := scimDescriptions[f.Name]
		if d == "" {
			panic("no description for scim_config." + f.Name)
		}
		props = append(props, kv{f.Name, fieldWith(f, d)})
	}
	return obj{
		{"type", "object"},
		{"description", "SCIM provisioning settings: the API's scim_config keys. scim_base_url and secret are computed by the API and cannot be set."},
		{"additionalProperties", false},
		{"properties", props},
	}
}

func field(f idptype.Field) obj {
	d := descriptions[f.Name]
	if d == "" {
		panic("no description for " + f.Name)
	}
	return fieldWith(f, d)
}

func fieldWith(f idptype.Field, d string) obj {
	o := obj{{"description", d}}
	switch f.Kind {
	case idptype.KindString:
		o = append(o, kv{"type", "string"})
		if f.Sensitive {
			o = append(o, kv{"pattern", secretRe})
		}
		if f.Format == idptype.FormatURL {
			o = append(o, kv{"pattern", urlRe})
		}
		if len(f.Enum) > 0 {
			o = append(o, kv{"enum", f.Enum})
		}
	case idptype.KindBool:
		o = append(o, kv{"type", "boolean"})
	case idptype.KindInt:
		o = append(o, kv{"type", "integer"})
		if f.Min != 0 {
			o = append(o, kv{"minimum", f.Min})
		}
		if f.Max != 0 {
			o = append(o, kv{"maximum", f.Max})
		}
	case idptype.KindStringList:
		o = append(o, kv{"type", "array"}, kv{"items", obj{{"type", "string"}}})
	case idptype.KindHeaderAttributes:
		o = append(o, kv{"type", "array"}, kv{"items", obj{
			{"type", "object"},
			{"description", "A SAML attribute and the request header it is sent in."},
			{"required", []string{"attribute_name", "header_name"}},
			{"additionalProperties", false},
			{"properties", obj{
				{"attribute_name", obj{{"description", "The SAML attribute."}, {"type", "string"}, {"minLength", 1}}},
				{"header_name", obj{{"description", "The HTTP header the attribute is sent in."}, {"type", "string"}, {"minLength", 1}}},
			}},
		}})
	default:
		panic("unknown kind " + f.Kind)
	}
	if f.Name == "idp_public_certs" {
		o = append(o, kv{"minItems", 1})
	}
	return o
}

// managed reports whether a catalogue key is written in config: read-only keys
// are the server's, and enable_encryption is driven by the encryption block.
func managed(f idptype.Field) bool {
	return !f.ReadOnly && f.Name != "enable_encryption"
}

func configDef(t idptype.Type) obj {
	var props obj
	var required []string
	for _, f := range t.Fields {
		if !managed(f) {
			continue
		}
		props = append(props, kv{f.Name, field(f)})
		// A SAML IdP may take these from its metadata instead: the
		// identity_provider conditions require them when it has none.
		if f.Required && !(t.Name == idptype.SAML && slices.Contains(metadataKeys, f.Name)) {
			required = append(required, f.Name)
		}
	}
	o := obj{
		{"type", "object"},
		{"description", configDescription(t)},
		{"additionalProperties", false},
	}
	if len(required) > 0 {
		o = append(o, kv{"required", required})
	}
	if props == nil {
		props = obj{}
	}
	return append(o, kv{"properties", props})
}

// newerTypes names the types newer than Cloudflare's SDKs.
func newerTypes() string {
	var out []string
	for _, name := range idptype.Names {
		if t := idptype.Types[name]; t.Newer != "" {
			out = append(out, "`"+name+"` is "+t.Newer+".")
		}
	}
	return strings.Join(out, " ")
}

// configDescription describes a type's config keys, and says when the type
// is newer than Cloudflare's SDKs.
func configDescription(t idptype.Type) string {
	d := fmt.Sprintf("Config keys of a `%s` identity provider.", t.Name)
	if t.Newer != "" {
		d += " The `" + t.Name + "` type is " + t.Newer + "."
	}
	return d
}

func main() {
	defs := obj{
		{"account_id", obj{{"type", "string"}, {"pattern", hex32}, {"description", "A Cloudflare account or organization ID: 32 lowercase hexadecimal characters."}}},
		{"duration", obj{{"type", "string"}, {"pattern", duration}, {"description", "A duration: integers with units w, d, h, m or s, e.g. 45d, 12h, 2w, 1w3d."}}},
		{"account", obj{
			{"type", "object"},
			{"description", "A Cloudflare account and the identity providers idpsync manages in it. An account may be split across files."},
			{"required", []string{"id"}},
			{"additionalProperties", false},
			{"properties", obj{
				{"id", obj{{"$ref", "#/$defs/account_id"}, {"description", "The account ID (32 lowercase hex)."}}},
				{"name", obj{{"type", "string"}, {"minLength", 1}, {"description", "A label for the account in output and addresses; the ID when unset."}}},
				{"organization", obj{{"$ref", "#/$defs/account_id"}, {"description", "The organization this account must belong to (32 lowercase hex)."}}},
				{"prune", obj{{"type", "boolean"}, {"description", "Delete identity providers of this account that are not declared (default false)."}}},
				{"identity_providers", obj{{"type", "array"}, {"description", "The identity providers of the account, matched to live ones by name."}, {"items", obj{{"$ref", "#/$defs/identity_provider"}}}}},
			}},
		}},
	}
	defs = append(defs, kv{"zone", obj{
		{"type", "object"},
		{"description", "A Cloudflare zone and the zone-level identity providers idpsync manages in it (older setups). Zones have no organization, federation or SAML encryption: the API offers those per account only."},
		{"required", []string{"id"}},
		{"additionalProperties", false},
		{"properties", obj{
			{"id", obj{{"type", "string"}, {"pattern", hex32}, {"description", "The zone ID (32 lowercase hex)."}}},
			{"name", obj{{"type", "string"}, {"minLength", 1}, {"description", "A label for the zone in output and addresses (zone[<name>]); the ID when unset."}}},
			{"prune", obj{{"type", "boolean"}, {"description", "Delete identity providers of this zone that are not declared (default false)."}}},
			{"identity_providers", obj{{"type", "array"}, {"description", "The zone's identity providers, matched to live ones by name; no encryption or federation."}, {"items", obj{{"$ref", "#/$defs/identity_provider"}}}}},
		}},
	}})
	var conds []obj
	for _, name := range idptype.Names {
		t := idptype.Types[name]
		defs = append(defs, kv{"config_" + name, configDef(t)})
		then := obj{}
		hasRequired := false
		for _, f := range t.Fields {
			hasRequired = hasRequired || f.Required
		}
		if hasRequired && name != idptype.SAML {
			then = append(then, kv{"required", []string{"config"}})
		}
		props := obj{{"config", obj{{"$ref", "#/$defs/config_" + name}, {"description", fmt.Sprintf("Config keys of a `%s` identity provider.", name)}}}}
		if name != idptype.SAML {
			props = append(props, kv{"encryption", false}, kv{"metadata", false})
		} else {
			// Without metadata, the keys it would fill are required.
			then = append(then,
				kv{"if", obj{{"not", obj{{"required", []string{"metadata"}}}}}},
				kv{"then", obj{
					{"required", []string{"config"}},
					{"properties", obj{{"config", obj{{"required", metadataKeys}, {"description", "Without `metadata`, issuer_url, sso_target_url and idp_public_certs are required."}}}}},
				}},
			)
		}
		if !t.Federable {
			props = append(props, kv{"federation", false})
		}
		if !idptype.SCIMCapable(name) {
			props = append(props, kv{"scim_config", false})
		}
		then = append(then, kv{"properties", props})
		conds = append(conds, obj{
			{"if", obj{{"required", []string{"type"}}, {"properties", obj{{"type", obj{{"const", name}}}}}}},
			{"then", then},
		})
	}
	defs = append(defs,
		kv{"identity_provider", obj{
			{"type", "object"},
			{"description", "An Access identity provider. Its config keys depend on its type."},
			{"required", []string{"name", "type"}},
			{"additionalProperties", false},
			{"properties", obj{
				{"name", obj{{"type", "string"}, {"minLength", 1}, {"description", "The name shown on the login page; unique in the account, and how the IdP is matched to a live one."}}},
				{"id", obj{{"type", "string"}, {"pattern", uuidRe}, {"description", "Pins the IdP to an existing live one by its UUID, e.g. to rename it."}}},
				{"type", obj{{"enum", idptype.Names}, {"description", "The identity provider type. It cannot change in place: a new type replaces the IdP. " + newerTypes()}}},
				{"config", obj{{"type", "object"}, {"description", "The API's config keys for this type. Sensitive keys take ${env:NAME} or ${file:PATH} references."}}},
				{"scim_config", obj{{"$ref", "#/$defs/scim_config"}, {"description", "SCIM provisioning settings (not for onetimepin)."}}},
				{"encryption", obj{{"$ref", "#/$defs/encryption"}, {"description", "SAML assertion encryption (saml only)."}}},
				{"metadata", obj{{"$ref", "#/$defs/metadata"}, {"description", "SAML metadata that fills issuer_url, sso_target_url and idp_public_certs (saml only)."}}},
				{"federation", obj{{"$ref", "#/$defs/federation"}, {"description", "Share this IdP with other accounts of the organization (not for onetimepin or cloudflare)."}}},
			}},
			{"allOf", conds},
		}},
		kv{"scim_config", scimDef()},
		kv{"encryption", obj{
			{"type", "object"},
			{"description", "SAML assertion encryption: Access generates a certificate set for the IdP."},
			{"required", []string{"enabled"}},
			{"additionalProperties", false},
			{"properties", obj{
				{"enabled", obj{{"type", "boolean"}, {"description", "Encrypt SAML assertions. The IdP must then be given the set's public certificate."}}},
				{"rotate_within", obj{{"$ref", "#/$defs/duration"}, {"description", "Plan a rotation when the current certificate expires sooner than this, e.g. 45d."}}},
			}},
		}},
		kv{"metadata", obj{
			{"type", "object"},
			{"description", "The identity provider's SAML 2.0 metadata: exactly one of `file` or `url`. It fills issuer_url (entityID), sso_target_url (the HTTP-POST, else HTTP-Redirect SingleSignOnService) and idp_public_certs (the signing certificates)."},
			{"minProperties", 1},
			{"maxProperties", 1},
			{"additionalProperties", false},
			{"properties", obj{
				{"file", obj{{"type", "string"}, {"minLength", 1}, {"description", "A metadata file inside the configuration root, relative to this file."}}},
				{"url", obj{{"type", "string"}, {"pattern", metadataURL}, {"description", "Where the IdP serves its metadata: https, or http to a loopback address. Fetched at plan time."}}},
			}},
		}},
		kv{"federation", obj{
			{"type", "object"},
			{"description", "IdP federation: a grant, carried by a share, gives other accounts a read-only connection to this IdP. At most five IdPs per account."},
			{"required", []string{"share_with"}},
			{"additionalProperties", false},
			{"properties", obj{
				{"share_with", obj{{"type", "array"}, {"minItems", 1}, {"description", "The recipients: accounts, or the whole organization."}, {"items", obj{{"$ref", "#/$defs/recipient"}}}}},
			}},
		}},
		kv{"drift_exception", obj{
			{"type", "object"},
			{"description", "Drift a team has accepted until a date."},
			{"required", []string{"address", "reason", "until"}},
			{"additionalProperties", false},
			{"properties", obj{
				{"address", obj{{"type", "string"}, {"minLength", 1}, {"pattern", `^[^\s]+$`}, {"description", "The drift address it covers; * stands for any run of characters, e.g. account[platform].idp[*]."}}},
				{"fields", obj{{"type", "array"}, {"minItems", 1}, {"items", obj{{"type", "string"}, {"minLength", 1}, {"pattern", `^[a-z0-9_.]+$`}}}, {"description", "Limit the exception to changes of these fields (config.client_id); other changes still count."}}},
				{"reason", obj{{"type", "string"}, {"minLength", 1}, {"pattern", `^[^\x00-\x1f\x7f]+$`}, {"description", "Why the drift is accepted; shown beside it."}}},
				{"until", obj{{"type", "string"}, {"pattern", `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`}, {"description", "The last day the exception holds (YYYY-MM-DD, UTC); after it the drift counts again."}}},
			}},
		}},
		kv{"recipient", obj{
			{"type", "object"},
			{"description", "One recipient: exactly one of `account` or `organization: true`."},
			{"minProperties", 1},
			{"maxProperties", 1},
			{"additionalProperties", false},
			{"properties", obj{
				{"account", obj{{"$ref", "#/$defs/account_id"}, {"description", "A recipient account of the same organization (32 lowercase hex)."}}},
				{"organization", obj{{"const", true}, {"description", "Share with every account of the source account's organization."}}},
			}},
		}},
	)
	defs = append(defs, policyDefs()...)
	schema := obj{
		{"$schema", "https://json-schema.org/draft/2020-12/schema"},
		{"$id", "https://raw.githubusercontent.com/idpsync/idpsync/main/schemas/idpsync.schema.json"},
		{"title", "idpsync desired state"},
		{"description", "The desired Cloudflare Access identity providers, their SAML encryption and their federation, for idpsync."},
		{"type", "object"},
		{"required", []string{"version"}},
		{"additionalProperties", false},
		{"properties", obj{
			{"version", obj{{"const", 1}, {"description", "The format version of this file: 1."}}},
			{"accounts", obj{{"type", "array"}, {"description", "The accounts this file declares."}, {"items", obj{{"$ref", "#/$defs/account"}}}}},
			{"zones", obj{{"type", "array"}, {"description", "The zones this file declares, for zone-level identity providers."}, {"items", obj{{"$ref", "#/$defs/zone"}}}}},
			{"policy", obj{{"$ref", "#/$defs/policy"}, {"description", "Guardrails every plan is checked against: built-in rules, and waivers that expire."}}},
			{"drift", obj{
				{"type", "object"},
				{"description", "What the drift command accepts for a while."},
				{"additionalProperties", false},
				{"properties", obj{
					{"exceptions", obj{{"type", "array"}, {"description", "Known drift: matching drift is reported as accepted, and counts again after its until date."}, {"items", obj{{"$ref", "#/$defs/drift_exception"}}}}},
				}},
			}},
		}},
		{"$defs", defs},
	}
	raw, err := json.Marshal(schema)
	if err != nil {
		panic(err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		panic(err)
	}
	out.WriteByte('\n')
	if err := os.WriteFile("idpsync.schema.json", out.Bytes(), 0o644); err != nil {
		panic(err)
	}
}

// policyDefs are the definitions of the `policy:` block: built-in rules with
// their parameters (idptype.PolicyRules), their scope, and waivers.
func policyDefs() obj {
	var conds []obj
	all := policyParams()
	for _, r := range idptype.PolicyRules {
		var props obj
		for _, p := range all {
			if !slices.Contains(r.Params, p) {
				props = append(props, kv{p, false})
			}
		}
		then := obj{}
		if len(r.Required) > 0 {
			then = append(then, kv{"required", r.Required})
		}
		if props != nil {
			then = append(then, kv{"properties", props})
		}
		conds = append(conds, obj{
			{"if", obj{{"required", []string{"id"}}, {"properties", obj{{"id", obj{{"const", r.ID}}}}}}},
			{"then", then},
		})
	}
	ruleIDs := idptype.PolicyRuleIDs()
	return obj{
		{"policy", obj{
			{"type", "object"},
			{"description", "Policy: rules every plan is checked against (a deny stops plan and apply), and waivers that excuse a finding until a date. Several files may each declare some; they add up."},
			{"additionalProperties", false},
			{"properties", obj{
				{"rules", obj{{"type", "array"}, {"description", "Built-in rules. Rego rules live in a directory given with --policy."}, {"items", obj{{"$ref", "#/$defs/policy_rule"}}}}},
				{"waivers", obj{{"type", "array"}, {"description", "Findings excused until a date; an expired waiver stops waiving and is reported."}, {"items", obj{{"$ref", "#/$defs/policy_waiver"}}}}},
			}},
		}},
		{"policy_rule", obj{
			{"type", "object"},
			{"description", "A built-in rule: its id, level and scope, and the parameters the rule takes."},
			{"required", []string{"id"}},
			{"additionalProperties", false},
			{"properties", obj{
				{"id", obj{{"enum", ruleIDs}, {"description", ruleDoc()}}},
				{"level", obj{{"enum", []string{idptype.PolicyDeny, idptype.PolicyWarn}}, {"description", "deny (the default) stops plan with exit 1 and apply before any write; warn is reported only."}}},
				{"scope", obj{{"$ref", "#/$defs/policy_scope"}, {"description", "Where the rule applies; everywhere when omitted."}}},
				{"types", obj{{"type", "array"}, {"minItems", 1}, {"items", obj{{"enum", idptype.Names}}}, {"description", "forbid_types: the identity provider types not allowed, e.g. [onetimepin]."}}},
				{"max", obj{{"type", "integer"}, {"minimum", 0}, {"description", "max_destroys: the most objects one plan may destroy in scope."}}},
				{"organization", obj{{"type", "boolean"}, {"description", "allowed_share_targets: allow sharing with the whole organization (default false)."}}},
				{"accounts", obj{{"type", "array"}, {"items", obj{{"$ref", "#/$defs/account_id"}}}, {"description", "allowed_share_targets: the recipient accounts allowed (32 lowercase hex)."}}},
			}},
			{"allOf", conds},
		}},
		{"policy_scope", obj{
			{"type", "object"},
			{"description", "Where a rule applies: `all: true`, or accounts and zones by id or name."},
			{"minProperties", 1},
			{"additionalProperties", false},
			{"properties", obj{
				{"all", obj{{"const", true}, {"description", "Every account and zone."}}},
				{"accounts", obj{{"type", "array"}, {"minItems", 1}, {"items", obj{{"type", "string"}, {"minLength", 1}}}, {"description", "Declared accounts, by id or name."}}},
				{"zones", obj{{"type", "array"}, {"minItems", 1}, {"items", obj{{"type", "string"}, {"minLength", 1}}}, {"description", "Declared zones, by id or name."}}},
			}},
		}},
		{"policy_waiver", obj{
			{"type", "object"},
			{"description", "Excuses the findings of one rule at matching addresses until a date. Past that date it stops waiving and is reported."},
			{"required", []string{"rule", "address", "reason", "until"}},
			{"additionalProperties", false},
			{"properties", obj{
				{"rule", obj{{"type", "string"}, {"minLength", 1}, {"description", "A built-in rule id, or rego:<package> for a finding of a Rego policy."}}},
				{"address", obj{{"type", "string"}, {"minLength", 1}, {"description", "The address of the findings waived; `*` matches any run of characters, e.g. account[legacy].idp[*]."}}},
				{"reason", obj{{"type", "string"}, {"minLength", 1}, {"description", "Why the finding is accepted, shown with it."}}},
				{"until", obj{{"type", "string"}, {"pattern", dateRe}, {"description", "The last day the waiver holds (YYYY-MM-DD, UTC)."}}},
			}},
		}},
	}
}

func ruleDoc() string {
	var b bytes.Buffer
	b.WriteString("The built-in rule.")
	for _, r := range idptype.PolicyRules {
		fmt.Fprintf(&b, " %s: %s", r.ID, r.Description)
	}
	return b.String()
}

// policyParams are every parameter any built-in rule takes.
func policyParams() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range idptype.PolicyRules {
		for _, p := range r.Params {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}
