package emulator

import (
	"math"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/idpsync/idpsync/idptype"
)

var idpPages = pageSpec{defPerPage: 200, maxPerPage: 1000}

// render is the IdP as the API returns it: secrets left out, computed keys
// filled in, the certificate set expanded.
func (c *call) render(p *IdentityProvider) wireIdP {
	out := wireIdP{
		ID: p.ID, Name: p.Name, Type: p.Type, Config: map[string]any{}, ReadOnly: p.ReadOnly,
	}
	typ := idptype.Types[p.Type]
	for k, v := range p.Config {
		if f, ok := typ.Field(k); ok && (f.WriteOnly || f.Sensitive) {
			continue
		}
		out.Config[k] = v
	}
	if _, ok := typ.Field("redirect_url"); ok {
		out.Config["redirect_url"] = "https://" + c.e.authDomain(p.AccountID) + "/cdn-cgi/access/callback"
	}
	out.SCIMConfig = c.e.renderSCIM(p.AccountID, p.ID, p.SCIMConfig)
	if p.SAMLCertificateSetID != "" {
		out.SAMLCertificateSetID = p.SAMLCertificateSetID
		if s := c.e.findCertSet(p.AccountID, p.SAMLCertificateSetID); s != nil {
			rs := renderCertSet(s)
			out.SAMLCertificateSet = &rs
		}
	}
	return out
}

// renderSCIM is scim_config as read: on every IdP, with the API's defaults
// for what was never set (access_identity-providers scim_config: enabled
// false, identity_update_behavior no_action, seat_deprovision false,
// user_deprovision false; the Terraform provider treats the object as always
// present with these, REFERENCE.md §2.1), the computed scim_base_url, and
// never the secret (read-only, "redacted on subsequent requests").
func (e *Emulator) renderSCIM(accountID, idpID string, stored map[string]any) map[string]any {
	out := map[string]any{
		"enabled":                  false,
		"identity_update_behavior": "no_action",
		"seat_deprovision":         false,
		"user_deprovision":         false,
	}
	for k, v := range stored {
		if k == "secret" || v == nil {
			continue
		}
		out[k] = v
	}
	out["scim_base_url"] = "https://" + e.authDomain(accountID) + "/populate/scim/v2/" + idpID
	return out
}

func listIdPs(c *call) reply {
	var scimOnly bool
	if v := c.query("scim_enabled"); v != "" {
		scimOnly = v == "true"
	}
	var items []wireIdP
	own := c.e.idpsOf(c.account.ID)
	for _, p := range own {
		if scimOnly && !(p.SCIMConfig != nil && p.SCIMConfig["enabled"] == true) {
			continue
		}
		items = append(items, c.render(p))
	}
	connections := c.e.federatedConnections(c.account.ID)
	if !scimOnly {
		items = append(items, connections...)
	}
	return listFiltered(c, items, len(own)+len(connections), idpPages)
}

// lookupIdP finds a stored IdP or a federated connection of the path's account.
func (c *call) lookupIdP() (*IdentityProvider, *wireIdP, *apiError) {
	id := c.r.PathValue("identity_provider_id")
	if p := c.e.findIdP(c.account.ID, id); p != nil {
		return p, nil, nil
	}
	for _, f := range c.e.federatedConnections(c.account.ID) {
		if f.ID == id {
			return nil, &f, nil
		}
	}
	return nil, nil, notFound(CodeIdPNotFound, "identity provider %s not found in account %s", id, c.account.ID)
}

func getIdP(c *call) reply {
	p, fed, err := c.lookupIdP()
	if err != nil {
		return fail(err)
	}
	if fed != nil {
		return ok(http.StatusOK, fed)
	}
	return ok(http.StatusOK, c.render(p))
}

// idpBody is a validated create or update body.
type idpBody struct {
	name       string
	typ        string
	config     map[string]any
	scim       map[string]any // nil when absent
	certSetID  string         // "" when absent
	hasCertSet bool
}

