package emulator

import (
	"testing"
	"time"

	"github.com/idpsync/idpsync/cloudflare"
)

const acctD = "dddddddddddddddddddddddddddddddd"

func grantResource(grant string) map[string]any {
	return map[string]any{"resource_id": grant, "resource_type": "idp-federation-grant", "resource_account_id": acctA, "meta": map[string]any{}}
}

func postShare(t *testing.T, s *Server, recipients []map[string]any, grant string) cloudflare.Share {
	t.Helper()
	r := do(t, s, "POST", sharePath(acctA), map[string]any{
		"name": "Identity provider: Okta", "recipients": recipients, "resources": []any{grantResource(grant)},
	})
	expect(t, r, 201, 0)
	checkFamily(t, r, true)
	var sh cloudflare.Share
	r.result(t, &sh)
	return sh
}

func recipients(t *testing.T, s *Server, share string) map[string]cloudflare.Recipient {
	t.Helper()
	r := do(t, s, "GET", sharePath(acctA)+"/"+share+"/recipients", nil)
	expect(t, r, 200, 0)
	var list []cloudflare.Recipient
	r.result(t, &list)
	out := map[string]cloudflare.Recipient{}
	for _, rc := range list {
		out[rc.AccountID] = rc
	}
	return out
}

// federated lists the read-only IdPs of acct.
func federated(t *testing.T, s *Server, acct string) []cloudflare.IdentityProvider {
	t.Helper()
	r := do(t, s, "GET", idpPath(acct), nil)
	expect(t, r, 200, 0)
	var all, out []cloudflare.IdentityProvider
	r.result(t, &all)
	for _, p := range all {
		if p.ReadOnly {
			out = append(out, p)
		}
	}
	return out
}

