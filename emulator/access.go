package emulator

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"
)

// Access applications and the Access organization. Paths, methods and field
// names follow cloudflare-go v7.9.0: zero_trust/accessapplication.go
// (New: POST .../access/apps, List: GET .../access/apps paged with page and
// per_page, Get and Delete: .../access/apps/{app_id}, Delete answering {id})
// and zero_trust/organization.go (List: GET .../access/organizations answering
// one Organization, Update: PUT on the same path). Statuses follow the IdP
// routes of the Access family: 201 on create, 202 on delete.

// appPages is the pagination of the application listing. The SDK documents
// page and per_page without bounds; these are the IdP listing's.
var appPages = pageSpec{defPerPage: 25, maxPerPage: 1000}

// teamName is an account's default team name, the first label of its
// auth_domain and of the redirect URLs the API computes.
func teamName(accountID string) string {
	accountID = strings.TrimPrefix(accountID, "zones/")
	if len(accountID) >= 8 {
		return "team-" + accountID[:8]
	}
	return "team"
}

func defaultAccessOrganization(accountID string) AccessOrganization {
	team := teamName(accountID)
	return AccessOrganization{
		AccountID:       accountID,
		Name:            team,
		AuthDomain:      team + ".cloudflareaccess.com",
		SessionDuration: "24h",
	}
}

func (e *Emulator) findAccessOrganization(accountID string) *AccessOrganization {
	if i, ok := e.ix().accessOrg[accountID]; ok {
		return &e.data.AccessOrganizations[i]
	}
	return nil
}

// authDomain is the account's team domain, on which the API builds
// redirect_url and scim_base_url.
func (e *Emulator) authDomain(accountID string) string {
	if o := e.findAccessOrganization(accountID); o != nil && o.AuthDomain != "" {
		return o.AuthDomain
	}
	return teamName(accountID) + ".cloudflareaccess.com"
}

func renderApp(a *AccessApplication) wireApp {
	return wireApp{
		ID: a.ID, Name: a.Name, Domain: a.Domain, Type: a.Type, AUD: a.AUD,
		AllowedIdPs:            append([]string{}, a.AllowedIdPs...),
		AutoRedirectToIdentity: a.AutoRedirectToIdentity,
		SessionDuration:        a.SessionDuration,
		CreatedAt:              a.CreatedAt, UpdatedAt: a.UpdatedAt,
	}
}

func listApps(c *call) reply {
	items := []wireApp{}
	for i := range c.e.data.AccessApplications {
		if a := &c.e.data.AccessApplications[i]; a.AccountID == c.account.ID {
			items = append(items, renderApp(a))
		}
	}
	return list(c, items, appPages)
}

// appTypes are the application types of the SDK's New union whose body
// carries allowed_idps (zero_trust/accessapplication.go, the *ApplicationParam
// types); the emulator keeps only what idpsync reads.
var appTypes = []string{"self_hosted", "saas", "ssh", "vnc", "app_launcher", "warp", "biso", "bookmark", "dash_sso", "infrastructure", "rdp", "mcp", "mcp_portal", "proxy_endpoint"}

