package emulator

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// The account audit log, in the shape of Audit Logs version 2:
// GET /accounts/{account_id}/logs/audit (cloudflare-go v7.9.0
// accounts/logaudit.go, LogAuditListParams and LogAuditListResponse; the API
// reference page "Get account audit logs (Version 2)"). Version 2 is the one
// that names the token of an API write (actor.token_name) and tells a
// dashboard edit from an API call (actor.context: dash, api_token, api_key,
// oauth), and that logs what Cloudflare's own systems do (actor.type system),
// which is what drift attribution needs.

// AuditEntry is one audit log record.
type AuditEntry struct {
	ID       string        `json:"id"`
	Account  AuditAccount  `json:"account"`
	Action   AuditAction   `json:"action"`
	Actor    AuditActor    `json:"actor"`
	Raw      AuditRaw      `json:"raw"`
	Resource AuditResource `json:"resource"`
}

// AuditAccount is the account an entry belongs to.
type AuditAccount struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// AuditAction is what was done, and when.
type AuditAction struct {
	Description string    `json:"description"`
	Result      string    `json:"result"`
	Time        time.Time `json:"time"`
	Type        string    `json:"type"`
}

// AuditActor is who did it. Context is one of the SDK's
// LogAuditListResponseActorContext values (api_key, api_token, dash, oauth,
// origin_ca_key) and Type one of account, cloudflare_admin, system, user.
type AuditActor struct {
	ID        string `json:"id"`
	Context   string `json:"context,omitempty"`
	Email     string `json:"email,omitempty"`
	IPAddress string `json:"ip_address,omitempty"`
	TokenID   string `json:"token_id,omitempty"`
	TokenName string `json:"token_name,omitempty"`
	Type      string `json:"type"`
}

// AuditRaw is the request behind an entry.
type AuditRaw struct {
	Method     string `json:"method,omitempty"`
	StatusCode int    `json:"status_code,omitempty"`
	URI        string `json:"uri,omitempty"`
}

// AuditResource is the object an entry changed.
type AuditResource struct {
	ID      string `json:"id"`
	Product string `json:"product"`
	Type    string `json:"type"`
	Scope   string `json:"scope"`
}

// Audit actor contexts and types the emulator writes.
const (
	AuditContextToken = "api_token"
	AuditContextKey   = "api_key"
	AuditContextDash  = "dash"
	AuditActorUser    = "user"
	AuditActorSystem  = "system"
)

// DashboardHeader, on a write, makes the emulator log it as a dashboard edit
// by the user it names, so that tests can act as a person in the dashboard.
// The real API has no such header; the credential still has to be valid.
const DashboardHeader = "X-Emulator-Dashboard-User"

// maxAuditEntries bounds the log the emulator keeps; the oldest entries go
// first, as the real log keeps only a window (30 days for version 2).
const maxAuditEntries = 20000

// auditPages is the paging of the audit log: a cursor and a limit. The
// reference gives no maximum for limit; the emulator takes at most 1000.
const (
	auditDefaultLimit = 100
	auditMaxLimit     = 1000
)

// recordWrite logs a successful write of c. Caller holds e.mu.
func (c *call) recordWrite(rep reply) {
	if c.r.Method == http.MethodGet || c.r.Method == http.MethodHead || rep.err != nil {
		return
	}
	res := auditResourceOf(c.r.URL.Path, rep.result)
	if res.ID == "" {
		return
	}
	action := map[string]string{http.MethodPost: "create", http.MethodPut: "update", http.MethodPatch: "update", http.MethodDelete: "delete"}[c.r.Method]
	if strings.HasSuffix(c.r.URL.Path, "/refresh_scim_secret") || strings.HasSuffix(c.r.URL.Path, "/rotate") {
		action = "update"
	}
	status := rep.status
	if status == 0 {
		status = http.StatusOK
	}
	c.e.appendAudit(AuditEntry{
		Account:  AuditAccount{ID: c.account.ID, Name: c.account.Name},
		Action:   AuditAction{Description: strings.ToUpper(action[:1]) + action[1:] + " " + strings.ReplaceAll(res.Type, "_", " "), Result: "success", Time: c.now, Type: action},
		Actor:    auditActorOf(c.r),
		Raw:      AuditRaw{Method: c.r.Method, StatusCode: status, URI: strings.TrimPrefix(c.r.URL.Path, APIPrefix)},
		Resource: res,
	})
	c.dirty = true
}

