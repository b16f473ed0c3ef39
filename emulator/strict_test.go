package emulator

import (
	"net/http"
	"strconv"
	"testing"
)

// TestLeniencies shows, for each leniency, what the strict default refuses or
// reports differently, and that the flag is what changes it: a client test
// that passed only thanks to one would fail here first.
func TestLeniencies(t *testing.T) {
	bearer := map[string]string{"Authorization": "Bearer " + testToken}
	tests := []struct {
		name string
		on   Leniency
		// check runs against a seeded emulator and reports what it saw.
		check           func(t *testing.T, s *Server) string
		strict, lenient string
	}{
		{
			name: "ShareTokens", on: Leniency{ShareTokens: true},
			check: func(t *testing.T, s *Server) string {
				r := callWith(t, s, "GET", sharePath(acctA), nil, bearer)
				return http.StatusText(r.Status)
			},
			strict: "Forbidden", lenient: "OK",
		},
		{
			name: "FilteredTotalCount", on: Leniency{FilteredTotalCount: true},
			check: func(t *testing.T, s *Server) string {
				// No seeded IdP has SCIM on: the filter keeps none of three.
				r := do(t, s, "GET", idpPath(acctA)+"?scim_enabled=true", nil)
				expect(t, r, 200, 0)
				info := r.Env["result_info"].(map[string]any)
				return jsonNumber(info["count"]) + " of " + jsonNumber(info["total_count"])
			},
			strict: "0 of 3", lenient: "0 of 0",
		},
		{
			name: "PerPage", on: Leniency{PerPage: true},
			check: func(t *testing.T, s *Server) string {
				// The API reference caps certificate sets at 100 a page.
				ok := do(t, s, "GET", "/accounts/"+acctA+"/access/saml_certificates?per_page=100", nil)
				r := do(t, s, "GET", "/accounts/"+acctA+"/access/saml_certificates?per_page=1000", nil)
				return http.StatusText(ok.Status) + ", " + http.StatusText(r.Status)
			},
			strict: "OK, Bad Request", lenient: "OK, OK",
		},
		{
			name: "AccessOrganization", on: Leniency{AccessOrganization: true},
			check: func(t *testing.T, s *Server) string {
				r := do(t, s, "GET", "/accounts/"+acctA+"/access/organizations", nil)
				return http.StatusText(r.Status)
			},
			strict: "Not Found", lenient: "OK",
		},
		{
			name: "TotalPages", on: Leniency{TotalPages: true},
			check: func(t *testing.T, s *Server) string {
				idps := do(t, s, "GET", idpPath(acctA), nil).Env["result_info"].(map[string]any)
				grants := do(t, s, "GET", "/accounts/"+acctA+"/access/idp_federation_grants", nil).Env["result_info"].(map[string]any)
				_, onIdPs := idps["total_pages"]
				_, onGrants := grants["total_pages"]
				return map[bool]string{true: "idps", false: "-"}[onIdPs] + " " + map[bool]string{true: "grants", false: "-"}[onGrants]
			},
			strict: "- grants", lenient: "idps grants",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.check(t, start(t, Options{}, true)); got != tt.strict {
				t.Errorf("strict: %s, want %s", got, tt.strict)
			}
			if got := tt.check(t, start(t, Options{Lenient: tt.on}, true)); got != tt.lenient {
				t.Errorf("lenient: %s, want %s", got, tt.lenient)
			}
		})
	}
}

func jsonNumber(v any) string {
	f, _ := v.(float64)
	return strconv.Itoa(int(f))
}

// TestTokenScopes: a token without a permission gets 403 where it needs it,
// and only there; the global API key carries every permission.
func TestTokenScopes(t *testing.T) {
	bearer := map[string]string{"Authorization": "Bearer " + testToken}
	key := map[string]string{"X-Auth-Email": testEmail, "X-Auth-Key": testKey}
	newIdP := map[string]any{"name": "x", "type": "github", "config": map[string]any{}}
	tests := []struct {
		lacks        []Scope
		method, path string
		body         any
		status       int
	}{
		{nil, "GET", "/accounts/" + acctA, nil, 200},
		{[]Scope{ScopeAccount}, "GET", "/accounts/" + acctA, nil, 403},
		{[]Scope{ScopeAccount}, "GET", idpPath(acctA), nil, 200},
		{[]Scope{ScopeAccess}, "GET", idpPath(acctA), nil, 403},
		{[]Scope{ScopeAccess}, "GET", "/accounts/" + acctA + "/access/organizations", nil, 403},
		{[]Scope{ScopeAccess}, "GET", "/accounts/" + acctA + "/access/saml_certificates", nil, 403},
		{[]Scope{ScopeAccess}, "GET", "/accounts/" + acctA + "/access/apps", nil, 200},
		{[]Scope{ScopeAccess + ":write"}, "GET", idpPath(acctA), nil, 200},
		{[]Scope{ScopeAccess + ":write"}, "POST", idpPath(acctA), newIdP, 403},
		{[]Scope{ScopeApps}, "GET", "/accounts/" + acctA + "/access/apps", nil, 403},
		{[]Scope{ScopeApps}, "GET", "/zones/" + zoneA + "/access/apps", nil, 403},
	}
	for _, tt := range tests {
		s := start(t, Options{TokenLacks: tt.lacks}, true)
		if tt.status == 403 {
			// the zone must exist for the zone route to be more than a 404
			s.Emulator.Load(withZone(loadSeed(t)))
		}
		r := callWith(t, s, tt.method, tt.path, tt.body, bearer)
		if r.Status != tt.status {
			t.Errorf("lacking %v: %s %s = %d, want %d\n%s", tt.lacks, tt.method, tt.path, r.Status, tt.status, r.Body)
			continue
		}
		if tt.status == 403 {
			expect(t, r, 403, CodeAuthentication)
			if k := callWith(t, s, tt.method, tt.path, tt.body, key); k.Status == 403 {
				t.Errorf("lacking %v: the global key was refused on %s %s", tt.lacks, tt.method, tt.path)
			}
		}
	}
	if _, err := New(Options{TokenLacks: []Scope{"everything"}}); err == nil {
		t.Error("an unknown scope was accepted")
	}
}

func withZone(d *Data) *Data {
	for _, z := range d.Zones {
		if z.ID == zoneA {
			return d
		}
	}
	d.Zones = append(d.Zones, Zone{ID: zoneA, Name: "docs.example.com"})
	return d
}