func createApp(c *call) reply {
	var body struct {
		Name                   *string  `json:"name"`
		Domain                 string   `json:"domain"`
		Type                   string   `json:"type"`
		AllowedIdPs            []string `json:"allowed_idps"`
		AutoRedirectToIdentity bool     `json:"auto_redirect_to_identity"`
		SessionDuration        string   `json:"session_duration"`
		// Policies are reusable policies the application uses.
		Policies []json.RawMessage `json:"policies"`
	} // other fields of the SDK's bodies are accepted and dropped
	if err := c.decode(&body); err != nil {
		return fail(err)
	}
	policies, perr := c.appPolicyRefs(body.Policies)
	if perr != nil {
		return fail(perr)
	}
	if body.Type == "" {
		body.Type = "self_hosted"
	}
	if !slices.Contains(appTypes, body.Type) {
		return fail(badRequest(CodeInvalidValue, "type must be one of %s, got %q", strings.Join(appTypes, ", "), body.Type).at("/type"))
	}
	if body.Name == nil || *body.Name == "" {
		return fail(missing("/name", "name"))
	}
	if body.Type == "self_hosted" && body.Domain == "" {
		return fail(missing("/domain", "domain"))
	}
	for i, id := range body.AllowedIdPs {
		if c.e.findIdP(c.account.ID, id) == nil && !c.isFederatedConnection(id) {
			return fail(badRequest(CodeIdPNotFound, "allowed_idps[%d]: identity provider %s does not exist in account %s", i, id, c.account.ID).at("/allowed_idps"))
		}
	}
	// "You must specify only one identity provider in allowed_idps" (SDK
	// comment on auto_redirect_to_identity).
	if body.AutoRedirectToIdentity && len(body.AllowedIdPs) != 1 {
		return fail(badRequest(CodeInvalidValue, "auto_redirect_to_identity needs exactly one identity provider in allowed_idps, got %d", len(body.AllowedIdPs)).at("/auto_redirect_to_identity"))
	}
	if body.SessionDuration == "" {
		body.SessionDuration = "24h"
	}
	a := AccessApplication{
		AccountID: c.account.ID, ID: uuid.NewString(), Name: *body.Name, Domain: body.Domain, Type: body.Type,
		AUD: newHex32() + newHex32(), AllowedIdPs: append([]string{}, body.AllowedIdPs...),
		AutoRedirectToIdentity: body.AutoRedirectToIdentity, SessionDuration: body.SessionDuration,
		Policies:  policies,
		CreatedAt: c.now, UpdatedAt: c.now,
	}
	c.e.data.AccessApplications = append(c.e.data.AccessApplications, a)
	c.dirty = true
	return ok(http.StatusCreated, renderApp(&a))
}

func (c *call) isFederatedConnection(id string) bool {
	for _, f := range c.e.federatedConnections(c.account.ID) {
		if f.ID == id {
			return true
		}
	}
	return false
}

// lookupApp finds the path's application by id. The real API also accepts
// the aud tag there (AppIDParam); idpsync never uses it.
func (c *call) lookupApp() (*AccessApplication, *apiError) {
	id := c.r.PathValue("app_id")
	for i := range c.e.data.AccessApplications {
		if a := &c.e.data.AccessApplications[i]; a.AccountID == c.account.ID && a.ID == id {
			return a, nil
		}
	}
	return nil, notFound(CodeAppNotFound, "Access application %s does not exist in account %s", id, c.account.ID)
}

func getApp(c *call) reply {
	a, err := c.lookupApp()
	if err != nil {
		return fail(err)
	}
	return ok(http.StatusOK, renderApp(a))
}

func deleteApp(c *call) reply {
	a, err := c.lookupApp()
	if err != nil {
		return fail(err)
	}
	id := a.ID
	// The application's own policies go with it; reusable ones stay.
	own := map[string]bool{}
	for _, pid := range a.Policies {
		if p := c.e.findPolicy(a.AccountID, pid); p != nil && !p.Reusable {
			own[pid] = true
		}
	}
	c.e.data.AccessPolicies = slices.DeleteFunc(c.e.data.AccessPolicies, func(p AccessPolicy) bool {
		return p.AccountID == c.account.ID && own[p.ID]
	})
	c.e.data.AccessApplications = slices.DeleteFunc(c.e.data.AccessApplications, func(x AccessApplication) bool {
		return x.AccountID == c.account.ID && x.ID == id
	})
	c.e.reindex()
	c.dirty = true
	return ok(http.StatusAccepted, wireDeletedID{ID: id})
}

