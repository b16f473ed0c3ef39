package idptype

import "slices"

// FieldKind is the JSON shape of a config key.
type FieldKind string

const (
	KindString           FieldKind = "string"
	KindBool             FieldKind = "bool"
	KindInt              FieldKind = "int"
	KindStringList       FieldKind = "string_list"
	KindHeaderAttributes FieldKind = "header_attributes" // [{attribute_name, header_name}]
)

// FieldFormat is the shape a string key must have beyond being one line.
type FieldFormat string

// FormatURL is an absolute http(s) URL with a host.
const FormatURL FieldFormat = "url"

// Field describes one config key of an IdP type, as the OpenAPI subset defines it.
type Field struct {
	Name string
	Kind FieldKind
	// Format is the shape of a string key, when the API defines one.
	Format FieldFormat
	// Enum lists the allowed values of a string key, when the API restricts them.
	Enum []string
	// Min and Max bound an int key (0 means unbounded).
	Min, Max int
	// Sensitive keys are never printed. WriteOnly keys cannot be read back, so
	// they are never diffed against what a GET returns.
	Sensitive bool
	WriteOnly bool
	// ReadOnly keys are computed by the server and may not be sent.
	ReadOnly bool
	// Required keys are those the type cannot work without. The spec marks none
	// required; these follow the product documentation.
	Required bool
	// DefaultFalse is set on booleans the API treats as false when absent.
	DefaultFalse bool
}

// Type is the catalogue entry of one identity provider type.
type Type struct {
	Name   string
	Fields []Field
	// Federable is false for the types a grant may not federate.
	Federable bool
	// Newer, when set, says the type is newer than Cloudflare's SDKs and
	// why idpsync keeps it: the schema and the docs show it.
	Newer string
}

