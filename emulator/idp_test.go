package emulator

import (
	"net/http"
	"strings"
	"testing"

	"github.com/idpsync/idpsync/cloudflare"
)

func TestAuthentication(t *testing.T) {
	s := start(t, Options{Tokens: []string{testToken}, Keys: []APIKey{{Email: "ops@example.com", Key: "k-123"}}}, true)
	tests := []struct {
		name   string
		path   string
		hdr    map[string]string
		status int
	}{
		{"bearer", idpPath(acctA), map[string]string{"Authorization": "Bearer " + testToken}, 200},
		{"email and key", idpPath(acctA), map[string]string{"X-Auth-Email": "ops@example.com", "X-Auth-Key": "k-123"}, 200},
		{"email and key on shares", sharePath(acctA), map[string]string{"X-Auth-Email": "ops@example.com", "X-Auth-Key": "k-123"}, 200},
		{"bearer on shares", sharePath(acctA), map[string]string{"Authorization": "Bearer " + testToken}, 403},
		{"no credentials", idpPath(acctA), nil, 403},
		{"wrong token", idpPath(acctA), map[string]string{"Authorization": "Bearer nope"}, 403},
		{"basic scheme", idpPath(acctA), map[string]string{"Authorization": "Basic abc"}, 403},
		{"key without email", idpPath(acctA), map[string]string{"X-Auth-Key": "k-123"}, 403},
		{"wrong key", sharePath(acctA), map[string]string{"X-Auth-Email": "ops@example.com", "X-Auth-Key": "bad"}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := callWith(t, s, "GET", tt.path, nil, tt.hdr)
			if tt.status == 403 {
				expect(t, r, 403, CodeAuthentication)
				if !strings.HasPrefix(r.message(), "Authentication error") {
					t.Errorf("message %q", r.message())
				}
			} else {
				expect(t, r, tt.status, 0)
			}
			checkFamily(t, r, strings.Contains(tt.path, "/shares"))
		})
	}
}

func TestRoutingAndAccounts(t *testing.T) {
	s := start(t, Options{}, true)
	tests := []struct {
		name, method, path string
		status, code       int
	}{
		{"unknown path", "GET", "/accounts/" + acctA + "/access/nothing", 404, CodeNoRoute},
		{"wrong method", "PATCH", idpPath(acctA), 404, CodeNoRoute},
		{"unknown account", "GET", idpPath("dddddddddddddddddddddddddddddddd"), 404, CodeAccountNotFound},
		{"unknown account on shares", "GET", sharePath("dddddddddddddddddddddddddddddddd"), 404, CodeAccountNotFound},
		{"unknown idp", "GET", idpPath(acctA) + "/00000000-0000-4000-8000-000000000000", 404, CodeIdPNotFound},
		{"idp of another account", "GET", idpPath(acctB) + "/" + oktaID, 404, CodeIdPNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, tt.method, tt.path, nil)
			expect(t, r, tt.status, tt.code)
			checkFamily(t, r, strings.Contains(tt.path, "/shares"))
		})
	}
}

func TestAutoAccounts(t *testing.T) {
	s := start(t, Options{AutoAccounts: true}, false)
	r := do(t, s, "GET", idpPath(acctA), nil)
	expect(t, r, 200, 0)
	r = do(t, s, "GET", idpPath("not-hex"), nil)
	expect(t, r, 404, CodeAccountNotFound)
	do(t, s, "GET", idpPath(acctB), nil)
	d := s.Emulator.Snapshot()
	if len(d.Accounts) != 2 || len(d.Organizations) != 1 {
		t.Fatalf("accounts %d organizations %d, want 2 and 1", len(d.Accounts), len(d.Organizations))
	}
	for _, a := range d.Accounts {
		if a.OrganizationID != d.DefaultOrganizationID || d.DefaultOrganizationID == "" {
			t.Errorf("account %s in organization %q, want the default %q", a.ID, a.OrganizationID, d.DefaultOrganizationID)
		}
	}
}

