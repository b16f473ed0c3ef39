package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// call is one API request being handled under e.mu.
type call struct {
	e       *Emulator
	r       *http.Request
	fam     family
	now     time.Time
	account *Account
	dirty   bool // the state changed and must be saved
}

// reply is what a route answers.
type reply struct {
	status int
	result any
	info   *wireResultInfo
	err    *apiError
	// raw, when set, is sent as is with contentType (the PEM download).
	raw         []byte
	contentType string
	header      map[string]string
	empty       bool // 204 without a body
}

func ok(status int, result any) reply { return reply{status: status, result: result} }
func fail(err *apiError) reply        { return reply{err: err} }

type handler func(c *call) reply

func (e *Emulator) routes() {
	m := http.NewServeMux()
	handle := func(pattern string, fam family, h handler) {
		method, path, _ := cut(pattern)
		m.Handle(method+" "+APIPrefix+path, e.wrap(fam, h))
		e.served = append(e.served, pattern)
	}
	// The account listing is the one route outside every account.
	m.Handle("GET "+APIPrefix+"/accounts", e.wrapUnscoped(familyAccess, listAccounts))
	e.served = append(e.served, "GET /accounts")
	const (
		idps  = "/accounts/{account_id}/access/identity_providers"
		certs = "/accounts/{account_id}/access/saml_certificates"
		grnts = "/accounts/{account_id}/access/idp_federation_grants"
		shrs  = "/accounts/{account_id}/shares"
		apps  = "/accounts/{account_id}/access/apps"
		org   = "/accounts/{account_id}/access/organizations"
	)
	handle("GET "+apps, familyAccess, listApps)
	handle("POST "+apps, familyAccess, createApp)
	handle("GET "+apps+"/{app_id}", familyAccess, getApp)
	handle("DELETE "+apps+"/{app_id}", familyAccess, deleteApp)
	handle("GET "+apps+"/{app_id}/policies", familyAccess, listAppPolicies)
	handle("POST "+apps+"/{app_id}/policies", familyAccess, createAppPolicy)
	handle("GET /accounts/{account_id}/access/policies", familyAccess, listReusablePolicies)
	handle("POST /accounts/{account_id}/access/policies", familyAccess, createReusablePolicy)
	handle("GET "+org, familyAccess, getAccessOrganization)
	handle("POST "+org, familyAccess, createAccessOrganization)
	handle("PUT "+org, familyAccess, updateAccessOrganization)
	// The account details carry its organization (managed_by.parent_org_id).
	handle("GET /accounts/{account_id}", familyAccess, getAccount)
	// The account audit log, version 2, which drift reads to say who changed
	// what (audit.go).
	handle("GET /accounts/{account_id}/logs/audit", familyAccess, listAuditLog)

	handle("GET "+idps, familyAccess, listIdPs)
	handle("POST "+idps, familyAccess, createIdP)
	handle("GET "+idps+"/{identity_provider_id}", familyAccess, getIdP)
	handle("PUT "+idps+"/{identity_provider_id}", familyAccess, updateIdP)
	handle("DELETE "+idps+"/{identity_provider_id}", familyAccess, deleteIdP)
	handle("POST "+idps+"/{identity_provider_id}/saml_certificate", familyAccess, createCertSet)
	handle("POST "+idps+"/{identity_provider_id}/refresh_scim_secret", familyAccess, refreshSCIMSecret)

	// Zone-level IdPs: the same operations under /zones/{zone_id}. SAML
	// certificate sets, grants and shares have no zone form.
	const zidps = "/zones/{zone_id}/access/identity_providers"
	handle("GET "+zidps, familyAccess, listIdPs)
	handle("POST "+zidps, familyAccess, createIdP)
	handle("GET "+zidps+"/{identity_provider_id}", familyAccess, getIdP)
	handle("PUT "+zidps+"/{identity_provider_id}", familyAccess, updateIdP)
	handle("DELETE "+zidps+"/{identity_provider_id}", familyAccess, deleteIdP)
	handle("POST "+zidps+"/{identity_provider_id}/refresh_scim_secret", familyAccess, refreshSCIMSecret)
	// Zones have Access applications and an Access organization of their
	// own (the SDK builds both under accountOrZone, zero_trust/
	// accessapplication.go and organization.go): the lockout check reads them.
	handle("GET /zones/{zone_id}/access/apps", familyAccess, listApps)
	handle("POST /zones/{zone_id}/access/apps", familyAccess, createApp)
	handle("GET /zones/{zone_id}/access/apps/{app_id}/policies", familyAccess, listAppPolicies)
	handle("POST /zones/{zone_id}/access/apps/{app_id}/policies", familyAccess, createAppPolicy)
	handle("GET /zones/{zone_id}/access/organizations", familyAccess, getAccessOrganization)
	handle("POST /zones/{zone_id}/access/organizations", familyAccess, createAccessOrganization)
	handle("PUT /zones/{zone_id}/access/organizations", familyAccess, updateAccessOrganization)

	handle("GET "+certs, familyAccess, listCertSets)
	handle("GET "+certs+"/{saml_cert_set_id}", familyAccess, getCertSet)
	handle("GET "+certs+"/{saml_cert_set_id}/pem", familyAccess, getPEM)
	handle("POST "+certs+"/{saml_cert_set_id}/rotate", familyAccess, rotateCertSet)

	handle("GET "+grnts, familyAccess, listGrants)
	handle("POST "+grnts, familyAccess, createGrant)
	handle("GET "+grnts+"/{grant_id}", familyAccess, getGrant)
	handle("DELETE "+grnts+"/{grant_id}", familyAccess, deleteGrant)

	handle("GET "+shrs, familyShare, listShares)
	handle("POST "+shrs, familyShare, createShare)
	handle("GET "+shrs+"/{share_id}", familyShare, getShare)
	handle("PUT "+shrs+"/{share_id}", familyShare, renameShare)
	handle("DELETE "+shrs+"/{share_id}", familyShare, deleteShare)
	handle("GET "+shrs+"/{share_id}/recipients", familyShare, listRecipients)
	handle("POST "+shrs+"/{share_id}/recipients", familyShare, addRecipient)
	handle("PUT "+shrs+"/{share_id}/recipients", familyShare, replaceRecipients)
	handle("GET "+shrs+"/{share_id}/recipients/{recipient_id}", familyShare, getRecipient)
	handle("DELETE "+shrs+"/{share_id}/recipients/{recipient_id}", familyShare, removeRecipient)
	handle("GET "+shrs+"/{share_id}/resources", familyShare, listShareResources)
	handle("POST "+shrs+"/{share_id}/resources", familyShare, addShareResource)
	handle("GET "+shrs+"/{share_id}/resources/{share_resource_id}", familyShare, getShareResource)
	handle("PUT "+shrs+"/{share_id}/resources/{share_resource_id}", familyShare, updateShareResource)
	handle("DELETE "+shrs+"/{share_id}/resources/{share_resource_id}", familyShare, removeShareResource)

	// Everything else, including a known path with another method, is Cloudflare's
	// "No route for the URI".
	m.HandleFunc(APIPrefix+"/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, familyOf(r.URL.Path), errf(http.StatusNotFound, CodeNoRoute, "No route for the URI"))
	})
	e.mux = m
}

