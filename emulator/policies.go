package emulator

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"
)

// Access policies: the account's reusable policies and each application's
// policies. Paths, methods and fields follow cloudflare-go v7.9.0
// zero_trust/accesspolicy.go (AccessPolicyService New and List:
// /accounts/{account_id}/access/policies, paged with page and per_page,
// AccessPolicyListResponse with app_count, decision, include, require,
// exclude, reusable) and zero_trust/accessapplicationpolicy.go
// (AccessApplicationPolicyService New and List:
// /{accounts|zones}/{id}/access/apps/{app_id}/policies, paged the same way,
// AccessApplicationPolicyListResponse with precedence), and
// cloudflare-typescript src/resources/zero-trust/access/applications/policies.ts,
// whose List "Returns both exclusively scoped and reusable policies used by
// the application". Rules are kept as the JSON objects they arrive as
// ({"login_method": {"id": ...}}, {"saml": {..., "identity_provider_id": ...}}):
// the union has some thirty variants and the emulator only stores them.

// policyPages is the pagination of both policy listings: the SDK documents
// page and per_page without bounds; these are the application listing's.
var policyPages = pageSpec{defPerPage: 25, maxPerPage: 1000}

// policyDecisions are the SDK's Decision values (zero_trust/accesspolicy.go).
var policyDecisions = []string{"allow", "deny", "non_identity", "bypass"}