func TestIdPLifecycle(t *testing.T) {
	s := start(t, Options{}, true)
	body := map[string]any{
		"name": "GitHub", "type": "github",
		"config":      map[string]any{"client_id": "cid", "client_secret": "TOPSECRET"},
		"scim_config": map[string]any{"enabled": true, "user_deprovision": true, "seat_deprovision": true},
	}
	r := do(t, s, "POST", idpPath(acctA), body)
	expect(t, r, 201, 0)
	checkFamily(t, r, false)
	id := r.str("id")
	if len(id) != 36 {
		t.Fatalf("id %q is not a UUID", id)
	}
	if strings.Contains(string(r.Body), "TOPSECRET") {
		t.Fatal("create response leaks client_secret")
	}
	var created cloudflare.IdentityProvider
	r.result(t, &created)
	// The secret is returned once: by the create that enables SCIM.
	createdSecret, _ := created.SCIMConfig["secret"].(string)
	if createdSecret == "" {
		t.Fatal("the create that enables SCIM does not return scim_config.secret")
	}
	if created.SCIMConfig["scim_base_url"] == "" || created.SCIMConfig["scim_base_url"] == nil {
		t.Error("scim_base_url is not computed")
	}
	stored := s.Emulator.Snapshot()
	var secret string
	for _, p := range stored.IdentityProviders {
		if p.ID == id {
			secret, _ = p.Config["client_secret"].(string)
			if p.SCIMConfig["secret"] != createdSecret {
				t.Error("the SCIM secret returned is not the one stored")
			}
		}
	}
	if secret != "TOPSECRET" {
		t.Fatalf("stored client_secret %q", secret)
	}

	// Names need not be unique.
	expect(t, do(t, s, "POST", idpPath(acctA), body), 201, 0)

	for _, path := range []string{idpPath(acctA), idpPath(acctA) + "/" + id} {
		r = do(t, s, "GET", path, nil)
		expect(t, r, 200, 0)
		if strings.Contains(string(r.Body), "TOPSECRET") || strings.Contains(string(r.Body), `"secret"`) {
			t.Fatalf("GET %s leaks a secret: %s", path, r.Body)
		}
	}

	// PUT without the secret keeps it; PUT replaces the rest.
	put := map[string]any{"name": "GitHub renamed", "type": "github", "config": map[string]any{"client_id": "cid2"}}
	r = do(t, s, "PUT", idpPath(acctA)+"/"+id, put)
	expect(t, r, 200, 0)
	if r.str("name") != "GitHub renamed" {
		t.Errorf("name %q after PUT", r.str("name"))
	}
	for _, p := range s.Emulator.Snapshot().IdentityProviders {
		if p.ID == id && (p.Config["client_secret"] != "TOPSECRET" || p.Config["client_id"] != "cid2") {
			t.Errorf("config after PUT %v", p.Config)
		}
	}

	r = do(t, s, "DELETE", idpPath(acctA)+"/"+id, nil)
	expect(t, r, 202, 0)
	if r.str("id") != id {
		t.Errorf("delete result id %q", r.str("id"))
	}
	expect(t, do(t, s, "GET", idpPath(acctA)+"/"+id, nil), 404, CodeIdPNotFound)
	expect(t, do(t, s, "DELETE", idpPath(acctA)+"/"+id, nil), 404, CodeIdPNotFound)
}

func TestIdPComputedKeys(t *testing.T) {
	s := start(t, Options{}, true)
	r := do(t, s, "POST", idpPath(acctA), map[string]any{
		"name": "PIN", "type": "onetimepin", "config": map[string]any{"redirect_url": "https://ignored.example"},
	})
	expect(t, r, 201, 0)
	var p cloudflare.IdentityProvider
	r.result(t, &p)
	u, _ := p.Config["redirect_url"].(string)
	if !strings.HasSuffix(u, ".cloudflareaccess.com/cdn-cgi/access/callback") {
		t.Errorf("redirect_url %q is not computed by the server", u)
	}
}