func (c *call) decodeIdP() (*idpBody, *apiError) {
	var raw map[string]any
	if err := c.decode(&raw); err != nil {
		return nil, err
	}
	b := &idpBody{}
	name, err := requireString(raw, "name", "/name")
	if err != nil {
		return nil, err
	}
	b.name = name
	typ, err := requireString(raw, "type", "/type")
	if err != nil {
		return nil, err
	}
	if !idptype.Known(typ) {
		return nil, badRequest(CodeInvalidValue, "type %q is not an identity provider type; want one of %s", typ, strings.Join(idptype.Names, ", ")).at("/type")
	}
	b.typ = typ
	cfgRaw, present := raw["config"]
	if !present || cfgRaw == nil {
		return nil, missing("/config", "config")
	}
	cfg, isObj := cfgRaw.(map[string]any)
	if !isObj {
		return nil, badRequest(CodeInvalidValue, "config must be an object").at("/config")
	}
	if b.config, err = validateConfig(idptype.Types[typ], cfg); err != nil {
		return nil, err
	}
	if s, present := raw["scim_config"]; present && s != nil {
		sm, isObj := s.(map[string]any)
		if !isObj {
			return nil, badRequest(CodeInvalidValue, "scim_config must be an object").at("/scim_config")
		}
		if b.scim, err = validateSCIM(sm); err != nil {
			return nil, err
		}
	}
	if v, present := raw["saml_certificate_set_id"]; present && v != nil {
		s, isStr := v.(string)
		if !isStr {
			return nil, badRequest(CodeInvalidValue, "saml_certificate_set_id must be a string").at("/saml_certificate_set_id")
		}
		// The field is documented for SAML only, but no schema forbids it
		// elsewhere and the SDK's params carry it on every type: on another
		// type it is accepted and ignored (issue 15: lenient where silent).
		if s != "" && typ == idptype.SAML {
			b.certSetID, b.hasCertSet = s, true
		}
	}
	return b, nil
}

func requireString(raw map[string]any, key, pointer string) (string, *apiError) {
	v, present := raw[key]
	if !present || v == nil {
		return "", missing(pointer, key)
	}
	s, isStr := v.(string)
	if !isStr {
		return "", badRequest(CodeInvalidValue, "%s must be a string", key).at(pointer)
	}
	if strings.TrimSpace(s) == "" {
		return "", missing(pointer, key)
	}
	return s, nil
}

