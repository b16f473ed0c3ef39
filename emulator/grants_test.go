package emulator

import (
	"testing"

	"github.com/idpsync/idpsync/cloudflare"
)

func grantPath(acct string) string { return "/accounts/" + acct + "/access/idp_federation_grants" }

func newIdP(t *testing.T, s *Server, acct, typ string) string {
	t.Helper()
	r := do(t, s, "POST", idpPath(acct), map[string]any{"name": typ, "type": typ, "config": map[string]any{}})
	expect(t, r, 201, 0)
	return r.str("id")
}

func TestGrants(t *testing.T) {
	s := start(t, Options{MaxFederatedIdPs: 2}, true)
	gh := newIdP(t, s, acctA, "github")
	cf := newIdP(t, s, acctA, "cloudflare")
	standalone := newIdP(t, s, acctC, "github")

	r := do(t, s, "POST", grantPath(acctA), map[string]any{"idp_id": gh})
	expect(t, r, 201, 0)
	checkFamily(t, r, false)
	var raw map[string]any
	r.result(t, &raw)
	if id, _ := raw["id"].(string); !isHex32Test(id) || raw["idp_id"] != gh || len(raw) != 2 {
		t.Fatalf("grant %v, want only id and idp_id (no created_at: the SDK's IdPFederationGrant has none)", raw)
	}
	var g cloudflare.Grant
	r.result(t, &g)

	tests := []struct {
		name         string
		acct         string
		body         any
		status, code int
		pointer      string
	}{
		{"no body", acctA, nil, 400, CodeMalformedBody, ""},
		{"no idp_id", acctA, map[string]any{}, 400, CodeMissingField, "/idp_id"},
		{"unknown idp", acctA, map[string]any{"idp_id": "00000000-0000-4000-8000-000000000000"}, 400, CodeGrantIdPNotFound, "/idp_id"},
		{"onetimepin", acctA, map[string]any{"idp_id": otpID}, 400, CodeNotFederable, "/idp_id"},
		{"cloudflare", acctA, map[string]any{"idp_id": cf}, 400, CodeNotFederable, "/idp_id"},
		{"second grant for the IdP", acctA, map[string]any{"idp_id": gh}, 409, CodeGrantExists, "/idp_id"},
		{"account outside any organization", acctC, map[string]any{"idp_id": standalone}, 400, CodeNoOrganization, ""},
		{"over the limit", acctA, map[string]any{"idp_id": samlID}, 400, CodeGrantLimit, ""}, // seed grant + gh = 2
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, "POST", grantPath(tt.acct), tt.body)
			expect(t, r, tt.status, tt.code)
			checkFamily(t, r, false)
			if r.pointer() != tt.pointer {
				t.Errorf("pointer %q, want %q", r.pointer(), tt.pointer)
			}
		})
	}

	r = do(t, s, "GET", grantPath(acctA), nil)
	expect(t, r, 200, 0)
	var grants []cloudflare.Grant
	r.result(t, &grants)
	if len(grants) != 2 || r.Env["result_info"] == nil {
		t.Fatalf("list: %s", r.Body)
	}
	expect(t, do(t, s, "GET", grantPath(acctA)+"/"+g.ID, nil), 200, 0)
	expect(t, do(t, s, "GET", grantPath(acctB)+"/"+g.ID, nil), 404, CodeGrantNotFound)

	// The IdP cannot go while the grant exists; after the grant it can.
	expect(t, do(t, s, "DELETE", idpPath(acctA)+"/"+gh, nil), 409, CodeIdPHasGrant)
	r = do(t, s, "DELETE", grantPath(acctA)+"/"+g.ID, nil)
	expect(t, r, 202, 0)
	if r.str("id") != g.ID {
		t.Errorf("delete result %s", r.Body)
	}
	expect(t, do(t, s, "DELETE", grantPath(acctA)+"/"+g.ID, nil), 404, CodeGrantNotFound)
	expect(t, do(t, s, "GET", grantPath(acctA)+"/"+g.ID, nil), 404, CodeGrantNotFound)
	expect(t, do(t, s, "DELETE", idpPath(acctA)+"/"+gh, nil), 202, 0)
}

func TestGrantDefaultLimitIsFive(t *testing.T) {
	s := start(t, Options{AutoAccounts: true}, false)
	for i := 0; i < 5; i++ {
		expect(t, do(t, s, "POST", grantPath(acctA), map[string]any{"idp_id": newIdP(t, s, acctA, "github")}), 201, 0)
	}
	expect(t, do(t, s, "POST", grantPath(acctA), map[string]any{"idp_id": newIdP(t, s, acctA, "github")}), 400, CodeGrantLimit)
}
