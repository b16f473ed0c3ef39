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