func renderAccessOrganization(o *AccessOrganization) wireAccessOrg {
	return wireAccessOrg{
		Name: o.Name, AuthDomain: o.AuthDomain, AutoRedirectToIdentity: o.AutoRedirectToIdentity,
		SessionDuration: o.SessionDuration,
	}
}

// accessOrganization returns the account's organization. An account has
// none until one is created (POST, as Zero Trust onboarding does); under the
// AccessOrganization leniency the default one appears on first use.
func (c *call) accessOrganization() (*AccessOrganization, *apiError) {
	if o := c.e.findAccessOrganization(c.account.ID); o != nil {
		return o, nil
	}
	if !c.e.opts.Lenient.AccessOrganization {
		return nil, notFound(CodeNoAccessOrg, "%s has no Access organization; set up Zero Trust (create the organization) first", c.account.ID)
	}
	c.e.data.AccessOrganizations = append(c.e.data.AccessOrganizations, defaultAccessOrganization(c.account.ID))
	c.dirty = true
	return c.e.findAccessOrganization(c.account.ID), nil
}

func getAccessOrganization(c *call) reply {
	o, err := c.accessOrganization()
	if err != nil {
		return fail(err)
	}
	return ok(http.StatusOK, renderAccessOrganization(o))
}

// createAccessOrganization answers POST .../access/organizations
// (cloudflare-go v7.9.0 zero_trust/organization.go, OrganizationService.New:
// name and auth_domain required). The status follows the other Access
// creates (201); an account holds one organization.
func createAccessOrganization(c *call) reply {
	var body struct {
		Name                   string `json:"name"`
		AuthDomain             string `json:"auth_domain"`
		AutoRedirectToIdentity bool   `json:"auto_redirect_to_identity"`
		SessionDuration        string `json:"session_duration"`
	}
	if err := c.decode(&body); err != nil {
		return fail(err)
	}
	if body.Name == "" {
		return fail(missing("/name", "name"))
	}
	if body.AuthDomain == "" {
		return fail(missing("/auth_domain", "auth_domain"))
	}
	if c.e.findAccessOrganization(c.account.ID) != nil {
		return fail(errf(http.StatusConflict, CodeAccessOrgExists, "%s already has an Access organization", c.account.ID))
	}
	if body.SessionDuration == "" {
		body.SessionDuration = "24h"
	}
	c.e.data.AccessOrganizations = append(c.e.data.AccessOrganizations, AccessOrganization{
		AccountID: c.account.ID, Name: body.Name, AuthDomain: body.AuthDomain,
		AutoRedirectToIdentity: body.AutoRedirectToIdentity, SessionDuration: body.SessionDuration,
	})
	c.dirty = true
	return ok(http.StatusCreated, renderAccessOrganization(c.e.findAccessOrganization(c.account.ID)))
}

// updateAccessOrganization changes the fields the emulator keeps; a field
// left out keeps its value.
func updateAccessOrganization(c *call) reply {
	var body struct {
		Name                   *string `json:"name"`
		AuthDomain             *string `json:"auth_domain"`
		AutoRedirectToIdentity *bool   `json:"auto_redirect_to_identity"`
		SessionDuration        *string `json:"session_duration"`
	}
	if err := c.decode(&body); err != nil {
		return fail(err)
	}
	o, aerr := c.accessOrganization()
	if aerr != nil {
		return fail(aerr)
	}
	if body.Name != nil {
		o.Name = *body.Name
	}
	if body.AuthDomain != nil {
		if *body.AuthDomain == "" {
			return fail(missing("/auth_domain", "auth_domain"))
		}
		o.AuthDomain = *body.AuthDomain
	}
	if body.AutoRedirectToIdentity != nil {
		o.AutoRedirectToIdentity = *body.AutoRedirectToIdentity
	}
	if body.SessionDuration != nil {
		o.SessionDuration = *body.SessionDuration
	}
	c.dirty = true
	return ok(http.StatusOK, renderAccessOrganization(o))
}