func cut(pattern string) (method, path string, ok bool) {
	for i := 0; i < len(pattern); i++ {
		if pattern[i] == ' ' {
			return pattern[:i], pattern[i+1:], true
		}
	}
	return "", pattern, false
}

// wrap runs a route under the state lock: it settles what the clock has
// completed, resolves the account, runs the route, saves when something
// changed and writes the envelope.
func (e *Emulator) wrap(fam family, h handler) http.Handler {
	return e.wrapRoute(fam, h, true)
}

// wrapUnscoped wraps a route whose path names no account or zone.
func (e *Emulator) wrapUnscoped(fam family, h handler) http.Handler {
	return e.wrapRoute(fam, h, false)
}

func (e *Emulator) wrapRoute(fam family, h handler, scoped bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rep := e.run(fam, h, r, scoped)
		switch {
		case rep.err != nil:
			writeError(w, fam, rep.err)
		case rep.empty:
			w.WriteHeader(rep.status)
		case rep.raw != nil:
			for k, v := range rep.header {
				w.Header().Set(k, v)
			}
			w.Header().Set("Content-Type", rep.contentType)
			w.Header().Set("Content-Length", strconv.Itoa(len(rep.raw)))
			w.WriteHeader(rep.status)
			_, _ = w.Write(rep.raw)
		default:
			if page, ok := rep.result.(auditPage); ok {
				writeJSON(w, rep.status, auditEnvelope{Success: true, Errors: []wireMessage{}, Messages: []wireMessage{}, Result: page.result,
					ResultInfo: wireCursorInfo{Count: len(page.result), Cursors: wireCursorAfter{After: page.after}}})
				return
			}
			writeSuccess(w, fam, rep.status, rep.result, rep.info)
		}
	})
}