func renderPolicy(e *Emulator, p *AccessPolicy, app string) wirePolicy {
	out := wirePolicy{
		ID: p.ID, Name: p.Name, Decision: p.Decision,
		Include: rulesOrEmpty(p.Include), Require: rulesOrEmpty(p.Require), Exclude: rulesOrEmpty(p.Exclude),
		Reusable:  p.Reusable,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
	if p.Reusable {
		n := 0
		for i := range e.data.AccessApplications {
			if a := &e.data.AccessApplications[i]; a.AccountID == p.AccountID && slices.Contains(a.Policies, p.ID) {
				n++
			}
		}
		out.AppCount = &n
	}
	if app != "" {
		for i := range e.data.AccessApplications {
			if a := &e.data.AccessApplications[i]; a.AccountID == p.AccountID && a.ID == app {
				prec := slices.Index(a.Policies, p.ID) + 1
				out.Precedence = &prec
			}
		}
	}
	return out
}

func rulesOrEmpty(rs []map[string]any) []map[string]any {
	if rs == nil {
		return []map[string]any{}
	}
	return rs
}

func (e *Emulator) findPolicy(accountID, id string) *AccessPolicy {
	for i := range e.data.AccessPolicies {
		if p := &e.data.AccessPolicies[i]; p.AccountID == accountID && p.ID == id {
			return p
		}
	}
	return nil
}

func listReusablePolicies(c *call) reply {
	items := []wirePolicy{}
	for i := range c.e.data.AccessPolicies {
		if p := &c.e.data.AccessPolicies[i]; p.AccountID == c.account.ID && p.Reusable {
			items = append(items, renderPolicy(c.e, p, ""))
		}
	}
	return list(c, items, policyPages)
}

func listAppPolicies(c *call) reply {
	a, err := c.lookupApp()
	if err != nil {
		return fail(err)
	}
	items := []wirePolicy{}
	for _, id := range a.Policies {
		if p := c.e.findPolicy(a.AccountID, id); p != nil {
			items = append(items, renderPolicy(c.e, p, a.ID))
		}
	}
	return list(c, items, policyPages)
}

type policyBody struct {
	Name     *string          `json:"name"`
	Decision string           `json:"decision"`
	Include  []map[string]any `json:"include"`
	Require  []map[string]any `json:"require"`
	Exclude  []map[string]any `json:"exclude"`
} // other fields of the SDK's bodies are accepted and dropped

func (c *call) decodePolicy() (*AccessPolicy, *apiError) {
	var body policyBody
	if err := c.decode(&body); err != nil {
		return nil, err
	}
	if body.Name == nil || *body.Name == "" {
		return nil, missing("/name", "name")
	}
	if !slices.Contains(policyDecisions, body.Decision) {
		return nil, badRequest(CodeInvalidValue, "decision must be one of %s, got %q", strings.Join(policyDecisions, ", "), body.Decision).at("/decision")
	}
	// include is required (api:"required" on AccessPolicyNewParams.Include).
	if len(body.Include) == 0 {
		return nil, missing("/include", "include")
	}
	for field, rs := range map[string][]map[string]any{"include": body.Include, "require": body.Require, "exclude": body.Exclude} {
		for i, r := range rs {
			if len(r) != 1 {
				return nil, badRequest(CodeInvalidValue, "%s[%d]: a rule is an object with exactly one key, its kind", field, i).at("/" + field)
			}
			if err := c.checkRuleIdP(field, i, r); err != nil {
				return nil, err
			}
		}
	}
	return &AccessPolicy{
		AccountID: c.account.ID, ID: uuid.NewString(), Name: *body.Name, Decision: body.Decision,
		Include: body.Include, Require: body.Require, Exclude: body.Exclude,
		CreatedAt: c.now, UpdatedAt: c.now,
	}, nil
}

// checkRuleIdP refuses a rule bound to an IdP the account does not have, as
// the application create refuses such an allowed_idps entry.
func (c *call) checkRuleIdP(field string, i int, r map[string]any) *apiError {
	id := ruleIdP(r)
	if id == "" || c.e.findIdP(c.account.ID, id) != nil || c.isFederatedConnection(id) {
		return nil
	}
	return badRequest(CodeIdPNotFound, "%s[%d]: identity provider %s does not exist in %s", field, i, id, c.account.ID).at("/" + field)
}

// ruleIdP is the IdP a rule is bound to: login_method.id, or the
// identity_provider_id of the IdP-bound rules.
func ruleIdP(r map[string]any) string {
	for k, v := range r {
		m, _ := v.(map[string]any)
		if k == "login_method" {
			s, _ := m["id"].(string)
			return s
		}
		s, _ := m["identity_provider_id"].(string)
		return s
	}
	return ""
}

func createReusablePolicy(c *call) reply {
	p, err := c.decodePolicy()
	if err != nil {
		return fail(err)
	}
	p.Reusable = true
	c.e.data.AccessPolicies = append(c.e.data.AccessPolicies, *p)
	c.dirty = true
	return ok(http.StatusCreated, renderPolicy(c.e, p, ""))
}

func createAppPolicy(c *call) reply {
	a, err := c.lookupApp()
	if err != nil {
		return fail(err)
	}
	p, err := c.decodePolicy()
	if err != nil {
		return fail(err)
	}
	c.e.data.AccessPolicies = append(c.e.data.AccessPolicies, *p)
	a.Policies = append(a.Policies, p.ID)
	a.UpdatedAt = c.now
	c.dirty = true
	return ok(http.StatusCreated, renderPolicy(c.e, p, a.ID))
}

// appPolicyRefs reads the policies field of an application create: reusable
// policy ids, as strings or as {"id": ...} objects (the SDK's
// AccessApplicationNewParams policies union).
func (c *call) appPolicyRefs(raw []json.RawMessage) ([]string, *apiError) {
	var out []string
	for i, r := range raw {
		var id string
		if json.Unmarshal(r, &id) != nil {
			var obj struct {
				ID string `json:"id"`
			}
			if json.Unmarshal(r, &obj) != nil {
				return nil, badRequest(CodeInvalidValue, "policies[%d]: want a policy id or an object with an id", i).at("/policies")
			}
			id = obj.ID
		}
		if p := c.e.findPolicy(c.account.ID, id); p == nil || !p.Reusable {
			return nil, badRequest(CodeInvalidValue, "policies[%d]: reusable policy %s does not exist in %s", i, id, c.account.ID).at("/policies")
		}
		out = append(out, id)
	}
	return out, nil
}
