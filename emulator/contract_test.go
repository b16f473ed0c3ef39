package emulator

import (
	"bytes"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/idpsync/idpsync/emulator/contract"
)

// specPath is the contract: Cloudflare's OpenAPI subset, kept in the
// repository so that the test runs in any clone.
const specPath = "testdata/access-subset.openapi.yaml"

func loadSpec(t testing.TB) *contract.Spec {
	t.Helper()
	spec, err := contract.Load(specPath)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// specSchemas returns the named component schemas of the contract.
func specSchemas(t *testing.T) func(name string) *jsonschema.Schema {
	spec := loadSpec(t)
	return func(name string) *jsonschema.Schema {
		t.Helper()
		sch, err := spec.Schema(name)
		if err != nil {
			t.Fatalf("compile %s: %v", name, err)
		}
		return sch
	}
}

func TestContract(t *testing.T) {
	schema := specSchemas(t)
	// Besides the named schema of each case, every exchange is held to the
	// operation the contract declares for it.
	// The cases send bad requests on purpose, so only responses count here;
	// the client's requests are checked in package cloudflare's tests.
	s := start(t, Options{AutoAccounts: true, Wrap: loadSpec(t).Middleware(APIPrefix, func(err error) {
		if !strings.HasPrefix(err.Error(), "request: ") {
			t.Error(err)
		}
	})}, false)
	seed := loadSeed(t)
	seed.DefaultOrganizationID = orgID // accounts created on first use join the seed organization
	if err := s.Emulator.Load(seed); err != nil {
		t.Fatal(err)
	}

	// State for every response shape: an encrypted SAML IdP, a rotated set,
	// a SCIM IdP, a grant shared to an account.
	set := do(t, s, "POST", idpPath(acctA)+"/"+samlID+"/saml_certificate", nil)
	setID := set.str("uid")
	do(t, s, "POST", "/accounts/"+acctA+"/access/saml_certificates/"+setID+"/rotate", nil)
	do(t, s, "PUT", idpPath(acctA)+"/"+samlID, map[string]any{
		"name": "Corporate SAML", "type": "saml", "saml_certificate_set_id": setID,
		"config": map[string]any{"issuer_url": "i", "sso_target_url": "s", "enable_encryption": true, "header_attributes": []any{map[string]any{"attribute_name": "a", "header_name": "h"}}},
	})
	gh := do(t, s, "POST", idpPath(acctA), map[string]any{"name": "GH", "type": "github", "config": map[string]any{"client_id": "c", "client_secret": "x"}, "scim_config": map[string]any{"enabled": true}})
	doomed := newIdP(t, s, acctA, "google")
	grant := do(t, s, "POST", grantPath(acctA), map[string]any{"idp_id": gh.str("id")})
	doomedGrant := do(t, s, "POST", grantPath(acctA), map[string]any{"idp_id": doomed})
	share := postShare(t, s, []map[string]any{{"recipient_account_id": acctB}}, grant.str("id"))
	recs := recipients(t, s, share.ID)
	base := sharePath(acctA) + "/" + share.ID
	apps := "/accounts/" + acctA + "/access/apps"
	app := do(t, s, "POST", apps, map[string]any{"name": "Wiki", "domain": "wiki.example.com", "type": "self_hosted", "allowed_idps": []string{samlID}, "auto_redirect_to_identity": true})
	doomedApp := do(t, s, "POST", apps, map[string]any{"name": "Old", "domain": "old.example.com", "type": "self_hosted"})
	reusable := do(t, s, "POST", "/accounts/"+acctA+"/access/policies", map[string]any{"name": "Staff", "decision": "allow",
		"include": []any{map[string]any{"email_domain": map[string]any{"domain": "example.com"}}}})
	withPolicy := do(t, s, "POST", apps, map[string]any{"name": "Vault", "domain": "vault.example.com", "type": "self_hosted", "policies": []any{reusable.str("id")}})
	do(t, s, "POST", apps+"/"+withPolicy.str("id")+"/policies", map[string]any{"name": "Okta users", "decision": "allow",
		"include": []any{map[string]any{"login_method": map[string]any{"id": samlID}}}})
	zoneApp := do(t, s, "POST", "/zones/"+zoneA+"/access/apps", map[string]any{"name": "Zone app", "domain": "z.example.com", "type": "self_hosted"})

	tests := []struct {
		name, method, path string
		body               any
		schema             string
	}{
		{"IdP list", "GET", idpPath(acctA), nil, "access_response_collection"},
		{"IdP list with a federated connection", "GET", idpPath(acctB), nil, "access_response_collection"},
		{"IdP get", "GET", idpPath(acctA) + "/" + samlID, nil, "access_single_response-3"},
		{"IdP create", "POST", idpPath(acctA), map[string]any{"name": "P", "type": "passkeys", "config": map[string]any{}}, "access_single_response-3"},
		{"IdP update", "PUT", idpPath(acctA) + "/" + gh.str("id"), map[string]any{"name": "GH", "type": "github", "config": map[string]any{}}, "access_single_response-3"},
		{"IdP delete", "DELETE", idpPath(acctA) + "/" + otpID, nil, "access_id_response"},
		{"zone IdP create", "POST", "/zones/" + zoneA + "/access/identity_providers", map[string]any{"name": "Z", "type": "github", "config": map[string]any{"client_id": "c", "client_secret": "x"}, "scim_config": map[string]any{"enabled": true}}, "access_single_response-3"},
		{"zone IdP list", "GET", "/zones/" + zoneA + "/access/identity_providers", nil, "access_response_collection"},
		{"zone IdP unknown", "GET", "/zones/" + zoneA + "/access/identity_providers/00000000-0000-4000-8000-000000000000", nil, "access_api-response-common-failure"},
		{"SCIM secret refresh", "POST", idpPath(acctA) + "/" + gh.str("id") + "/refresh_scim_secret", nil, "access_single_response-3"},
		{"cert set create", "POST", idpPath(acctA) + "/" + samlID + "/saml_certificate", nil, "access_saml_certificate_set_response"},
		{"cert set list", "GET", "/accounts/" + acctA + "/access/saml_certificates", nil, "access_certificate_set_list_response"},
		{"cert set get", "GET", "/accounts/" + acctA + "/access/saml_certificates/" + setID, nil, "access_certificate_set_response"},
		{"cert set rotate", "POST", "/accounts/" + acctA + "/access/saml_certificates/" + setID + "/rotate", nil, "access_certificate_set_response"},
		{"grant list", "GET", grantPath(acctA), nil, "access_idp_federation_grant_list_response"},
		{"grant get", "GET", grantPath(acctA) + "/" + grant.str("id"), nil, "access_idp_federation_grant_response"},
		{"grant create", "POST", grantPath(acctA), map[string]any{"idp_id": samlID}, "access_idp_federation_grant_response"},
		{"grant delete", "DELETE", grantPath(acctA) + "/" + doomedGrant.str("id"), nil, "access_idp_federation_grant_id_response"},
		{"share list", "GET", sharePath(acctA) + "?include_resources=true&include_recipient_counts=true", nil, "resource-sharing_share_response_collection"},
		{"share list received", "GET", sharePath(acctB), nil, "resource-sharing_share_response_collection"},
		{"share get", "GET", base + "?include_resources=true&include_recipient_counts=true", nil, "resource-sharing_share_response_single"},
		{"share rename", "PUT", base, map[string]any{"name": "n"}, "resource-sharing_share_response_single"},
		{"recipient list", "GET", base + "/recipients?include_resources=true", nil, "resource-sharing_share_recipient_response_collection"},
		{"recipient get", "GET", base + "/recipients/" + recs[acctB].ID + "?include_resources=true", nil, "resource-sharing_share_recipient_response_single"},
		{"recipient add", "POST", base + "/recipients", map[string]any{"recipient_account_id": "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"}, "resource-sharing_share_recipient_response_single"},
		{"resource list", "GET", base + "/resources", nil, "resource-sharing_share_resource_response_collection"},
		{"resource get", "GET", base + "/resources/" + share.Resources[0].ID, nil, "resource-sharing_share_resource_response_single"},
		{"resource update", "PUT", base + "/resources/" + share.Resources[0].ID, map[string]any{"meta": map[string]any{"k": "v"}}, "resource-sharing_share_resource_response_single"},
		{"app list", "GET", apps + "?page=1&per_page=1", nil, "access_apps_components-schemas-response_collection"},
		{"app create", "POST", apps, map[string]any{"name": "Docs", "domain": "docs.example.com", "type": "self_hosted", "allowed_idps": []string{samlID, oktaID}}, "access_apps_components-schemas-single_response"},
		{"app get", "GET", apps + "/" + app.str("id"), nil, "access_apps_components-schemas-single_response"},
		{"app delete", "DELETE", apps + "/" + doomedApp.str("id"), nil, "access_id_response"},
		{"app create failure", "POST", apps, map[string]any{"name": "X", "domain": "x.example.com", "type": "self_hosted", "allowed_idps": []string{"00000000-0000-4000-8000-000000000000"}}, "access_api-response-common-failure"},
		{"reusable policy list", "GET", "/accounts/" + acctA + "/access/policies?page=1&per_page=5", nil, "access_policies_components-schemas-response_collection"},
		{"reusable policy create", "POST", "/accounts/" + acctA + "/access/policies", map[string]any{"name": "Admins", "decision": "allow",
			"include": []any{map[string]any{"everyone": map[string]any{}}}, "require": []any{map[string]any{"login_method": map[string]any{"id": samlID}}}}, "access_policies_components-schemas-single_response"},
		{"reusable policy create failure", "POST", "/accounts/" + acctA + "/access/policies", map[string]any{"name": "X", "decision": "maybe", "include": []any{}}, "access_api-response-common-failure"},
		{"app policy list", "GET", apps + "/" + withPolicy.str("id") + "/policies?page=1&per_page=10", nil, "access_policies_components-schemas-response_collection"},
		{"app policy create", "POST", apps + "/" + withPolicy.str("id") + "/policies", map[string]any{"name": "SRE", "decision": "allow",
			"include": []any{map[string]any{"saml": map[string]any{"attribute_name": "group", "attribute_value": "sre", "identity_provider_id": samlID}}}}, "access_policies_components-schemas-single_response"},
		{"app policy create failure", "POST", apps + "/" + withPolicy.str("id") + "/policies", map[string]any{"name": "X", "decision": "allow",
			"include": []any{map[string]any{"login_method": map[string]any{"id": "00000000-0000-4000-8000-000000000000"}}}}, "access_api-response-common-failure"},
		{"app policy list of an unknown app", "GET", apps + "/00000000-0000-4000-8000-000000000000/policies", nil, "access_api-response-common-failure"},
		{"zone app policy create", "POST", "/zones/" + zoneA + "/access/apps/" + zoneApp.str("id") + "/policies", map[string]any{"name": "Z", "decision": "bypass",
			"include": []any{map[string]any{"everyone": map[string]any{}}}}, "access_policies_components-schemas-single_response"},
		{"zone app policy list", "GET", "/zones/" + zoneA + "/access/apps/" + zoneApp.str("id") + "/policies", nil, "access_policies_components-schemas-response_collection"},
		{"account list", "GET", "/accounts?page=1&per_page=5", nil, "accounts_account_response_collection"},
		{"account list past the end", "GET", "/accounts?page=99&per_page=50", nil, "accounts_account_response_collection"},
		{"account list with per_page below 5", "GET", "/accounts?per_page=4", nil, "access_api-response-common-failure"},
		{"account details", "GET", "/accounts/" + acctA, nil, "accounts_account_response"},
		{"organization before it exists", "GET", "/accounts/" + acctA + "/access/organizations", nil, "access_api-response-common-failure"},
		{"organization create", "POST", "/accounts/" + acctA + "/access/organizations", map[string]any{"name": "team-a", "auth_domain": "team-a.cloudflareaccess.com"}, "access_single_response-organization"},
		{"organization create twice", "POST", "/accounts/" + acctA + "/access/organizations", map[string]any{"name": "team-a", "auth_domain": "team-a.cloudflareaccess.com"}, "access_api-response-common-failure"},
		{"organization get", "GET", "/accounts/" + acctA + "/access/organizations", nil, "access_single_response-organization"},
		{"organization update", "PUT", "/accounts/" + acctA + "/access/organizations", map[string]any{"auto_redirect_to_identity": true}, "access_single_response-organization"},
		{"Access failure", "GET", idpPath(acctA) + "/00000000-0000-4000-8000-000000000000", nil, "access_api-response-common-failure"},
		{"Access failure with pointer", "POST", idpPath(acctA), map[string]any{"name": "x", "type": "github", "config": map[string]any{"client_id": 1}}, "access_api-response-common-failure"},
		{"Access 404 route", "GET", "/accounts/" + acctA + "/access/nothing", nil, "access_api-response-common-failure"},
		{"share failure", "GET", sharePath(acctA) + "/ffffffffffffffffffffffffffffffff", nil, "resource-sharing_api-response-common-failure"},
		{"share validation failure", "POST", sharePath(acctA), map[string]any{}, "resource-sharing_api-response-common-failure"},
		{"share delete", "DELETE", base, nil, "resource-sharing_share_response_single"},
	}
	// The families really differ: a share failure lacks the messages the Access envelope requires.
	shareFailure := do(t, s, "GET", sharePath(acctA)+"/ffffffffffffffffffffffffffffffff", nil)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(shareFailure.Body))
	if err != nil {
		t.Fatal(err)
	}
	if schema("access_api-response-common-failure").Validate(inst) == nil {
		t.Fatal("a share failure validates as an Access failure; the schemas are not being applied")
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, tt.method, tt.path, tt.body)
			if r.Status >= 500 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.Body))
			if err != nil {
				t.Fatalf("response is not JSON: %v\n%s", err, r.Body)
			}
			if err := schema(tt.schema).Validate(inst); err != nil {
				t.Fatalf("%s %s does not match %s: %v\n%s", tt.method, tt.path, tt.schema, err, r.Body)
			}
			failure := r.Status >= 400
			if wantFailure := len(tt.schema) > 8 && tt.schema[len(tt.schema)-7:] == "failure"; failure != wantFailure {
				t.Fatalf("status %d for schema %s: %s", r.Status, tt.schema, r.Body)
			}
		})
	}
}

// TestContractCoversEveryRoute holds the emulator's routes and the contract
// to each other: a route the document lacks would go unchecked, and an
// operation the emulator lacks is an endpoint the client may call in vain.
func TestContractCoversEveryRoute(t *testing.T) {
	spec := loadSpec(t)
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, r := range e.served {
		served[r] = true
		method, path, _ := cut(r)
		if _, ok := spec.Find(method, path); !ok {
			t.Errorf("the emulator serves %s, which the contract lacks", r)
		}
	}
	for _, op := range spec.Ops() {
		if !served[op.Method+" "+op.Path] {
			t.Errorf("the contract declares %s %s, which the emulator does not serve", op.Method, op.Path)
		}
	}
}