func (e *Emulator) run(fam family, h handler, r *http.Request, scoped bool) reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := &call{e: e, r: r, fam: fam, now: e.now()}
	c.dirty = e.settle(c.now)
	var acct *Account
	var err *apiError
	switch zone := r.PathValue("zone_id"); {
	case !scoped:
	case zone != "":
		acct, err = c.resolveZone(zone)
	default:
		acct, err = c.resolveAccount(r.PathValue("account_id"))
	}
	if err != nil {
		if c.dirty {
			_ = e.saveLocked()
		}
		return fail(err)
	}
	c.account = acct
	rep := h(c)
	c.recordWrite(rep)
	if c.dirty {
		if err := e.saveLocked(); err != nil {
			return fail(errf(http.StatusInternalServerError, CodeInternal, "Internal server error: could not save state"))
		}
	}
	return rep
}

// resolveAccount finds the path's account, creating it under AutoAccounts.
func (c *call) resolveAccount(id string) (*Account, *apiError) {
	if a := c.e.findAccount(id); a != nil {
		return a, nil
	}
	if !c.e.opts.AutoAccounts || !isHex32(id) {
		return nil, notFound(CodeAccountNotFound, "account %s not found", id)
	}
	c.dirty = true
	return c.e.createAutoAccount(id, c.now), nil
}

// resolveZone finds the path's zone, creating it under AutoAccounts, and
// stands it in as the call's account: its IdPs are stored under the zone's
// owner key "zones/<zone id>", apart from every account's.
func (c *call) resolveZone(id string) (*Account, *apiError) {
	for _, z := range c.e.data.Zones {
		if z.ID == id {
			return &Account{ID: zoneKey(id), Name: z.Name}, nil
		}
	}
	if !c.e.opts.AutoAccounts || !isHex32(id) {
		return nil, notFound(CodeAccountNotFound, "zone %s not found", id)
	}
	c.dirty = true
	c.e.data.Zones = append(c.e.data.Zones, Zone{ID: id, Name: "zone-" + id[:8] + ".example.com"})
	return &Account{ID: zoneKey(id), Name: "zone-" + id[:8] + ".example.com"}, nil
}

func zoneKey(id string) string { return "zones/" + id }

// decode reads the JSON request body into v.
func (c *call) decode(v any) *apiError {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(http.MaxBytesReader(nil, c.r.Body, 1<<20)); err != nil {
		return badRequest(CodeMalformedBody, "could not read the request body: %v", err)
	}
	if buf.Len() == 0 {
		return badRequest(CodeMalformedBody, "the request body is empty; this endpoint takes a JSON body")
	}
	if err := json.Unmarshal(buf.Bytes(), v); err != nil {
		return badRequest(CodeMalformedBody, "the request body is not valid JSON for this endpoint: %v", err)
	}
	return nil
}

