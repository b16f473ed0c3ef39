package emulator

import (
	"net/http"
	"slices"

	"github.com/idpsync/idpsync/idptype"
)

func renderGrant(g *Grant) wireGrant {
	return wireGrant{ID: g.ID, IdPID: g.IdPID}
}

func listGrants(c *call) reply {
	items := []wireGrant{}
	for _, g := range c.e.grantsOf(c.account.ID) {
		items = append(items, renderGrant(g))
	}
	// The endpoint takes no query parameters: one page holds every grant.
	// Its result_info declares total_pages (cloudflare-go v7.9.0
	// AccessIdPFederationGrantListResponseEnvelopeResultInfo).
	n, one := len(items), 1
	return reply{status: http.StatusOK, result: items, info: &wireResultInfo{Count: n, Page: 1, PerPage: max(n, 1), TotalCount: n, TotalPages: &one}}
}

func createGrant(c *call) reply {
	var body struct {
		IdPID *string `json:"idp_id"`
	}
	if err := c.decode(&body); err != nil {
		return fail(err)
	}
	if body.IdPID == nil || *body.IdPID == "" {
		return fail(missing("/idp_id", "idp_id"))
	}
	if c.account.OrganizationID == "" {
		return fail(badRequest(CodeNoOrganization, "account %s does not belong to a Cloudflare organization; IdP federation needs one", c.account.ID))
	}
	p := c.e.findIdP(c.account.ID, *body.IdPID)
	if p == nil {
		for _, f := range c.e.federatedConnections(c.account.ID) {
			if f.ID == *body.IdPID {
				return fail(badRequest(CodeNotFederable, "identity provider %s is a read-only federated connection and cannot be federated again", f.ID).at("/idp_id"))
			}
		}
		return fail(badRequest(CodeGrantIdPNotFound, "identity provider %s does not exist in account %s", *body.IdPID, c.account.ID).at("/idp_id"))
	}
	if t, known := idptype.Types[p.Type]; !known || !t.Federable || p.ReadOnly {
		return fail(badRequest(CodeNotFederable, "identity provider %s (type %s) cannot be federated: one-time PIN, Cloudflare-managed and read-only identity providers are excluded", p.ID, p.Type).at("/idp_id"))
	}
	if g := c.e.findGrantForIdP(c.account.ID, p.ID); g != nil {
		return fail(errf(http.StatusConflict, CodeGrantExists, "identity provider %s is already federated by grant %s", p.ID, g.ID).at("/idp_id"))
	}
	n := len(c.e.grantsOf(c.account.ID))
	if n >= c.e.opts.MaxFederatedIdPs {
		return fail(badRequest(CodeGrantLimit, "account %s already federates %d identity providers, the most allowed at a time", c.account.ID, n))
	}
	g := Grant{AccountID: c.account.ID, ID: newHex32(), IdPID: p.ID, CreatedAt: c.now}
	c.e.data.Grants = append(c.e.data.Grants, g)
	c.dirty = true
	return ok(http.StatusCreated, renderGrant(&g))
}

func (c *call) lookupGrant() (*Grant, *apiError) {
	id := c.r.PathValue("grant_id")
	if g := c.e.findGrant(c.account.ID, id); g != nil {
		return g, nil
	}
	return nil, notFound(CodeGrantNotFound, "IdP federation grant %s does not exist in account %s", id, c.account.ID)
}

func getGrant(c *call) reply {
	g, err := c.lookupGrant()
	if err != nil {
		return fail(err)
	}
	return ok(http.StatusOK, renderGrant(g))
}

// deleteGrant ends federation at once: recipients' connections derive from
// the grant, so they vanish with it.
func deleteGrant(c *call) reply {
	g, err := c.lookupGrant()
	if err != nil {
		return fail(err)
	}
	id := g.ID
	c.e.data.Grants = slices.DeleteFunc(c.e.data.Grants, func(x Grant) bool {
		return x.AccountID == c.account.ID && x.ID == id
	})
	c.e.reindex()
	c.dirty = true
	return ok(http.StatusAccepted, wireDeletedID{ID: id})
}
