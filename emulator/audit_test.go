package emulator

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func auditPath(acct string, q url.Values) string {
	return "/accounts/" + acct + "/logs/audit?" + q.Encode()
}

// TestAuditLogRecordsWritesByActor: every successful write is logged once,
// under the credential's actor (token, key, dashboard), never a failed one,
// and never the token itself.
func TestAuditLogRecordsWritesByActor(t *testing.T) {
	s := start(t, Options{Tokens: []string{testToken}, Keys: []APIKey{{Email: "ops@example.com", Key: "k-CANARY"}}, AutoAccounts: true}, false)
	acct := strings.Repeat("a", 32)
	body := map[string]any{"name": "GitHub", "type": "github", "config": map[string]any{"client_id": "x", "client_secret": "y"}}
	created := do(t, s, http.MethodPost, idpPath(acct), body)
	expect(t, created, http.StatusCreated, 0)
	id := created.str("id")
	body["config"] = map[string]any{"client_id": "z"}
	expect(t, callWith(t, s, http.MethodPut, idpPath(acct)+"/"+id, body, map[string]string{"Authorization": "Bearer " + testToken, DashboardHeader: "alice@example.com"}), http.StatusOK, 0)
	expect(t, callWith(t, s, http.MethodDelete, idpPath(acct)+"/"+id, nil, map[string]string{"X-Auth-Email": "ops@example.com", "X-Auth-Key": "k-CANARY"}), http.StatusAccepted, 0)
	// A refused write is not logged.
	expect(t, do(t, s, http.MethodDelete, idpPath(acct)+"/"+id, nil), http.StatusNotFound, CodeIdPNotFound)

	now := s.Emulator.Now()
	q := url.Values{"since": {now.Add(-time.Hour).Format(time.RFC3339)}, "before": {now.Add(time.Hour).Format(time.RFC3339)}, "direction": {"asc"}}
	r := do(t, s, http.MethodGet, auditPath(acct, q), nil)
	expect(t, r, http.StatusOK, 0)
	if strings.Contains(string(r.Body), testToken) || strings.Contains(string(r.Body), "CANARY") {
		t.Fatalf("the audit log carries a credential: %s", r.Body)
	}
	var got []AuditEntry
	r.result(t, &got)
	want := []struct{ action, context, who string }{
		{"create", AuditContextToken, "emulator-"},
		{"update", AuditContextDash, "alice@example.com"},
		{"delete", AuditContextKey, "ops@example.com"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d: %s", len(got), len(want), r.Body)
	}
	for i, w := range want {
		e := got[i]
		who := e.Actor.Email + e.Actor.TokenName
		if e.Action.Type != w.action || e.Actor.Context != w.context || !strings.HasPrefix(who, w.who) || e.Resource.ID != id || e.Resource.Type != "identity_provider" {
			t.Errorf("entry %d: %+v, want %s by %s (%s) of %s", i, e, w.action, w.who, w.context, id)
		}
	}
}

func TestAuditLogQueryChecks(t *testing.T) {
	s := start(t, Options{AutoAccounts: true}, false)
	acct := strings.Repeat("b", 32)
	now := time.Now().UTC()
	since, before := now.Add(-time.Hour).Format(time.RFC3339), now.Add(time.Hour).Format(time.RFC3339)
	for _, tt := range []struct {
		name   string
		q      url.Values
		status int
	}{
		{"since missing", url.Values{"before": {before}}, http.StatusBadRequest},
		{"before missing", url.Values{"since": {since}}, http.StatusBadRequest},
		{"bad date", url.Values{"since": {"yesterday"}, "before": {before}}, http.StatusBadRequest},
		{"date only", url.Values{"since": {"2019-04-30"}, "before": {before}}, http.StatusOK},
		{"limit too large", url.Values{"since": {since}, "before": {before}, "limit": {"1001"}}, http.StatusBadRequest},
		{"bad cursor", url.Values{"since": {since}, "before": {before}, "cursor": {"!!"}}, http.StatusBadRequest},
		{"bad direction", url.Values{"since": {since}, "before": {before}, "direction": {"up"}}, http.StatusBadRequest},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if r := do(t, s, http.MethodGet, auditPath(acct, tt.q), nil); r.Status != tt.status {
				t.Errorf("status %d, want %d: %s", r.Status, tt.status, r.Body)
			}
		})
	}
	if err := s.Emulator.SetTokenLacks([]Scope{ScopeAccount}); err != nil {
		t.Fatal(err)
	}
	q := url.Values{"since": {since}, "before": {before}}
	expect(t, do(t, s, http.MethodGet, auditPath(acct, q), nil), http.StatusForbidden, CodeAuthentication)
}
