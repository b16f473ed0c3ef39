package engine_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/plan"
)

// fakeAudit serves audit logs by account and counts the reads.
type fakeAudit struct {
	mu      sync.Mutex
	logs    map[string][]cloudflare.AuditEntry
	err     error
	queries map[string]int
}

func (f *fakeAudit) AuditLog(_ context.Context, acct string, q cloudflare.AuditQuery) ([]cloudflare.AuditEntry, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries[acct]++
	if f.err != nil {
		return nil, false, f.err
	}
	if q.MaxEntries <= 0 || q.Since.IsZero() || !q.Before.After(q.Since) {
		return nil, false, nil
	}
	return f.logs[acct], false, nil
}

func entry(id, typ, action, actorType, context, email, token string, at time.Time) cloudflare.AuditEntry {
	var e cloudflare.AuditEntry
	e.Resource.ID, e.Resource.Type = id, typ
	e.Action.Type, e.Action.Time = action, at
	e.Actor.Type, e.Actor.Context, e.Actor.Email, e.Actor.TokenName = actorType, context, email, token
	return e
}

func TestAttribute(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	const a, b, quiet = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "cccccccccccccccccccccccccccccccc"
	f := &fakeAudit{queries: map[string]int{}, logs: map[string][]cloudflare.AuditEntry{
		a: {
			entry("idp-1", "identity_provider", "update", "user", "dash", "alice@example.com", "", now.Add(-time.Hour)),
			entry("idp-1", "identity_provider", "update", "user", "api_token", "", "ci", now.Add(-2*time.Hour)),
			entry("gone", "identity_provider", "delete", "user", "api_token", "", "ci", now.Add(-3*time.Hour)),
		},
		b: {
			entry("set-1", "saml_certificate_set", "update", "system", "", "", "", now.Add(-time.Minute)),
		},
	}}
	r := &plan.DriftReport{Items: []plan.DriftItem{
		{Category: plan.DriftChanged, Address: "account[a].idp[X]", AccountID: a, ResourceID: "idp-1"},
		{Category: plan.DriftMissing, Address: "account[a].idp[Y]", AccountID: a},
		{Category: plan.DriftMissing, Address: "account[a].idp[Y].grant", AccountID: a},
		{Category: plan.DriftCertificate, Address: "account[b].idp[Z].encryption.certificate_set", AccountID: b, ResourceID: "set-1"},
		{Category: plan.DriftUnverifiable, Address: "account[c].idp[Q]", AccountID: quiet, ResourceID: "q"},
	}}
	if err := engine.Attribute(context.Background(), f, r, now, 2); err != nil {
		t.Fatal(err)
	}
	if f.queries[a] != 1 || f.queries[b] != 1 || f.queries[quiet] != 0 {
		t.Errorf("queries %v: want one per account with drift, none for an account with only unverifiable fields", f.queries)
	}
	byAddr := map[string]plan.DriftItem{}
	for _, it := range r.Items {
		byAddr[it.Address] = it
	}
	if at := byAddr["account[a].idp[X]"].Attribution; at == nil || at.Actor != "alice@example.com" || at.Interface != "dashboard" || at.Action != "update" {
		t.Errorf("X: %+v, want the newest change, alice in the dashboard", at)
	}
	if at := byAddr["account[a].idp[Y]"].Attribution; at == nil || !at.Inferred || at.Actor != "API token ci" || at.Interface != "api" {
		t.Errorf("Y: %+v, want the only IdP deletion, inferred", at)
	}
	if at := byAddr["account[a].idp[Y].grant"].Attribution; at != nil {
		t.Errorf("a missing child was attributed by elimination: %+v", at)
	}
	if it := byAddr["account[b].idp[Z].encryption.certificate_set"]; it.Category != plan.DriftCloudflare || it.Cause != plan.DriftCertificate || it.Attribution.Actor != "Cloudflare" {
		t.Errorf("Z: %+v, want cloudflare-initiated", it)
	}
	if r.AttributionUnavailable != "" {
		t.Errorf("AttributionUnavailable = %q", r.AttributionUnavailable)
	}

	// Nothing drifted: no read at all.
	f.queries = map[string]int{}
	empty := &plan.DriftReport{Items: []plan.DriftItem{{Category: plan.DriftUnverifiable, AccountID: a}}}
	if err := engine.Attribute(context.Background(), f, empty, now, 2); err != nil || len(f.queries) != 0 {
		t.Errorf("no drift: %v reads, err %v", f.queries, err)
	}
}

// TestAttributeUnavailable: a token that may not read the audit log is said
// once for all accounts, naming the permission and quoting nothing the
// server wrote.
func TestAttributeUnavailable(t *testing.T) {
	f := &fakeAudit{queries: map[string]int{}, err: &cloudflare.APIError{Status: http.StatusForbidden,
		Errors: []cloudflare.Message{{Code: 10000, Message: "\x1b[31mSERVER-TEXT"}}}}
	r := &plan.DriftReport{}
	for _, acct := range []string{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"} {
		r.Items = append(r.Items, plan.DriftItem{Category: plan.DriftChanged, AccountID: acct, ResourceID: "x"})
	}
	if err := engine.Attribute(context.Background(), f, r, time.Now(), 1); err != nil {
		t.Fatal(err)
	}
	want := "attribution unavailable (needs Account Settings Read) (and for 1 more accounts)"
	if r.AttributionUnavailable != want {
		t.Errorf("AttributionUnavailable = %q, want %q", r.AttributionUnavailable, want)
	}
	if strings.Contains(r.AttributionUnavailable, "SERVER-TEXT") {
		t.Error("server text reached the report")
	}
	for _, it := range r.Items {
		if it.Attribution != nil {
			t.Errorf("attributed without a log: %+v", it)
		}
	}
}

func TestIsIdPAddress(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"account[a].idp[Okta]", true},
		{"zone[docs].idp[GitHub]", true},
		{"account[a.b].idp[x.grant]", true},
		{"account[a].idp[Okta].grant", false},
		{"account[a].idp[Okta].share.recipient[0123]", false},
		{"account[a].idp[Okta].scim_secret", false},
		{"account[a].idp[Okta] (duplicate 9f)", false},
		{"account[a]", false},
		{"Okta", false},
	} {
		if got := engine.IsIdPAddress(tt.in); got != tt.want {
			t.Errorf("isIdPAddress(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