// recordSystem logs a change Cloudflare's own systems made. Caller holds e.mu.
func (e *Emulator) recordSystem(accountID, action, resourceType, resourceID, description string, now time.Time) {
	e.appendAudit(AuditEntry{
		Account:  AuditAccount{ID: accountID},
		Action:   AuditAction{Description: description, Result: "success", Time: now, Type: action},
		Actor:    AuditActor{ID: "system", Type: AuditActorSystem},
		Resource: AuditResource{ID: resourceID, Product: "access", Type: resourceType, Scope: "accounts"},
	})
}

func (e *Emulator) appendAudit(a AuditEntry) {
	a.ID = newHex32()
	e.data.AuditLog = append(e.data.AuditLog, a)
	if n := len(e.data.AuditLog); n > maxAuditEntries {
		e.data.AuditLog = slices.Delete(e.data.AuditLog, 0, n-maxAuditEntries)
	}
}

// auditActorOf tells who made a request from its credential. A token is named
// by a digest of itself, never the token: the log is readable by anyone with
// the account's audit permission.
func auditActorOf(r *http.Request) AuditActor {
	if user := r.Header.Get(DashboardHeader); user != "" {
		return AuditActor{ID: digest(user), Context: AuditContextDash, Email: user, Type: AuditActorUser}
	}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		id := digest(tok)
		return AuditActor{ID: id, Context: AuditContextToken, TokenID: id, TokenName: "emulator-" + id[:8], Type: AuditActorUser}
	}
	email := r.Header.Get("X-Auth-Email")
	return AuditActor{ID: digest(email), Context: AuditContextKey, Email: email, Type: AuditActorUser}
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

// auditResourceOf names the object a write changed: the id in the path, or,
// for a create, the id of the object created.
func auditResourceOf(path string, result any) AuditResource {
	segs := strings.Split(strings.Trim(strings.TrimPrefix(path, APIPrefix), "/"), "/")
	scope := "accounts"
	if len(segs) > 0 && segs[0] == "zones" {
		scope = "zones"
	}
	// The collection names of the paths, from the most specific.
	kinds := []struct{ seg, typ, product string }{
		{"recipients", "share_recipient", "resource_sharing"},
		{"resources", "share_resource", "resource_sharing"},
		{"shares", "share", "resource_sharing"},
		{"saml_certificate", "saml_certificate_set", "access"},
		{"saml_certificates", "saml_certificate_set", "access"},
		{"refresh_scim_secret", "identity_provider", "access"},
		{"idp_federation_grants", "idp_federation_grant", "access"},
		{"identity_providers", "identity_provider", "access"},
		{"apps", "application", "access"},
		{"organizations", "organization", "access"},
	}
	for i := len(segs) - 1; i >= 0; i-- {
		for _, k := range kinds {
			if segs[i] != k.seg {
				continue
			}
			res := AuditResource{Product: k.product, Type: k.typ, Scope: scope}
			switch {
			case k.seg == "refresh_scim_secret" && i > 0:
				res.ID = segs[i-1]
			case k.seg == "saml_certificates" && i+2 < len(segs) && segs[i+2] == "rotate":
				res.ID = segs[i+1]
			case i+1 < len(segs):
				res.ID = segs[i+1]
			default:
				res.ID = resultID(result)
			}
			if k.seg == "organizations" && res.ID == "" && i > 0 {
				res.ID = segs[i-1]
			}
			return res
		}
	}
	return AuditResource{}
}

// resultID is the id of a route's result, read through its JSON form so that
// every wire type qualifies.
func resultID(result any) string {
	if result == nil {
		return ""
	}
	b, err := json.Marshal(result)
	if err != nil {
		return ""
	}
	var v struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(b, &v)
	return v.ID
}