func (c *call) query(name string) string { return c.r.URL.Query().Get(name) }

func (c *call) boolQuery(name string) (bool, *apiError) {
	v := c.query(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, badRequest(CodeInvalidValue, "query parameter %s must be true or false, got %q", name, v)
	}
	return b, nil
}

// pageSpec is how one list endpoint paginates.
type pageSpec struct {
	defPerPage, maxPerPage int
	// minPerPage is the smallest per_page accepted; 0 means 1.
	minPerPage int
	// lenientMax, when larger, is the maximum under the PerPage leniency.
	lenientMax int
	// optional lists (shares) are unpaginated when both page and per_page are absent.
	optional bool
}

// paginate returns the [lo, hi) window of n items and the result_info, whose
// total_count is total: the size of the collection before any filter.
func (c *call) paginate(n, total int, spec pageSpec) (lo, hi int, info *wireResultInfo, err *apiError) {
	ps, pps := c.query("page"), c.query("per_page")
	page, perPage := 1, spec.defPerPage
	if spec.optional && ps == "" && pps == "" {
		perPage = max(n, 1) // unpaginated: one page of everything
	}
	if ps != "" {
		p, convErr := strconv.Atoi(ps)
		if convErr != nil || p < 1 {
			return 0, 0, nil, badRequest(CodeInvalidPagination, "page must be an integer of at least 1, got %q", ps)
		}
		page = p
	}
	if pps != "" {
		p, convErr := strconv.Atoi(pps)
		maxPer := spec.maxPerPage
		if c.e.opts.Lenient.PerPage && spec.lenientMax > maxPer {
			maxPer = spec.lenientMax
		}
		if limit := c.e.opts.RefusePerPageAbove; limit > 0 && limit < maxPer {
			maxPer = limit
		}
		minPer := max(spec.minPerPage, 1)
		if convErr != nil || p < minPer || p > maxPer {
			return 0, 0, nil, badRequest(CodeInvalidPagination, "per_page must be an integer from %d to %d, got %q", minPer, maxPer, pps)
		}
		perPage = p
	}
	if limit := c.e.opts.MaxPerPage; limit > 0 && perPage > limit {
		// A real server may serve fewer than asked without saying so other
		// than in result_info; clients must page by what it reports.
		perPage = limit
	}
	lo = n
	if page-1 <= n/perPage { // guards the product against overflow
		lo = min((page-1)*perPage, n)
	}
	hi = min(lo+perPage, n)
	if c.e.opts.Lenient.FilteredTotalCount {
		total = n
	}
	info = &wireResultInfo{Count: hi - lo, Page: page, PerPage: perPage, TotalCount: total}
	if c.e.opts.Lenient.TotalPages {
		tp := (n + perPage - 1) / perPage
		info.TotalPages = &tp
	}
	return lo, hi, info, nil
}

// list paginates items, a collection no filter narrowed, and answers them.
func list[T any](c *call, items []T, spec pageSpec) reply {
	return listFiltered(c, items, len(items), spec)
}

// listFiltered paginates items, what the query's filters kept of a
// collection of total objects. result_info.total_count is "Total results
// available without any search parameters" (access_api-response-collection
// and resource-sharing_result_info in testdata/access-subset.openapi.yaml;
// cloudflare-go v7.9.0 AccessIdPFederationGrantListResponseEnvelopeResultInfo),
// so it reports total, not len(items).
func listFiltered[T any](c *call, items []T, total int, spec pageSpec) reply {
	lo, hi, info, err := c.paginate(len(items), total, spec)
	if err != nil {
		return fail(err)
	}
	page := make([]T, 0, hi-lo)
	page = append(page, items[lo:hi]...)
	return reply{status: http.StatusOK, result: page, info: info}
}
