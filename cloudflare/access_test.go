package cloudflare_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/emulator"
)

func TestAccessApplicationsAndOrganization(t *testing.T) {
	// Most of its time is the data file's fsyncs, one pair per write: it
	// owns its emulator, client and directory, so it waits beside the
	// package's other tests.
	t.Parallel()
	const acct = "0123456789abcdef0123456789abcdef"
	data := filepath.Join(t.TempDir(), "emu.json")
	srv := startEmulator(t, emulator.Options{AutoAccounts: true, DataFile: data})
	c := emuClient(t, srv, true, nil)
	ctx := context.Background()

	idp, err := c.CreateIdentityProvider(ctx, acct, cloudflare.IdentityProvider{Name: "PIN", Type: "onetimepin", Config: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	// More than one page of applications: the pager must follow total_pages.
	const n = 230
	var ids []string
	for i := range n {
		a, err := c.CreateAccessApplication(ctx, acct, cloudflare.NewAccessApplication{
			Name: fmt.Sprintf("app %03d", i), Domain: fmt.Sprintf("app%d.example.com", i), Type: "self_hosted",
			AllowedIdPs: []string{idp.ID}, AutoRedirectToIdentity: i%2 == 0,
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	srv.Emulator.ResetStats()
	apps, err := c.ListAccessApplications(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != n {
		t.Fatalf("listed %d applications, want %d", len(apps), n)
	}
	if got := srv.Emulator.Stats().Total; got != 3 {
		t.Errorf("listing %d applications took %d requests, want 3 pages of 100", n, got)
	}
	if !slices.Equal(apps[7].AllowedIdPs, []string{idp.ID}) || apps[0].Domain != "app0.example.com" || !apps[0].AutoRedirectToIdentity {
		t.Errorf("application 0 = %+v", apps[0])
	}
	got, err := c.GetAccessApplication(ctx, acct, ids[5])
	if err != nil || got.Name != "app 005" {
		t.Fatalf("get = %+v, %v", got, err)
	}
	if err := c.DeleteAccessApplication(ctx, acct, ids[5]); err != nil {
		t.Fatal(err)
	}
	var apiErr *cloudflare.APIError
	if _, err := c.GetAccessApplication(ctx, acct, ids[5]); !errors.As(err, &apiErr) || apiErr.Status != 404 {
		t.Errorf("get after delete: %v, want a 404", err)
	}
	if _, err := c.CreateAccessApplication(ctx, acct, cloudflare.NewAccessApplication{Name: "x", Domain: "x.example.com", Type: "self_hosted", AllowedIdPs: []string{"00000000-0000-4000-8000-000000000000"}}); err == nil {
		t.Error("an application allowing an unknown IdP was accepted")
	}

	// An account has no Access organization until one is created.
	if _, err := c.GetAccessOrganization(ctx, acct); !errors.Is(err, cloudflare.ErrNoAccessOrganization) {
		t.Fatalf("organization before one exists: %v, want ErrNoAccessOrganization", err)
	}
	d := srv.Emulator.Snapshot()
	d.AccessOrganizations = append(d.AccessOrganizations, emulator.AccessOrganization{AccountID: acct, Name: "team-01234567", AuthDomain: "team-01234567.cloudflareaccess.com"})
	if err := srv.Emulator.Load(d); err != nil {
		t.Fatal(err)
	}
	org, err := c.GetAccessOrganization(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	if org.AuthDomain != "team-01234567.cloudflareaccess.com" || org.AutoRedirectToIdentity {
		t.Errorf("organization = %+v", org)
	}
	// Both survive a restart from the data file.
	srv2 := startEmulator(t, emulator.Options{AutoAccounts: true, DataFile: data})
	c2 := emuClient(t, srv2, true, nil)
	apps2, err := c2.ListAccessApplications(ctx, acct)
	if err != nil || len(apps2) != n-1 {
		t.Fatalf("after restart: %d applications, %v", len(apps2), err)
	}
	org2, err := c2.GetAccessOrganization(ctx, acct)
	if err != nil || org2.AuthDomain != org.AuthDomain {
		t.Fatalf("after restart: organization %+v, %v", org2, err)
	}
	if !strings.HasSuffix(org2.AuthDomain, ".cloudflareaccess.com") {
		t.Errorf("auth_domain %q", org2.AuthDomain)
	}
}

// TestAccessPolicies reads an application's policies and the reusable ones
// across pages, from a seeded emulator, through the contract.
func TestAccessPolicies(t *testing.T) {
	const acct, zone = "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"
	const okta = "11111111-1111-4111-8111-111111111111"
	srv := startEmulator(t, emulator.Options{})
	rule := func(kind string, v map[string]any) map[string]any { return map[string]any{kind: v} }
	d := &emulator.Data{
		Accounts:          []emulator.Account{{ID: acct, Name: "a"}},
		Zones:             []emulator.Zone{{ID: zone, Name: "example.com"}},
		IdentityProviders: []emulator.IdentityProvider{{AccountID: acct, ID: okta, Name: "Okta", Type: "okta", Config: map[string]any{}}},
	}
	const n = 130
	var reusable []string
	for i := range n {
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		reusable = append(reusable, id)
		d.AccessPolicies = append(d.AccessPolicies, emulator.AccessPolicy{AccountID: acct, ID: id, Name: fmt.Sprintf("reusable %03d", i), Decision: "allow", Reusable: true,
			Include: []map[string]any{rule("email_domain", map[string]any{"domain": "example.com"})}})
	}
	d.AccessPolicies = append(d.AccessPolicies,
		emulator.AccessPolicy{AccountID: acct, ID: "p-own", Name: "Okta users", Decision: "allow",
			Include: []map[string]any{rule("login_method", map[string]any{"id": okta})},
			Require: []map[string]any{rule("okta", map[string]any{"name": "sre", "identity_provider_id": okta})}},
		emulator.AccessPolicy{AccountID: zone, ID: "p-zone", Name: "Zone", Decision: "bypass", Include: []map[string]any{rule("everyone", map[string]any{})}},
	)
	d.AccessApplications = []emulator.AccessApplication{
		{AccountID: acct, ID: "app-1", Name: "Vault", Domain: "vault.example.com", Policies: []string{"p-own", reusable[3]}},
		{AccountID: "zones/" + zone, ID: "app-z", Name: "Zone app", Domain: "z.example.com", Policies: []string{"p-zone"}},
	}
	d.AccessPolicies[len(d.AccessPolicies)-1].AccountID = "zones/" + zone
	if err := srv.Emulator.Load(d); err != nil {
		t.Fatal(err)
	}
	c := emuClient(t, srv, true, nil)
	ctx := context.Background()

	srv.Emulator.ResetStats()
	all, err := c.ListAccessPolicies(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != n {
		t.Fatalf("listed %d reusable policies, want %d", len(all), n)
	}
	if got := srv.Emulator.Stats().Total; got != 2 {
		t.Errorf("listing %d policies took %d requests, want 2 pages of 100", n, got)
	}
	if all[3].AppCount != 1 || all[4].AppCount != 0 {
		t.Errorf("app_count = %d, %d; want 1, 0", all[3].AppCount, all[4].AppCount)
	}
	ps, err := c.ListAccessApplicationPolicies(ctx, acct, "app-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].ID != "p-own" || ps[1].ID != reusable[3] || ps[0].Precedence != 1 {
		t.Fatalf("application policies = %+v", ps)
	}
	if k, id := ps[0].Include[0].Kind(), ps[0].Include[0].IdentityProviderID(); k != "login_method" || id != okta {
		t.Errorf("include rule = %s %q", k, id)
	}
	if k, id := ps[0].Require[0].Kind(), ps[0].Require[0].IdentityProviderID(); k != "okta" || id != okta {
		t.Errorf("require rule = %s %q", k, id)
	}
	if id := ps[1].Include[0].IdentityProviderID(); id != "" {
		t.Errorf("an email_domain rule is bound to %q", id)
	}
	zps, err := c.ListAccessApplicationPolicies(ctx, "zones/"+zone, "app-z")
	if err != nil || len(zps) != 1 || zps[0].Decision != "bypass" {
		t.Fatalf("zone application policies = %+v, %v", zps, err)
	}
	var apiErr *cloudflare.APIError
	if _, err := c.ListAccessApplicationPolicies(ctx, acct, "app-none"); !errors.As(err, &apiErr) || apiErr.Status != 404 {
		t.Errorf("policies of an unknown application: %v, want a 404", err)
	}
}