func TestShareLifecycleAccountTarget(t *testing.T) {
	s := start(t, Options{AutoAccounts: true}, true)
	do(t, s, "GET", idpPath(acctD), nil) // acctD joins the default organization, not the seed one

	sh := postShare(t, s, []map[string]any{{"recipient_account_id": acctB}}, seedGrant)
	if !isHex32Test(sh.ID) || sh.Status != "active" || sh.TargetType != "account" || sh.Kind != "sent" || sh.AccountName != "platform" || sh.OrganizationID != orgID {
		t.Fatalf("created share %+v", sh)
	}
	if len(sh.Resources) != 1 || !isHex32Test(sh.Resources[0].ID) || sh.Resources[0].Status != "active" {
		t.Fatalf("created share resources %+v", sh.Resources)
	}
	recs := recipients(t, s, sh.ID)
	if recs[acctB].AssociationStatus != "associated" || !isHex32Test(recs[acctB].ID) {
		t.Fatalf("recipient after the write: %+v", recs)
	}

	base := sharePath(acctA) + "/" + sh.ID
	tests := []struct {
		name, method, path string
		body               any
		status, code       int
	}{
		{"already a recipient", "POST", base + "/recipients", map[string]any{"recipient_account_id": acctB}, 409, CodeAlreadyRecipient},
		{"recipient outside the organization", "POST", base + "/recipients", map[string]any{"recipient_account_id": acctC}, 400, CodeRecipientOrg},
		{"recipient of another organization", "POST", base + "/recipients", map[string]any{"recipient_account_id": acctD}, 400, CodeRecipientOrg},
		{"owner as recipient", "POST", base + "/recipients", map[string]any{"account_id": acctA}, 400, CodeRecipientSelf},
		{"organization recipient on an account share", "POST", base + "/recipients", map[string]any{"organization_id": orgID}, 400, CodeRecipientMixedKind},
		{"both fields", "POST", base + "/recipients", map[string]any{"recipient_account_id": acctB, "organization_id": orgID}, 400, CodeInvalidValue},
		{"rename without name", "PUT", base, map[string]any{}, 400, CodeMissingField},
		{"unknown share", "GET", sharePath(acctA) + "/ffffffffffffffffffffffffffffffff", nil, 404, CodeShareNotFound},
		{"unknown recipient", "GET", base + "/recipients/ffffffffffffffffffffffffffffffff", nil, 404, CodeRecipientNotFound},
		{"unknown resource", "GET", base + "/resources/ffffffffffffffffffffffffffffffff", nil, 404, CodeShareResourceNotFnd},
		{"duplicate resource", "POST", base + "/resources", grantResource(seedGrant), 409, CodeResourceExists},
		{"resource of no grant", "POST", base + "/resources", grantResource("eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"), 400, CodeResourceInvalid},
		{"resource missing meta", "POST", base + "/resources", map[string]any{"resource_id": seedGrant, "resource_type": "idp-federation-grant", "resource_account_id": acctA}, 400, CodeMissingField},
		{"resource bad type", "POST", base + "/resources", map[string]any{"resource_id": seedGrant, "resource_type": "dns-record", "resource_account_id": acctA, "meta": map[string]any{}}, 400, CodeInvalidValue},
		{"per_page over 100", "GET", base + "/recipients?per_page=101", nil, 400, CodeInvalidPagination},
		{"other account cannot see recipients", "GET", sharePath(acctB) + "/" + sh.ID + "/recipients", nil, 404, CodeShareNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, tt.method, tt.path, tt.body)
			expect(t, r, tt.status, tt.code)
			checkFamily(t, r, true)
			if r.message() == "" {
				t.Error("error without a message")
			}
		})
	}

	// Rename.
	r := do(t, s, "PUT", base, map[string]any{"name": "renamed"})
	expect(t, r, 200, 0)
	if r.str("name") != "renamed" {
		t.Errorf("rename: %s", r.Body)
	}

	// Remove a recipient: disassociating in the response, disassociated later, still listed.
	rid := recs[acctB].ID
	r = do(t, s, "DELETE", base+"/recipients/"+rid, nil)
	expect(t, r, 200, 0)
	if r.str("association_status") != "disassociating" {
		t.Fatalf("remove: %s", r.Body)
	}
	if got := recipients(t, s, sh.ID)[acctB]; got.AssociationStatus != "disassociated" || got.ID != rid {
		t.Fatalf("after remove: %+v", got)
	}
	// Re-adding reactivates the same record.
	r = do(t, s, "POST", base+"/recipients", map[string]any{"account_id": acctB})
	expect(t, r, 201, 0)
	if r.str("id") != rid || r.str("association_status") != "associating" {
		t.Fatalf("re-add: %s", r.Body)
	}
	r = do(t, s, "GET", base+"/recipients/"+rid+"?include_resources=true", nil)
	var rc cloudflare.Recipient
	r.result(t, &rc)
	if rc.AssociationStatus != "associated" || len(rc.Resources) != 1 || rc.Resources[0].ResourceID != seedGrant {
		t.Fatalf("recipient with resources: %s", r.Body)
	}

	// PUT recipients computes the difference and answers 204 with no body.
	do(t, s, "GET", idpPath("eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"), nil) // another account of the default organization
	r = do(t, s, "PUT", base+"/recipients", []map[string]any{})
	expect(t, r, 204, 0)
	if len(r.Body) != 0 {
		t.Errorf("204 with a body: %q", r.Body)
	}
	if got := recipients(t, s, sh.ID)[acctB]; got.AssociationStatus != "disassociated" {
		t.Fatalf("after PUT []: %+v", got)
	}
	expect(t, do(t, s, "PUT", base+"/recipients", []map[string]any{{"recipient_account_id": acctB}, {"recipient_account_id": acctB}}), 204, 0)
	if got := recipients(t, s, sh.ID); len(got) != 1 || got[acctB].AssociationStatus != "associated" || got[acctB].ID != rid {
		t.Fatalf("after PUT [B]: %+v", got)
	}

	// Resources: add, update meta, remove.
	gh := newIdP(t, s, acctA, "github")
	gr := do(t, s, "POST", grantPath(acctA), map[string]any{"idp_id": gh})
	res := do(t, s, "POST", base+"/resources", grantResource(gr.str("id")))
	expect(t, res, 201, 0)
	resID := res.str("id")
	r = do(t, s, "PUT", base+"/resources/"+resID, map[string]any{"meta": map[string]any{"note": "x"}})
	expect(t, r, 200, 0)
	if r.Env["result"].(map[string]any)["resource_version"].(float64) != 2 {
		t.Errorf("meta update did not bump the version: %s", r.Body)
	}
	expect(t, do(t, s, "PUT", base+"/resources/"+resID, map[string]any{}), 400, CodeMissingField)
	r = do(t, s, "DELETE", base+"/resources/"+resID, nil)
	expect(t, r, 200, 0)
	if r.str("status") != "deleting" {
		t.Fatalf("resource delete: %s", r.Body)
	}
	r = do(t, s, "GET", base+"/resources?status=deleted", nil)
	if n := len(r.Env["result"].([]any)); n != 1 {
		t.Fatalf("deleted resources %d: %s", n, r.Body)
	}

	// Delete the share: deleting in the response, deleted later; then it is frozen.
	r = do(t, s, "DELETE", base, nil)
	expect(t, r, 200, 0)
	if r.str("status") != "deleting" {
		t.Fatalf("share delete: %s", r.Body)
	}
	r = do(t, s, "GET", base+"?include_recipient_counts=true", nil)
	var gone cloudflare.Share
	r.result(t, &gone)
	if gone.Status != "deleted" || gone.DisassociatedRecipientCount == nil || *gone.DisassociatedRecipientCount != 1 {
		t.Fatalf("after delete: %s", r.Body)
	}
	expect(t, do(t, s, "PUT", base, map[string]any{"name": "x"}), 400, CodeShareDeleting)
	expect(t, do(t, s, "POST", base+"/recipients", map[string]any{"recipient_account_id": acctB}), 400, CodeShareDeleting)
}

