package cloudflare_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/emulator"
)

// TestAuditLogPagesNewestFirst reads an audit log of more entries than a page
// holds: every write is there once, newest first, with the credential's
// actor, and the read stops at MaxEntries, saying the log went on.
func TestAuditLogPagesNewestFirst(t *testing.T) {
	srv := startEmulator(t, emulator.Options{AutoAccounts: true})
	c := emuClient(t, srv, true, nil)
	ctx := context.Background()
	acct := hex32()
	var ids []string
	for i := range 7 {
		idp, err := c.CreateIdentityProvider(ctx, acct, samlIdP("idp"+string(rune('a'+i))))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, idp.ID)
	}
	now := srv.Emulator.Now()
	q := cloudflare.AuditQuery{Since: now.Add(-time.Hour), Before: now.Add(time.Minute), PerPage: 3}
	got, truncated, err := c.AuditLog(ctx, acct, q)
	if err != nil {
		t.Fatal(err)
	}
	if truncated || len(got) != 7 {
		t.Fatalf("read %d entries (truncated %v), want all 7", len(got), truncated)
	}
	for i, e := range got {
		if want := ids[len(ids)-1-i]; e.Resource.ID != want || e.Action.Type != "create" || e.Resource.Type != "identity_provider" {
			t.Errorf("entry %d: %+v, want the create of %s", i, e, want)
		}
		if e.Actor.Context != "api_token" || e.Actor.TokenName == "" || e.Actor.Type != "user" {
			t.Errorf("entry %d: actor %+v, want a named API token", i, e.Actor)
		}
		if i > 0 && e.Action.Time.After(got[i-1].Action.Time) {
			t.Errorf("entry %d is newer than entry %d", i, i-1)
		}
	}
	q.MaxEntries = 4
	got, truncated, err = c.AuditLog(ctx, acct, q)
	if err != nil || !truncated || len(got) > 6 {
		t.Fatalf("with MaxEntries 4: %d entries, truncated %v, err %v; want a bounded read that says it stopped", len(got), truncated, err)
	}

	if err := srv.Emulator.SetTokenLacks([]emulator.Scope{emulator.ScopeAccount}); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.AuditLog(ctx, acct, q)
	var apiErr *cloudflare.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden {
		t.Fatalf("denied: err %v, want a 403 APIError", err)
	}
}