// listAuditLog serves GET /accounts/{account_id}/logs/audit: since and before
// are required (LogAuditListParams marks both api:"required"), newest first
// unless direction=asc, paged by an opaque cursor in result_info.cursors.after.
func listAuditLog(c *call) reply {
	since, err := auditTime(c, "since")
	if err != nil {
		return fail(err)
	}
	before, err := auditTime(c, "before")
	if err != nil {
		return fail(err)
	}
	limit := auditDefaultLimit
	if v := c.query("limit"); v != "" {
		n, convErr := strconv.Atoi(v)
		if convErr != nil || n < 1 || n > auditMaxLimit {
			return fail(badRequest(CodeInvalidPagination, "limit must be a whole number from 1 to %d, got %q", auditMaxLimit, v))
		}
		limit = n
	}
	asc := false
	switch d := c.query("direction"); d {
	case "", "desc":
	case "asc":
		asc = true
	default:
		return fail(badRequest(CodeInvalidValue, "direction must be asc or desc, got %q", d))
	}
	var items []AuditEntry
	for _, a := range c.e.data.AuditLog {
		if a.Account.ID == c.account.ID && !a.Action.Time.Before(since) && a.Action.Time.Before(before) {
			items = append(items, a)
		}
	}
	slices.SortStableFunc(items, func(x, y AuditEntry) int {
		if asc {
			return x.Action.Time.Compare(y.Action.Time)
		}
		return y.Action.Time.Compare(x.Action.Time)
	})
	start := 0
	if cur := c.query("cursor"); cur != "" {
		b, decErr := base64.RawURLEncoding.DecodeString(cur)
		n, convErr := strconv.Atoi(string(b))
		if decErr != nil || convErr != nil || n < 0 {
			return fail(badRequest(CodeInvalidPagination, "cursor is not one this endpoint returned"))
		}
		start = min(n, len(items))
	}
	end := min(start+limit, len(items))
	page := items[start:end]
	if page == nil {
		page = []AuditEntry{}
	}
	after := ""
	if end < len(items) {
		after = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	return ok(http.StatusOK, auditPage{result: page, after: after})
}

// auditPage is a page of the audit log; wrap writes its result_info, which
// has cursors instead of page numbers.
type auditPage struct {
	result []AuditEntry
	after  string
}

// auditEnvelope is the Access envelope with the cursor result_info of
// version-2 lists (pagination.CursorPaginationAfter in the SDK).
type auditEnvelope struct {
	Success    bool           `json:"success"`
	Errors     []wireMessage  `json:"errors"`
	Messages   []wireMessage  `json:"messages"`
	Result     []AuditEntry   `json:"result"`
	ResultInfo wireCursorInfo `json:"result_info"`
}

type wireCursorInfo struct {
	Count   int             `json:"count"`
	Cursors wireCursorAfter `json:"cursors"`
}

type wireCursorAfter struct {
	After string `json:"after,omitempty"`
}

// auditTime reads a required date query parameter: a full date (2019-04-30,
// UTC) or an RFC 3339 timestamp, as the reference describes both.
func auditTime(c *call, name string) (time.Time, *apiError) {
	v := c.query(name)
	if v == "" {
		return time.Time{}, badRequest(CodeMissingField, "query parameter %s is required (a date such as 2019-04-30 or an RFC 3339 timestamp)", name)
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Time{}, badRequest(CodeInvalidValue, "query parameter %s must be a date such as 2019-04-30 or an RFC 3339 timestamp", name)
}

// AddDefaultIdP adds to an account an IdP the way Cloudflare adds one by
// itself (a one-time PIN login, when Zero Trust is set up), logged as a
// system change. It returns the IdP's id.
func (e *Emulator) AddDefaultIdP(accountID, name, typ string) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	if e.findAccount(accountID) == nil {
		return "", errf(http.StatusNotFound, CodeAccountNotFound, "account %s not found", accountID)
	}
	p := IdentityProvider{AccountID: accountID, ID: uuid.NewString(), Name: name, Type: typ, Config: map[string]any{}}
	e.data.IdentityProviders = append(e.data.IdentityProviders, p)
	e.recordSystem(accountID, "create", "identity_provider", p.ID, "Cloudflare added a default login method", now)
	e.reindex()
	return p.ID, e.saveLocked()
}