func TestShareOrganizationTarget(t *testing.T) {
	s := start(t, Options{AutoAccounts: true, AsyncDelay: time.Minute}, false)
	d := loadSeed(t)
	d.Shares, d.Recipients, d.ShareResources = nil, nil, nil
	d.DefaultOrganizationID = orgID // accounts created later join the seed organization
	if err := s.Emulator.Load(d); err != nil {
		t.Fatal(err)
	}
	sh := postShare(t, s, []map[string]any{{}}, seedGrant)
	if sh.TargetType != "organization" {
		t.Fatalf("target_type %q", sh.TargetType)
	}
	recs := recipients(t, s, sh.ID)
	if len(recs) != 1 || recs[acctB].AssociationStatus != "associating" {
		t.Fatalf("organization recipients with a delay: %+v", recs)
	}
	if len(federated(t, s, acctB)) != 0 {
		t.Fatal("connection visible before association completed")
	}
	s.Emulator.AdvanceClock(time.Minute)
	if recs = recipients(t, s, sh.ID); recs[acctB].AssociationStatus != "associated" {
		t.Fatalf("after the delay: %+v", recs)
	}
	// A new account of the organization is reached automatically.
	do(t, s, "GET", idpPath(acctD), nil)
	if recs = recipients(t, s, sh.ID); recs[acctD].AssociationStatus != "associating" || len(recs) != 2 {
		t.Fatalf("new member: %+v", recs)
	}

	base := sharePath(acctA) + "/" + sh.ID
	expect(t, do(t, s, "PUT", base+"/recipients", []map[string]any{{"recipient_account_id": acctB}}), 400, CodeOrgTargeted)
	expect(t, do(t, s, "POST", base+"/recipients", map[string]any{"recipient_account_id": acctB}), 400, CodeOrgTargeted)
	expect(t, do(t, s, "DELETE", base+"/recipients/"+recs[acctB].ID, nil), 400, CodeOrgTargeted)
	r := do(t, s, "POST", sharePath(acctA), map[string]any{"name": "x", "recipients": []any{map[string]any{"organization_id": "ffffffffffffffffffffffffffffffff"}}, "resources": []any{}})
	expect(t, r, 400, CodeRecipientOrg)
	r = do(t, s, "POST", sharePath(acctA), map[string]any{"name": "x", "recipients": []any{map[string]any{"organization_id": orgID}, map[string]any{"recipient_account_id": acctB}}, "resources": []any{}})
	expect(t, r, 400, CodeRecipientMixedKind)
}