func TestIdPValidation(t *testing.T) {
	s := start(t, Options{}, true)
	saml := func(cfg map[string]any) map[string]any {
		return map[string]any{"name": "S", "type": "saml", "config": cfg}
	}
	tests := []struct {
		name    string
		method  string
		path    string
		body    any
		status  int
		code    int
		pointer string
		msg     string
	}{
		{"not json", "POST", idpPath(acctA), "{", 400, CodeMalformedBody, "", "not valid JSON"},
		{"empty body", "POST", idpPath(acctA), nil, 400, CodeMalformedBody, "", "empty"},
		{"no name", "POST", idpPath(acctA), map[string]any{"type": "github", "config": map[string]any{}}, 400, CodeMissingField, "/name", "name is required"},
		{"no type", "POST", idpPath(acctA), map[string]any{"name": "x", "config": map[string]any{}}, 400, CodeMissingField, "/type", "type is required"},
		{"no config", "POST", idpPath(acctA), map[string]any{"name": "x", "type": "github"}, 400, CodeMissingField, "/config", "config is required"},
		{"bad type", "POST", idpPath(acctA), map[string]any{"name": "x", "type": "ldap", "config": map[string]any{}}, 400, CodeInvalidValue, "/type", "ldap"},
		{"wrong json type", "POST", idpPath(acctA), map[string]any{"name": "x", "type": "github", "config": map[string]any{"client_id": 5}}, 400, CodeInvalidValue, "/config/client_id", "must be a string"},
		{"bool as string", "POST", idpPath(acctA), saml(map[string]any{"sign_request": "yes"}), 400, CodeInvalidValue, "/config/sign_request", "boolean"},
		{"enum", "POST", idpPath(acctA), map[string]any{"name": "x", "type": "azureAD", "config": map[string]any{"prompt": "always"}}, 400, CodeInvalidValue, "/config/prompt", "must be one of"},
		{"int too small", "POST", idpPath(acctA), saml(map[string]any{"max_sso_url_length": 100}), 400, CodeInvalidValue, "/config/max_sso_url_length", "between 512 and 100000"},
		{"int not integral", "POST", idpPath(acctA), saml(map[string]any{"max_sso_url_length": 1000.5}), 400, CodeInvalidValue, "/config/max_sso_url_length", "integer"},
		{"string list", "POST", idpPath(acctA), saml(map[string]any{"attributes": []any{1}}), 400, CodeInvalidValue, "/config/attributes", "array of strings"},
		{"seat without user deprovision", "POST", idpPath(acctA), map[string]any{"name": "x", "type": "github", "config": map[string]any{}, "scim_config": map[string]any{"seat_deprovision": true}}, 400, CodeInvalidValue, "/scim_config/seat_deprovision", "user_deprovision"},
		{"encryption on create", "POST", idpPath(acctA), saml(map[string]any{"enable_encryption": true}), 400, CodeEncryptionNeedsSet, "/config/enable_encryption", "enable_encryption"},
		{"type change", "PUT", idpPath(acctA) + "/" + oktaID, map[string]any{"name": "x", "type": "github", "config": map[string]any{}}, 400, CodeTypeImmutable, "/type", "type cannot be changed"},
		{"encryption without set", "PUT", idpPath(acctA) + "/" + samlID, saml(map[string]any{"enable_encryption": true}), 400, CodeEncryptionNeedsSet, "/saml_certificate_set_id", "saml_certificate_set_id"},
		{"foreign set", "PUT", idpPath(acctA) + "/" + samlID, map[string]any{"name": "S", "type": "saml", "config": map[string]any{"enable_encryption": true}, "saml_certificate_set_id": "c409ef44-e72c-41c8-8c0b-278c8a6f4fd8"}, 400, CodeEncryptionNeedsSet, "/saml_certificate_set_id", "not assigned"},
		{"delete with grant", "DELETE", idpPath(acctA) + "/" + oktaID, nil, 409, CodeIdPHasGrant, "", "delete the grant first"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, tt.method, tt.path, tt.body)
			expect(t, r, tt.status, tt.code)
			checkFamily(t, r, false)
			if r.pointer() != tt.pointer {
				t.Errorf("pointer %q, want %q", r.pointer(), tt.pointer)
			}
			if !strings.Contains(r.message(), tt.msg) {
				t.Errorf("message %q does not mention %q", r.message(), tt.msg)
			}
			if r.Env["result"] != nil || r.Env["success"] != false {
				t.Errorf("failure envelope: %s", r.Body)
			}
		})
	}
}

func TestReadOnlyIdP(t *testing.T) {
	s := start(t, Options{}, false)
	d := loadSeed(t)
	d.IdentityProviders = append(d.IdentityProviders, IdentityProvider{
		AccountID: acctA, ID: "44444444-4444-4444-8444-444444444444", Name: "Managed", Type: "github", ReadOnly: true,
	})
	if err := s.Emulator.Load(d); err != nil {
		t.Fatal(err)
	}
	path := idpPath(acctA) + "/44444444-4444-4444-8444-444444444444"
	r := do(t, s, "GET", path, nil)
	expect(t, r, 200, 0)
	if r.Env["result"].(map[string]any)["read_only"] != true {
		t.Errorf("read_only not shown: %s", r.Body)
	}
	expect(t, do(t, s, "PUT", path, map[string]any{"name": "x", "type": "github", "config": map[string]any{}}), http.StatusForbidden, CodeReadOnlyIdP)
	expect(t, do(t, s, "DELETE", path, nil), http.StatusForbidden, CodeReadOnlyIdP)
}

