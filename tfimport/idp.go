package tfimport

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/state"
)

// The identity provider resources.
//
// Provider v5: internal/services/zero_trust_access_identity_provider/schema.go
// at v5.22.0. Top level: id (Computed, UUID), account_id and zone_id
// (Optional, mutually exclusive), name and type (Required), config
// (SingleNestedAttribute, Required), saml_certificate_set_id (Optional),
// scim_config (SingleNestedAttribute, Optional+Computed), read_only
// (Optional), saml_certificate_set (Computed). config.client_secret and
// scim_config.secret are Sensitive; config.redirect_url,
// scim_config.scim_base_url and scim_config.secret are Computed.
//
// Provider v4: internal/sdkv2provider/schema_cloudflare_access_identity_provider.go
// at v4.52.8, one schema for both cloudflare_access_identity_provider and
// cloudflare_zero_trust_access_identity_provider. config and scim_config are
// TypeList blocks; config.client_secret and config.idp_public_cert are
// stored concealed (StateFunc returns CONCEALED_STRING, "*****…", in
// resource_cloudflare_access_identity_provider.go); config.api_token is a
// plain string; scim_config.secret is Sensitive; unset attributes hold the
// SDK's zero values.

// Config keys. The v5 schema is generated from Cloudflare's OpenAPI spec
// ("File generated from our OpenAPI spec by Stainless"), so each config
// attribute is the API key of the same name: claims, client_id,
// client_secret (Sensitive), conditional_access_enabled, directory_id,
// email_claim_name, prompt, support_groups, centrify_account,
// centrify_app_id, apps_domain, auth_url, certs_url, pkce_enabled, scopes,
// token_url, authorization_server_id, okta_account, onelogin_account,
// ping_env_id, attributes, email_attribute_name, enable_encryption,
// header_attributes ({attribute_name, header_name}), idp_public_certs,
// issuer_url, sign_request, sso_target_url, redirect_url (Computed),
// restrict_to_account_members. Each is carried over when it is a key of the
// IdP's type in idptype's catalogue (REFERENCE.md §2.3), else reported.
//
// The v4 config block (schema_cloudflare_access_identity_provider.go) has
// the same names but for idp_public_cert (one string, where the API now
// takes the idp_public_certs list), api_token (no API key of any type
// idpsync manages) and no header_attributes, enable_encryption or
// restrict_to_account_members. scim_config in both: enabled,
// user_deprovision, seat_deprovision, identity_update_behavior (carried),
// secret (never), scim_base_url (v5, Computed), group_member_deprovision
// (v4, "Deprecated. Use identity_update_behavior").

// topLevelIdP says what happens to each top-level attribute; the ones
// handled by code are listed so that none is dropped without a word.
var topLevelIdP = map[string]string{
	"id":                      "",
	"account_id":              "",
	"zone_id":                 "",
	"name":                    "",
	"type":                    "",
	"config":                  "",
	"scim_config":             "",
	"saml_certificate_set_id": "",
	"read_only":               "",
	"saml_certificate_set":    "computed by Cloudflare; idpsync reads the certificate set from the API",
}

// configRenamed maps v4 config keys to the API's keys.
var configRenamed = map[string]string{"idp_public_cert": "idp_public_certs"}