func TestShareCreateValidation(t *testing.T) {
	s := start(t, Options{}, true)
	tests := []struct {
		name         string
		acct         string
		body         any
		status, code int
	}{
		{"no name", acctA, map[string]any{"recipients": []any{}, "resources": []any{}}, 400, CodeMissingField},
		{"no recipients", acctA, map[string]any{"name": "x", "resources": []any{}}, 400, CodeMissingField},
		{"no resources", acctA, map[string]any{"name": "x", "recipients": []any{}}, 400, CodeMissingField},
		{"unknown recipient", acctA, map[string]any{"name": "x", "recipients": []any{map[string]any{"recipient_account_id": acctD}}, "resources": []any{}}, 400, CodeRecipientUnknown},
		{"resource of another account", acctA, map[string]any{"name": "x", "recipients": []any{}, "resources": []any{map[string]any{"resource_id": seedGrant, "resource_type": "idp-federation-grant", "resource_account_id": acctB, "meta": map[string]any{}}}}, 400, CodeResourceInvalid},
		{"no organization", acctC, map[string]any{"name": "x", "recipients": []any{map[string]any{"recipient_account_id": acctA}}, "resources": []any{}}, 400, CodeNoOrganization},
		{"malformed", acctA, "[", 400, CodeMalformedBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, "POST", sharePath(tt.acct), tt.body)
			expect(t, r, tt.status, tt.code)
			checkFamily(t, r, true)
		})
	}
}

func TestShareList(t *testing.T) {
	s := start(t, Options{}, true)
	second := postShare(t, s, []map[string]any{}, seedGrant)
	tests := []struct {
		name, acct, query string
		want              []string
		kinds             []string
	}{
		{"sent", acctA, "", []string{seedShare, second.ID}, []string{"sent", "sent"}},
		{"received", acctB, "", []string{seedShare}, []string{"received"}},
		{"kind filter", acctB, "?kind=sent", nil, nil},
		{"desc", acctA, "?direction=desc", []string{second.ID, seedShare}, []string{"sent", "sent"}},
		{"target filter", acctA, "?target_type=organization", nil, nil},
		{"resource type filter", acctA, "?resource_types=idp-federation-grant", []string{seedShare, second.ID}, []string{"sent", "sent"}},
		{"other resource type", acctA, "?resource_types=gateway-policy", nil, nil},
		{"status filter", acctA, "?status=deleted", nil, nil},
		{"tag filter", acctA, "?tag=env", nil, nil},
		{"paged", acctA, "?per_page=1&page=2", []string{second.ID}, []string{"sent"}},
		{"past the end", acctA, "?page=5", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, "GET", sharePath(tt.acct)+tt.query, nil)
			expect(t, r, 200, 0)
			checkFamily(t, r, true)
			var list []cloudflare.Share
			r.result(t, &list)
			if list == nil || len(list) != len(tt.want) {
				t.Fatalf("got %d shares (nil=%v), want %v\n%s", len(list), list == nil, tt.want, r.Body)
			}
			for i := range list {
				if list[i].ID != tt.want[i] || string(list[i].Kind) != tt.kinds[i] || list[i].AccountID != acctA {
					t.Errorf("share %d: %+v, want %s %s", i, list[i], tt.want[i], tt.kinds[i])
				}
			}
			if r.Env["result_info"] == nil {
				t.Error("no result_info")
			}
		})
	}
	r := do(t, s, "GET", sharePath(acctA)+"?include_resources=true&include_recipient_counts=true", nil)
	var list []cloudflare.Share
	r.result(t, &list)
	if len(list[0].Resources) != 1 || list[0].AssociatedRecipientCount == nil || *list[0].AssociatedRecipientCount != 1 {
		t.Fatalf("includes: %s", r.Body)
	}
	expect(t, do(t, s, "GET", sharePath(acctA)+"?kind=both", nil), 400, CodeInvalidValue)
	expect(t, do(t, s, "GET", sharePath(acctA)+"?per_page=101", nil), 400, CodeInvalidPagination)
	expect(t, do(t, s, "GET", sharePath(acctB)+"/"+seedShare, nil), 200, 0) // a recipient reads what it receives
	expect(t, do(t, s, "DELETE", sharePath(acctB)+"/"+seedShare, nil), 404, CodeShareNotFound)
}

