package cloudflare

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// AuditEntry is one record of an account's audit log, limited to what drift
// attribution reads.
//
// Source: Audit Logs version 2, GET /accounts/{account_id}/logs/audit
// (cloudflare-go v7.9.0 accounts/logaudit.go: LogAuditListParams,
// LogAuditListResponse and its Action, Actor and Resource; paging is
// pagination.CursorPaginationAfter, result_info.cursors.after). Version 2 is
// used rather than GET /accounts/{account_id}/audit_logs (audit_logs/
// auditlog.go) because only version 2 names the API token of a write
// (actor.token_name), tells a dashboard edit from an API call
// (actor.context: dash, api_token, api_key, oauth) and logs what Cloudflare's
// systems do by themselves (actor.type system). Its reference page lists the
// permission it needs: Account Settings Read (or Write).
type AuditEntry struct {
	ID     string `json:"id"`
	Action struct {
		Description string    `json:"description"`
		Result      string    `json:"result"`
		Time        time.Time `json:"time"`
		Type        string    `json:"type"`
	} `json:"action"`
	Actor struct {
		ID        string `json:"id"`
		Context   string `json:"context"`
		Email     string `json:"email"`
		TokenName string `json:"token_name"`
		Type      string `json:"type"`
	} `json:"actor"`
	Resource struct {
		ID      string `json:"id"`
		Product string `json:"product"`
		Type    string `json:"type"`
	} `json:"resource"`
}

// AuditLogPermission is the permission the audit log needs, as the API
// reference of GET /accounts/{account_id}/logs/audit lists it.
const AuditLogPermission = "Account Settings Read"

// AuditQuery bounds one read of an account's audit log.
type AuditQuery struct {
	Since, Before time.Time
	// PerPage is the limit asked of each page; MaxEntries the most read in
	// all, newest first: the log of a busy account is long, and drift needs
	// only the latest change of each object.
	PerPage, MaxEntries int
	// Done, when set, is asked after each page whether enough was read.
	Done func([]AuditEntry) bool
}

// AuditLog reads an account's audit log, newest first, a page at a time,
// until the log ends, MaxEntries are read or Done says so. Truncated says the
// log went on past what was read.
func (c *Client) AuditLog(ctx context.Context, accountID string, q AuditQuery) (entries []AuditEntry, truncated bool, err error) {
	if err := checkIDs("read audit log", "account id", accountID); err != nil {
		return nil, false, err
	}
	if q.PerPage <= 0 {
		q.PerPage = 100
	}
	if q.MaxEntries <= 0 {
		q.MaxEntries = 1000
	}
	path := accountPath(accountID, "logs", "audit")
	cursor := ""
	// Every page moves the cursor on or ends the loop; the page count is
	// bounded as well, so a server that repeats a cursor cannot hold it.
	for pages := 0; pages*q.PerPage < q.MaxEntries+q.PerPage; pages++ {
		v := url.Values{}
		v.Set("since", q.Since.UTC().Format(time.RFC3339))
		v.Set("before", q.Before.UTC().Format(time.RFC3339))
		v.Set("direction", "desc")
		v.Set("limit", strconv.Itoa(q.PerPage))
		if cursor != "" {
			v.Set("cursor", cursor)
		}
		req := request{method: http.MethodGet, path: path, query: v, retryAmbiguous: true}
		var page []AuditEntry
		resp, err := c.call(ctx, req, &page)
		if err != nil {
			return entries, false, err
		}
		if len(page) > q.PerPage {
			return entries, false, fmt.Errorf("GET %s: %d entries on a page of at most %d", path, len(page), q.PerPage)
		}
		entries = append(entries, page...)
		next := nextCursor(resp.resultInfo)
		switch {
		case len(page) == 0 || next == "":
			return entries, false, nil
		case next == cursor:
			return entries, false, fmt.Errorf("GET %s: the server returned the same cursor twice", path)
		case len(entries) >= q.MaxEntries || (q.Done != nil && q.Done(entries)):
			return entries, true, nil
		}
		cursor = next
	}
	return entries, true, nil
}

// nextCursor reads result_info.cursors.after of a version-2 list answer.
func nextCursor(info *ResultInfo) string {
	if info == nil || info.Cursors == nil {
		return ""
	}
	return info.Cursors.After
}