// Field returns the named config key of the type.
func (t Type) Field(name string) (Field, bool) {
	for _, f := range t.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

func oauthBase() []Field {
	return []Field{
		{Name: "client_id", Kind: KindString, Required: true},
		{Name: "client_secret", Kind: KindString, Sensitive: true, WriteOnly: true, Required: true},
	}
}

func claims() []Field {
	return []Field{
		{Name: "claims", Kind: KindStringList},
		{Name: "email_claim_name", Kind: KindString},
	}
}

func join(parts ...[]Field) []Field {
	var out []Field
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func redirectURL() Field {
	return Field{Name: "redirect_url", Kind: KindString, ReadOnly: true}
}

// The API's identity provider type values (REFERENCE.md §2.3). Production
// code names a type by these, never by a bare string.
const (
	OneTimePIN = "onetimepin"
	AzureAD    = "azureAD"
	SAML       = "saml"
	Centrify   = "centrify"
	Facebook   = "facebook"
	GitHub     = "github"
	GoogleApps = "google-apps"
	Google     = "google"
	LinkedIn   = "linkedin"
	OIDC       = "oidc"
	Okta       = "okta"
	OneLogin   = "onelogin"
	PingOne    = "pingone"
	Yandex     = "yandex"
	Cloudflare = "cloudflare"
	Passkeys   = "passkeys"
)

// Types is the catalogue of the 16 identity provider types and their config
// keys (REFERENCE.md §2.3), keyed by the API's type value.
var Types = func() map[string]Type {
	types := []Type{
		{Name: OneTimePIN, Fields: []Field{redirectURL()}},
		{Name: AzureAD, Federable: true, Fields: join(oauthBase(), claims(), []Field{
			{Name: "directory_id", Kind: KindString, Required: true},
			{Name: "support_groups", Kind: KindBool, DefaultFalse: true},
			{Name: "conditional_access_enabled", Kind: KindBool, DefaultFalse: true},
			{Name: "prompt", Kind: KindString, Enum: []string{"login", "select_account", "none"}},
		})},
		{Name: SAML, Federable: true, Fields: []Field{
			{Name: "issuer_url", Kind: KindString, Required: true},
			{Name: "sso_target_url", Kind: KindString, Format: FormatURL, Required: true},
			{Name: "idp_public_certs", Kind: KindStringList, Required: true},
			{Name: "sign_request", Kind: KindBool, DefaultFalse: true},
			{Name: "email_attribute_name", Kind: KindString},
			{Name: "attributes", Kind: KindStringList},
			{Name: "header_attributes", Kind: KindHeaderAttributes},
			{Name: "enable_encryption", Kind: KindBool, DefaultFalse: true},
			{Name: "force_authn", Kind: KindBool, DefaultFalse: true},
			{Name: "max_sso_url_length", Kind: KindInt, Min: 512, Max: 100000},
		}},
		{Name: Centrify, Federable: true, Fields: join(oauthBase(), claims(), []Field{
			{Name: "centrify_account", Kind: KindString, Format: FormatURL, Required: true},
			{Name: "centrify_app_id", Kind: KindString, Required: true},
		})},
		{Name: Facebook, Federable: true, Fields: oauthBase()},
		{Name: GitHub, Federable: true, Fields: oauthBase()},
		{Name: GoogleApps, Federable: true, Fields: join(oauthBase(), claims(), []Field{
			{Name: "apps_domain", Kind: KindString, Required: true},
			{Name: "prompt", Kind: KindString, Enum: []string{"none", "consent", "select_account"}},
			{Name: "use_login_hint", Kind: KindBool, DefaultFalse: true},
		})},
		{Name: Google, Federable: true, Fields: join(oauthBase(), claims())},
		{Name: LinkedIn, Federable: true, Fields: oauthBase()},
		{Name: OIDC, Federable: true, Fields: join(oauthBase(), claims(), []Field{
			{Name: "auth_url", Kind: KindString, Format: FormatURL, Required: true},
			{Name: "token_url", Kind: KindString, Format: FormatURL, Required: true},
			{Name: "certs_url", Kind: KindString, Format: FormatURL, Required: true},
			{Name: "scopes", Kind: KindStringList},
			{Name: "pkce_enabled", Kind: KindBool, DefaultFalse: true},
		})},
		{Name: Okta, Federable: true, Fields: join(oauthBase(), claims(), []Field{
			{Name: "okta_account", Kind: KindString, Format: FormatURL, Required: true},
			{Name: "authorization_server_id", Kind: KindString},
		})},
		{Name: OneLogin, Federable: true, Fields: join(oauthBase(), claims(), []Field{
			{Name: "onelogin_account", Kind: KindString, Format: FormatURL, Required: true},
		})},
		{Name: PingOne, Federable: true, Fields: join(oauthBase(), claims(), []Field{
			{Name: "ping_env_id", Kind: KindString, Required: true},
		})},
		{Name: Yandex, Federable: true, Fields: oauthBase()},
		{Name: Cloudflare, Fields: []Field{
			redirectURL(),
			{Name: "restrict_to_account_members", Kind: KindBool, DefaultFalse: true},
		}},
		{Name: Passkeys, Federable: true, Newer: "newer than Cloudflare's SDKs: the API's own type enum lists it " +
			"(Cloudflare's OpenAPI description, access_passkeys), but cloudflare-go v7.9.0 and cloudflare-typescript 7.3.0 " +
			"know 15 types without it, so an account or API version that does not offer it yet refuses it", Fields: []Field{
			redirectURL(),
			{Name: "login_page_auto_prompt", Kind: KindBool, DefaultFalse: true},
		}},
	}
	m := make(map[string]Type, len(types))
	for _, t := range types {
		m[t.Name] = t
	}
	return m
}()

// Names lists the 16 type values in the API's enum order.
var Names = []string{
	"onetimepin", "azureAD", "saml", "centrify", "facebook", "github", "google-apps", "google",
	"linkedin", "oidc", "okta", "onelogin", "pingone", "yandex", "cloudflare", "passkeys",
}

// Known reports whether t is one of the API's type values.
func Known(t string) bool { return slices.Contains(Names, t) }

// SCIMFields are the keys of an IdP's scim_config, as the official SDK types
// list them (cloudflare-go v7.9.0 zero_trust/identityprovider.go,
// IdentityProviderSCIMConfig: enabled, identity_update_behavior,
// scim_base_url, seat_deprovision, secret, user_deprovision) and REFERENCE.md
// §2.1. scim_base_url and secret are computed by the server; the secret is
// returned once, when SCIM is first enabled or through refresh_scim_secret.
var SCIMFields = []Field{
	{Name: "enabled", Kind: KindBool, DefaultFalse: true},
	{Name: "user_deprovision", Kind: KindBool, DefaultFalse: true},
	// "This cannot be enabled unless user_deprovision is also enabled" (SDK).
	{Name: "seat_deprovision", Kind: KindBool, DefaultFalse: true},
	// The SDK's IdentityProviderSCIMConfigIdentityUpdateBehavior constants;
	// the API's default is no_action.
	{Name: "identity_update_behavior", Kind: KindString, Enum: []string{"automatic", "reauth", "no_action"}},
	{Name: "scim_base_url", Kind: KindString, ReadOnly: true},
	{Name: "secret", Kind: KindString, ReadOnly: true, Sensitive: true},
}

// SCIMField returns the named scim_config key.
func SCIMField(name string) (Field, bool) {
	for _, f := range SCIMFields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// SCIMDefault is the value the API reports for a scim_config key nobody set
// (REFERENCE.md §2.1), so that a declared default is not a change.
func SCIMDefault(name string) any {
	switch name {
	case "enabled", "user_deprovision", "seat_deprovision":
		return false
	case "identity_update_behavior":
		return "no_action"
	}
	return nil
}

// SCIMCapable reports whether an IdP of type t may carry scim_config: every
// type but the one-time PIN, which has no directory to provision from.
func SCIMCapable(t string) bool { return t != OneTimePIN }