// validateConfig checks every key against the type's catalogue and returns the
// config to store (read-only keys dropped).
func validateConfig(typ idptype.Type, cfg map[string]any) (map[string]any, *apiError) {
	out := make(map[string]any, len(cfg))
	for k, v := range cfg {
		ptr := "/config/" + k
		f, known := typ.Field(k)
		if !known {
			// The document's config schemas do not forbid other keys (no
			// additionalProperties: false), and the SDK keeps unknown ones
			// (ExtraFields): a key the API adds later must round-trip, so it
			// is stored and returned as sent.
			if v != nil {
				out[k] = v
			}
			continue
		}
		if f.ReadOnly {
			continue // computed by the server; a client echoing it back is harmless
		}
		if v == nil {
			continue // null clears the key
		}
		if err := checkKind(f, v, ptr); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

func checkKind(f idptype.Field, v any, ptr string) *apiError {
	switch f.Kind {
	case idptype.KindString:
		s, isStr := v.(string)
		if !isStr {
			return badRequest(CodeInvalidValue, "config.%s must be a string", f.Name).at(ptr)
		}
		if len(f.Enum) > 0 && !slices.Contains(f.Enum, s) {
			return badRequest(CodeInvalidValue, "config.%s must be one of %s, got %q", f.Name, strings.Join(f.Enum, ", "), s).at(ptr)
		}
	case idptype.KindBool:
		if _, isBool := v.(bool); !isBool {
			return badRequest(CodeInvalidValue, "config.%s must be a boolean", f.Name).at(ptr)
		}
	case idptype.KindInt:
		n, isNum := v.(float64)
		if !isNum || n != math.Trunc(n) {
			return badRequest(CodeInvalidValue, "config.%s must be an integer", f.Name).at(ptr)
		}
		if (f.Min != 0 && n < float64(f.Min)) || (f.Max != 0 && n > float64(f.Max)) {
			return badRequest(CodeInvalidValue, "config.%s must be between %d and %d, got %v", f.Name, f.Min, f.Max, n).at(ptr)
		}
	case idptype.KindStringList:
		items, isList := v.([]any)
		if !isList {
			return badRequest(CodeInvalidValue, "config.%s must be an array of strings", f.Name).at(ptr)
		}
		for _, it := range items {
			if _, isStr := it.(string); !isStr {
				return badRequest(CodeInvalidValue, "config.%s must be an array of strings", f.Name).at(ptr)
			}
		}
	case idptype.KindHeaderAttributes:
		items, isList := v.([]any)
		if !isList {
			return badRequest(CodeInvalidValue, "config.%s must be an array of {attribute_name, header_name} objects", f.Name).at(ptr)
		}
		for _, it := range items {
			m, isObj := it.(map[string]any)
			if !isObj {
				return badRequest(CodeInvalidValue, "config.%s must be an array of {attribute_name, header_name} objects", f.Name).at(ptr)
			}
			for k, hv := range m {
				if k != "attribute_name" && k != "header_name" {
					continue // not forbidden by the document; kept as sent
				}
				if _, isStr := hv.(string); !isStr {
					return badRequest(CodeInvalidValue, "config.%s.%s must be a string", f.Name, k).at(ptr)
				}
			}
		}
	}
	return nil
}

func validateSCIM(m map[string]any) (map[string]any, *apiError) {
	out := map[string]any{}
	for k, v := range m {
		ptr := "/scim_config/" + k
		switch k {
		case "enabled", "seat_deprovision", "user_deprovision":
			if _, isBool := v.(bool); !isBool {
				return nil, badRequest(CodeInvalidValue, "scim_config.%s must be a boolean", k).at(ptr)
			}
			out[k] = v
		case "identity_update_behavior":
			s, isStr := v.(string)
			if !isStr || !slices.Contains([]string{"automatic", "reauth", "no_action"}, s) {
				return nil, badRequest(CodeInvalidValue, "scim_config.identity_update_behavior must be one of automatic, reauth, no_action").at(ptr)
			}
			out[k] = v
		case "scim_base_url", "secret":
			// Read-only: computed by the server.
		default:
			// Not forbidden by the document (the SCIM object has more fields
			// than the subset shows); kept as sent.
			if v != nil {
				out[k] = v
			}
		}
	}
	if out["seat_deprovision"] == true && out["user_deprovision"] != true {
		return nil, badRequest(CodeInvalidValue, "scim_config.seat_deprovision can only be enabled together with user_deprovision").at("/scim_config/seat_deprovision")
	}
	return out, nil
}

// applySCIM stores the new SCIM settings and creates the secret the first
// time SCIM is enabled. It returns the secret when it was created now: the
// API returns it in that response only ("generated when the SCIM integration
// is enabled for the first time. It is redacted on subsequent requests",
// cloudflare-go v7.9.0 IdentityProviderSCIMConfig.Secret).
func applySCIM(p *IdentityProvider, scim map[string]any) (fresh string) {
	if scim == nil {
		return ""
	}
	secret, _ := p.SCIMConfig["secret"].(string)
	if secret == "" && scim["enabled"] == true {
		secret = newSCIMSecret()
		fresh = secret
	}
	if secret != "" {
		scim["secret"] = secret
	}
	p.SCIMConfig = scim
	return fresh
}

func newSCIMSecret() string { return newHex32() + newHex32() }

// withSecret is the rendered IdP carrying a secret just created, for the one
// response that returns it.
func withSecret(w wireIdP, secret string) wireIdP {
	if secret == "" {
		return w
	}
	scim := make(map[string]any, len(w.SCIMConfig)+1)
	for k, v := range w.SCIMConfig {
		scim[k] = v
	}
	scim["secret"] = secret
	w.SCIMConfig = scim
	return w
}

// refreshSCIMSecret regenerates the SCIM secret (POST
// .../identity_providers/{id}/refresh_scim_secret), the old one no longer
// valid, and answers in the shape Options.RefreshSCIMAnswer says: by
// default the IdP with the new secret. The endpoint is named by the
// API's field description but missing from the extracted spec; SCIM must be
// on, as there is nothing to authenticate otherwise.
func refreshSCIMSecret(c *call) reply {
	p, fed, err := c.lookupIdP()
	if err != nil {
		return fail(err)
	}
	if fed != nil || p.ReadOnly {
		return fail(errf(http.StatusForbidden, CodeReadOnlyIdP, "identity provider %s is read-only and cannot be changed through the API", c.r.PathValue("identity_provider_id")))
	}
	if p.SCIMConfig == nil || p.SCIMConfig["enabled"] != true {
		return fail(badRequest(CodeInvalidValue, "SCIM is not enabled for identity provider %s; enable scim_config.enabled first", p.ID))
	}
	secret := newSCIMSecret()
	p.SCIMConfig["secret"] = secret
	c.dirty = true
	switch c.e.refreshSCIMAnswer() {
	case RefreshSecret:
		return ok(http.StatusOK, map[string]string{"secret": secret})
	case RefreshString:
		return ok(http.StatusOK, secret)
	case RefreshNull:
		return ok(http.StatusOK, nil)
	case RefreshEmpty:
		return reply{status: http.StatusNoContent, empty: true}
	}
	return ok(http.StatusOK, withSecret(c.render(p), secret))
}

func createIdP(c *call) reply {
	b, err := c.decodeIdP()
	if err != nil {
		return fail(err)
	}
	if b.hasCertSet {
		return fail(badRequest(CodeEncryptionNeedsSet, "certificate set %s is not assigned to this identity provider; create one with POST .../identity_providers/{id}/saml_certificate after creating the identity provider", b.certSetID).at("/saml_certificate_set_id"))
	}
	if b.config["enable_encryption"] == true {
		return fail(badRequest(CodeEncryptionNeedsSet, "config.enable_encryption requires saml_certificate_set_id of a certificate set assigned to this identity provider; create the identity provider first, then its certificate set").at("/config/enable_encryption"))
	}
	p := IdentityProvider{
		AccountID: c.account.ID, ID: uuid.NewString(), Name: b.name, Type: b.typ,
		Config: b.config, CreatedAt: c.now,
	}
	fresh := applySCIM(&p, b.scim)
	c.e.data.IdentityProviders = append(c.e.data.IdentityProviders, p)
	c.dirty = true
	return ok(http.StatusCreated, withSecret(c.render(&p), fresh))
}

func updateIdP(c *call) reply {
	p, fed, err := c.lookupIdP()
	if err != nil {
		return fail(err)
	}
	if fed != nil || p.ReadOnly {
		return fail(errf(http.StatusForbidden, CodeReadOnlyIdP, "identity provider %s is read-only and cannot be changed through the API", c.r.PathValue("identity_provider_id")))
	}
	b, err := c.decodeIdP()
	if err != nil {
		return fail(err)
	}
	if b.typ != p.Type {
		return fail(badRequest(CodeTypeImmutable, "type cannot be changed (identity provider %s is %s, the request says %s); create a new identity provider instead", p.ID, p.Type, b.typ).at("/type"))
	}
	if b.hasCertSet && b.certSetID != p.SAMLCertificateSetID {
		return fail(badRequest(CodeEncryptionNeedsSet, "certificate set %s is not assigned to identity provider %s", b.certSetID, p.ID).at("/saml_certificate_set_id"))
	}
	if b.config["enable_encryption"] == true && !b.hasCertSet {
		return fail(badRequest(CodeEncryptionNeedsSet, "config.enable_encryption: true requires saml_certificate_set_id of the certificate set assigned to this identity provider").at("/saml_certificate_set_id"))
	}
	// PUT replaces the object. A secret left out is kept rather than cleared,
	// since reads never return it and a client cannot echo it back.
	for _, f := range idptype.Types[p.Type].Fields {
		if f.WriteOnly {
			if _, sent := b.config[f.Name]; !sent {
				if old, had := p.Config[f.Name]; had {
					b.config[f.Name] = old
				}
			}
		}
	}
	p.Name, p.Config = b.name, b.config
	fresh := applySCIM(p, b.scim)
	c.dirty = true
	return ok(http.StatusOK, withSecret(c.render(p), fresh))
}

func deleteIdP(c *call) reply {
	p, fed, err := c.lookupIdP()
	if err != nil {
		return fail(err)
	}
	if fed != nil || p.ReadOnly {
		return fail(errf(http.StatusForbidden, CodeReadOnlyIdP, "identity provider %s is read-only and cannot be deleted through the API", c.r.PathValue("identity_provider_id")))
	}
	if g := c.e.findGrantForIdP(c.account.ID, p.ID); g != nil {
		return fail(errf(http.StatusConflict, CodeIdPHasGrant, "identity provider %s is federated by grant %s; delete the grant first", p.ID, g.ID))
	}
	id := p.ID
	c.e.data.IdentityProviders = slices.DeleteFunc(c.e.data.IdentityProviders, func(x IdentityProvider) bool {
		return x.AccountID == c.account.ID && x.ID == id
	})
	c.e.reindex()
	c.dirty = true
	return ok(http.StatusAccepted, wireDeletedID{ID: id})
}