func (c *converter) idp(rs *res) error {
	v := rs.r.Values
	var provider string
	configV, scimV := v["config"], v["scim_config"]
	switch cfg := configV.(type) {
	case []any:
		// Block-shaped config: provider v4.
		if _, err := rs.schemaVersion(0); err != nil {
			return err
		}
		provider = "v4"
		configV, scimV = firstBlock(cfg), firstBlockOf(scimV)
	case map[string]any, nil:
		if rs.r.Type == typeIdPv4 {
			return fmt.Errorf("%s: config is not a list of blocks; %s exists only in provider v4, whose config is a block", rs, typeIdPv4)
		}
		if _, err := rs.schemaVersion(0, 1, 500); err != nil {
			return err
		}
		provider = "v5"
	default:
		return fmt.Errorf("%s: config is neither a block list (provider v4) nor an object (provider v5)", rs)
	}
	addr := rs.String()

	id := str(v["id"])
	if id == "" {
		return fmt.Errorf("%s: no id (the object does not exist yet; apply Terraform first)", rs)
	}
	owner, err := ownerOf(rs, v)
	if err != nil {
		return err
	}
	name, typ := str(v["name"]), str(v["type"])
	if name == "" {
		return fmt.Errorf("%s: no name", rs)
	}
	if ro, _ := v["read_only"].(bool); ro {
		c.skip(addr, "", "read_only: the API refuses changes to this IdP, so idpsync does not manage it; left in Terraform")
		return nil
	}
	if !idptype.Known(typ) {
		c.skip(addr, "", fmt.Sprintf("type %s is not an identity provider type idpsync knows; left in Terraform", quote(clip(typ, 40))))
		return nil
	}
	for key, val := range v {
		if _, ok := topLevelIdP[key]; !ok && !empty(val) {
			c.skip(addr, Clean(clip(key, 60)), "not an attribute this importer knows")
		} else if why := topLevelIdP[key]; why != "" && !empty(val) {
			c.skip(addr, key, why)
		}
	}

	idp := &state.LiveIdP{ID: id, Name: name, Type: typ, Config: map[string]any{}, SCIMConfig: map[string]any{}}
	cfgMap, _ := configV.(map[string]any)
	cfgPath := []any{"config"}
	if provider == "v4" {
		cfgPath = []any{"config", 0}
	}
	t := idptype.Types[typ]
	for _, key := range sortedKeys(cfgMap) {
		val := cfgMap[key]
		attr := "config." + key
		sens := containsSensitive(rs.sens, append(cfgPath, key)...)
		switch {
		case key == "enable_encryption":
			continue // below, with saml_certificate_set_id
		case key == "redirect_url":
			// Computed in both providers (v5 schema.go: Computed; v4: Computed).
			if !empty(val) {
				c.skip(addr, attr, "computed by Cloudflare")
			}
			continue
		case key == "api_token":
			// v4 only; the API has no such key for any type idpsync
			// manages. Its value is a credential: reported, never copied.
			if !empty(val) {
				c.skip(addr, attr, "not a config key of the Cloudflare API that idpsync manages; its value is not copied")
			}
			continue
		case key == "client_secret":
			if f, ok := t.Field(key); ok && f.WriteOnly {
				// The renderer writes ${env:...}; nothing of the value travels.
				continue
			}
			if !empty(val) {
				c.skip(addr, attr, fmt.Sprintf("not a config key of type %s; its value is not copied", typ))
			}
			continue
		case provider == "v4" && key == "idp_public_cert":
			c.v4Cert(rs, owner, idp, val)
			continue
		}
		if empty(val) {
			continue
		}
		apiKey := key
		if provider == "v4" {
			if k, ok := configRenamed[key]; ok {
				apiKey = k
			}
		}
		f, ok := t.Field(apiKey)
		switch {
		case !ok:
			c.skip(addr, Clean(clip(attr, 80)), fmt.Sprintf("not a config key of type %s in idpsync, which leaves it as it is (an update keeps undeclared settings)", typ))
		case f.ReadOnly:
			c.skip(addr, attr, "computed by Cloudflare")
		case sens:
			c.skip(addr, attr, "marked sensitive in the state; its value is not copied")
			c.gap(addr, attr, "the state marks it sensitive, so the YAML leaves it out: declare it by hand (as ${env:NAME} if it is a secret)")
		default:
			idp.Config[apiKey] = val
		}
	}

	c.encryption(rs, idp, cfgMap)
	c.scim(rs, idp, scimV)

	if c.idps == nil {
		c.idps = map[string]map[string]*idpEntry{}
	}
	if c.idps[owner] == nil {
		c.idps[owner] = map[string]*idpEntry{}
	}
	if prev := c.idps[owner][id]; prev != nil {
		return fmt.Errorf("%s and %s both manage identity provider %s of %s; Terraform should manage each object once", prev.addr, rs, id, idptype.OwnerName(owner))
	}
	c.idps[owner][id] = &idpEntry{addr: rs.addr, idp: idp}
	a := c.account(owner)
	a.IdentityProviders = append(a.IdentityProviders, idp)
	c.imported(rs, provider)
	return nil
}

// encryption reads SAML encryption: config.enable_encryption with the
// top-level saml_certificate_set_id (v5.22.0 schema.go: "Requires
// saml_certificate_set_id to be set when true"). Provider v4 has neither.
func (c *converter) encryption(rs *res, idp *state.LiveIdP, cfg map[string]any) {
	addr := rs.String()
	on, _ := cfg["enable_encryption"].(bool)
	setID := str(rs.r.Values["saml_certificate_set_id"])
	if idp.Type != idptype.SAML {
		if on {
			c.skip(addr, "config.enable_encryption", "only SAML IdPs encrypt assertions")
		}
		if setID != "" {
			c.skip(addr, "saml_certificate_set_id", "only SAML IdPs have a certificate set")
		}
		return
	}
	idp.EncryptionEnabled = on
	switch {
	case on && setID == "":
		c.warn("%s: enable_encryption is true without a saml_certificate_set_id; idpsync will create and assign a certificate set if the live IdP has none", addr)
	case on:
		idp.CertificateSet = &state.LiveCertificateSet{UID: setID}
	case setID != "":
		c.skip(addr, "saml_certificate_set_id", "a certificate set with encryption off; idpsync leaves the set as it is")
	}
}

