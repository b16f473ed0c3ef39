package contract

import (
	"strings"
	"testing"
)

// TestChecks shows the checker refuses what the document forbids, so that
// the tests that run traffic through it cannot pass vacuously.
func TestChecks(t *testing.T) {
	spec, err := Load("../testdata/access-subset.openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const acct = "/accounts/023e105f4ecef8ad9ca31a8372d0c353"
	requests := []struct {
		name, method, path, query, body string
		wantErr                         string
	}{
		{"IdP list at the documented maximum", "GET", acct + "/access/identity_providers", "page=1&per_page=1000", "", ""},
		{"IdP list past the maximum", "GET", acct + "/access/identity_providers", "page=1&per_page=1001", "", "per_page"},
		{"certificate sets at 100", "GET", acct + "/access/saml_certificates", "page=2&per_page=100", "", ""},
		{"share list past its maximum", "GET", acct + "/shares", "page=1&per_page=101", "", "per_page"},
		{"undeclared query parameter", "GET", acct + "/access/idp_federation_grants", "page=1", "", "not declared"},
		{"grant create", "POST", acct + "/access/idp_federation_grants", "", `{"idp_id":"a79de439-0e7f-4ebb-8a02-222222222222"}`, ""},
		{"share create without resources", "POST", acct + "/shares", "", `{"name":"n","recipients":[]}`, "resources"},
		{"body where none is taken", "POST", acct + "/access/identity_providers/a79de439-0e7f-4ebb-8a02-222222222222/saml_certificate", "", `{}`, "takes no body"},
		{"unknown path", "GET", acct + "/access/nothing", "", "", "no operation"},
	}
	for _, tt := range requests {
		t.Run(tt.name, func(t *testing.T) {
			err := spec.CheckRequest(tt.method, tt.path, tt.query, []byte(tt.body))
			checkErr(t, err, tt.wantErr)
		})
	}
	responses := []struct {
		name, method, path string
		status             int
		body, wantErr      string
	}{
		{"grant without created_at", "GET", acct + "/access/idp_federation_grants/9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f", 200,
			`{"success":true,"errors":[],"messages":[],"result":{"id":"9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f","idp_id":"a79de439-0e7f-4ebb-8a02-222222222222"}}`, ""},
		{"grant without idp_id", "GET", acct + "/access/idp_federation_grants/9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f", 200,
			`{"success":true,"errors":[],"messages":[],"result":{"id":"9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f"}}`, "idp_id"},
		{"Access failure without messages", "GET", acct + "/access/identity_providers", 404,
			`{"success":false,"errors":[{"code":7003,"message":"No route"}],"result":null}`, "messages"},
		{"undeclared status", "DELETE", acct + "/access/identity_providers/a79de439-0e7f-4ebb-8a02-222222222222", 200,
			`{"success":true,"errors":[],"messages":[],"result":{"id":"a79de439-0e7f-4ebb-8a02-222222222222"}}`, "not declared"},
	}
	for _, tt := range responses {
		t.Run(tt.name, func(t *testing.T) {
			err := spec.CheckResponse(tt.method, tt.path, tt.status, "application/json", []byte(tt.body))
			checkErr(t, err, tt.wantErr)
		})
	}
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Fatalf("err = %v, want one mentioning %q", err, want)
	}
}