func TestIdPPagination(t *testing.T) {
	// result_info.total_pages is the TotalPages leniency's: the strict
	// emulator leaves it out (TestStrictResultInfo).
	s := start(t, Options{AutoAccounts: true, Lenient: Leniency{TotalPages: true}}, false)
	for i := 0; i < 5; i++ {
		expect(t, do(t, s, "POST", idpPath(acctA), map[string]any{"name": "p", "type": "github", "config": map[string]any{}}), 201, 0)
	}
	tests := []struct {
		query                    string
		status, count, page, per int
		totalCount, totalPages   int
	}{
		{"", 200, 5, 1, 200, 5, 1},
		{"?per_page=2", 200, 2, 1, 2, 5, 3},
		{"?per_page=2&page=3", 200, 1, 3, 2, 5, 3},
		{"?per_page=2&page=4", 200, 0, 4, 2, 5, 3},
		{"?per_page=1000", 200, 5, 1, 1000, 5, 1},
		{"?per_page=1001", 400, 0, 0, 0, 0, 0},
		{"?page=0", 400, 0, 0, 0, 0, 0},
		{"?page=x", 400, 0, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := do(t, s, "GET", idpPath(acctA)+tt.query, nil)
			if tt.status != 200 {
				expect(t, r, tt.status, CodeInvalidPagination)
				return
			}
			expect(t, r, 200, 0)
			var items []cloudflare.IdentityProvider
			r.result(t, &items)
			if items == nil || len(items) != tt.count {
				t.Fatalf("%d items (nil=%v), want %d", len(items), items == nil, tt.count)
			}
			info := r.Env["result_info"].(map[string]any)
			got := []int{int(info["count"].(float64)), int(info["page"].(float64)), int(info["per_page"].(float64)), int(info["total_count"].(float64)), int(info["total_pages"].(float64))}
			want := []int{tt.count, tt.page, tt.per, tt.totalCount, tt.totalPages}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("result_info %v, want %v", got, want)
				}
			}
		})
	}
}

// TestIdPLeniency: where the documents are silent, the emulator accepts what
// the SDK's types allow, as the real API may, rather than refuse it.
func TestIdPLeniency(t *testing.T) {
	s := start(t, Options{AutoAccounts: true}, true)
	r := do(t, s, "POST", idpPath(acctA), map[string]any{
		"name": "x", "type": "github",
		"config":                  map[string]any{"client_id": "c", "future_key": "kept"},
		"scim_config":             map[string]any{"future_scim_key": true},
		"saml_certificate_set_id": "c409ef44-e72c-41c8-8c0b-278c8a6f4fd8",
	})
	expect(t, r, 201, 0)
	var p map[string]any
	r.result(t, &p)
	if cfg, _ := p["config"].(map[string]any); cfg["future_key"] != "kept" {
		t.Errorf("unknown config key not returned: %v", p["config"])
	}
	if scim, _ := p["scim_config"].(map[string]any); scim["future_scim_key"] != true {
		t.Errorf("unknown scim_config key not returned: %v", p["scim_config"])
	}
	if _, has := p["saml_certificate_set_id"]; has {
		t.Errorf("saml_certificate_set_id kept on a github IdP: %v", p)
	}
	r = do(t, s, "POST", idpPath(acctA), map[string]any{"name": "S2", "type": "saml", "config": map[string]any{"issuer_url": "i", "sso_target_url": "s", "header_attributes": []any{map[string]any{"attribute_name": "a", "header_name": "h", "future": "x"}}}})
	expect(t, r, 201, 0)
}

func TestSCIMSecretOnceAndRefresh(t *testing.T) {
	s := start(t, Options{}, true)
	body := map[string]any{"name": "Okta", "type": "okta",
		"config": map[string]any{"client_id": "c", "client_secret": "x", "okta_account": "https://example.okta.com"}}
	r := do(t, s, "POST", idpPath(acctA), body)
	expect(t, r, 201, 0)
	id := r.str("id")
	if strings.Contains(string(r.Body), `"secret"`) {
		t.Fatal("a create without SCIM returns a secret")
	}
	// Refreshing needs SCIM on.
	expect(t, do(t, s, "POST", idpPath(acctA)+"/"+id+"/refresh_scim_secret", nil), 400, 0)

	body["scim_config"] = map[string]any{"enabled": true}
	r = do(t, s, "PUT", idpPath(acctA)+"/"+id, body)
	expect(t, r, 200, 0)
	var first cloudflare.IdentityProvider
	r.result(t, &first)
	s1, _ := first.SCIMConfig["secret"].(string)
	if s1 == "" {
		t.Fatal("the update that first enables SCIM does not return the secret")
	}
	r = do(t, s, "PUT", idpPath(acctA)+"/"+id, body)
	expect(t, r, 200, 0)
	if strings.Contains(string(r.Body), `"secret"`) {
		t.Fatal("a later update returns the secret again")
	}
	r = do(t, s, "POST", idpPath(acctA)+"/"+id+"/refresh_scim_secret", nil)
	expect(t, r, 200, 0)
	var refreshed cloudflare.IdentityProvider
	r.result(t, &refreshed)
	s2, _ := refreshed.SCIMConfig["secret"].(string)
	if s2 == "" || s2 == s1 {
		t.Fatalf("refresh returned %q after %q, want a new secret", s2, s1)
	}
	r = do(t, s, "GET", idpPath(acctA)+"/"+id, nil)
	if strings.Contains(string(r.Body), s2) || strings.Contains(string(r.Body), `"secret"`) {
		t.Fatal("a read returns the SCIM secret")
	}
}