// scim reads scim_config. The API's defaults (v5.22.0: enabled false,
// identity_update_behavior "no_action", seat_deprovision and
// user_deprovision false) are what the renderer leaves out.
func (c *converter) scim(rs *res, idp *state.LiveIdP, v any) {
	addr := rs.String()
	m, _ := v.(map[string]any)
	if len(m) == 0 {
		return
	}
	capable := idptype.SCIMCapable(idp.Type)
	for _, key := range sortedKeys(m) {
		val := m[key]
		attr := "scim_config." + key
		switch key {
		case "secret":
			if !empty(val) {
				c.skip(addr, attr, "generated by Cloudflare and secret; idpsync never declares it (idpsync apply --rotate-scim-secret makes a new one); its value is not copied")
			}
			continue
		case "group_member_deprovision":
			if !empty(val) {
				c.skip(addr, attr, "deprecated in provider v4 in favour of identity_update_behavior; idpsync does not manage it")
			}
			continue
		}
		if empty(val) {
			continue
		}
		f, ok := idptype.SCIMField(key)
		switch {
		case !ok:
			c.skip(addr, Clean(clip(attr, 80)), "not a scim_config key idpsync knows")
		case f.ReadOnly:
			c.skip(addr, attr, "computed by Cloudflare")
		case !capable:
			if val != idptype.SCIMDefault(key) {
				c.skip(addr, attr, "a one-time PIN IdP has no SCIM")
			}
		default:
			idp.SCIMConfig[key] = val
		}
	}
}

var nonSlug = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^a-z0-9]+`) })

// v4Cert maps v4's single idp_public_cert. The provider stores it concealed,
// so the usual state has no certificate: the YAML then reads it from a file
// the user saves, and the gap says so.
func (c *converter) v4Cert(rs *res, owner string, idp *state.LiveIdP, val any) {
	addr := rs.String()
	s := str(val)
	if idp.Type != idptype.SAML {
		if s != "" {
			c.skip(addr, "config.idp_public_cert", "only SAML IdPs have signing certificates")
		}
		return
	}
	if strings.Contains(s, "-----BEGIN CERTIFICATE-----") {
		idp.Config["idp_public_certs"] = []any{s}
		return
	}
	slug := strings.Trim(nonSlug().ReplaceAllString(strings.ToLower(idp.Name), "-"), "-")
	if slug == "" {
		slug = "saml"
	}
	if len(slug) > 40 {
		slug = slug[:40]
	}
	// Owner ids are 32 hex characters (checked by ownerOf).
	path := fmt.Sprintf("certs/%s-%s.pem", idptype.OwnerID(owner)[:8], slug)
	if slices.ContainsFunc(c.res.CertFiles, func(f CertFile) bool { return f.Path == path }) {
		path = strings.TrimSuffix(path, ".pem") + "-" + idp.ID[:min(8, len(idp.ID))] + ".pem"
	}
	c.res.CertFiles = append(c.res.CertFiles, CertFile{Path: path, Address: addr})
	if c.res.Refs[owner] == nil {
		c.res.Refs[owner] = map[string]map[string]any{}
	}
	c.res.Refs[owner][idp.ID] = map[string]any{"idp_public_certs": []any{"${file:" + path + "}"}}
	c.gap(addr, "config.idp_public_cert", fmt.Sprintf("provider v4 stores the certificate concealed, so the state does not hold it: save the IdP's signing certificate (PEM) as %s next to the YAML", path))
}

func ownerOf(rs *res, v map[string]any) (string, error) {
	acct, zone := str(v["account_id"]), str(v["zone_id"])
	switch {
	case acct != "" && zone != "":
		return "", fmt.Errorf("%s: both account_id and zone_id are set (the schema makes them mutually exclusive)", rs)
	case acct != "":
		if !hex32().MatchString(acct) {
			return "", fmt.Errorf("%s: account_id is not 32 lowercase hex characters", rs)
		}
		return acct, nil
	case zone != "":
		if !hex32().MatchString(zone) {
			return "", fmt.Errorf("%s: zone_id is not 32 lowercase hex characters", rs)
		}
		return idptype.ZoneKey(zone), nil
	}
	return "", fmt.Errorf("%s: neither account_id nor zone_id is set", rs)
}

func firstBlock(l []any) any {
	if len(l) == 0 {
		return nil
	}
	return l[0]
}

func firstBlockOf(v any) any {
	if l, ok := v.([]any); ok {
		return firstBlock(l)
	}
	return v
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