func TestFederatedConnections(t *testing.T) {
	s := start(t, Options{AsyncDelay: time.Minute}, true)
	fed := federated(t, s, acctB)
	if len(fed) != 1 {
		t.Fatalf("seeded share: %d connections in the recipient", len(fed))
	}
	c := fed[0]
	if c.Name != "Okta" || c.Type != "okta" || len(c.Config) != 0 || len(c.ID) != 36 {
		t.Fatalf("connection %+v", c)
	}
	if again := federated(t, s, acctB); again[0].ID != c.ID {
		t.Fatal("connection ID is not stable")
	}
	if len(federated(t, s, acctA)) != 0 {
		t.Fatal("the source account sees its own connection")
	}
	path := idpPath(acctB) + "/" + c.ID
	expect(t, do(t, s, "GET", path, nil), 200, 0)
	expect(t, do(t, s, "PUT", path, map[string]any{"name": "x", "type": "okta", "config": map[string]any{}}), 403, CodeReadOnlyIdP)
	expect(t, do(t, s, "DELETE", path, nil), 403, CodeReadOnlyIdP)
	expect(t, do(t, s, "POST", grantPath(acctB), map[string]any{"idp_id": c.ID}), 400, CodeNotFederable)

	// Removing the recipient keeps the connection until disassociation completes.
	recs := recipients(t, s, seedShare)
	expect(t, do(t, s, "DELETE", sharePath(acctA)+"/"+seedShare+"/recipients/"+recs[acctB].ID, nil), 200, 0)
	if len(federated(t, s, acctB)) != 1 {
		t.Fatal("connection gone while disassociating")
	}
	s.Emulator.AdvanceClock(time.Minute)
	if len(federated(t, s, acctB)) != 0 {
		t.Fatal("connection still there after disassociation")
	}
	expect(t, do(t, s, "POST", sharePath(acctA)+"/"+seedShare+"/recipients", map[string]any{"recipient_account_id": acctB}), 201, 0)
	s.Emulator.AdvanceClock(time.Minute)
	if got := federated(t, s, acctB); len(got) != 1 || got[0].ID != c.ID {
		t.Fatalf("re-associated: %+v", got)
	}

	// Deleting the grant removes it at once.
	expect(t, do(t, s, "DELETE", grantPath(acctA)+"/"+seedGrant, nil), 202, 0)
	if len(federated(t, s, acctB)) != 0 {
		t.Fatal("connection survived its grant")
	}
}

func TestFederatedConnectionEndsWithShare(t *testing.T) {
	s := start(t, Options{}, true)
	expect(t, do(t, s, "DELETE", sharePath(acctA)+"/"+seedShare, nil), 200, 0)
	if len(federated(t, s, acctB)) != 0 {
		t.Fatal("connection survived the deleted share")
	}
}
