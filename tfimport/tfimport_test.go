package tfimport

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idpsync/idpsync/internal/golden"
)

// fixtureGrants names the IdP of the grant the v5 fixture shares under a
// name of its own.
var fixtureGrants = map[string]string{"f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2": "Okta SAML"}

func convertFixture(t *testing.T, name string) *Result {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Convert(data, Options{Grants: fixtureGrants})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return r
}

// dump is the whole result as text: the model, what is imported and
// forgotten, and the report.
func dump(t *testing.T, r *Result) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "kind: %s\nowners: %s\n", r.Kind, strings.Join(r.Owners, " "))
	b.WriteString("\nimported:\n")
	for _, im := range r.Imported {
		fmt.Fprintf(&b, "  %s = %s (%s; removed block from %s)\n", im.Address, im.ID, im.Provider, im.Address.Config())
	}
	b.WriteString("\nskipped:\n")
	for _, s := range r.Skipped {
		fmt.Fprintf(&b, "  %s [%s]: %s\n", s.Address, s.Attribute, s.Reason)
	}
	b.WriteString("\ngaps:\n")
	for _, g := range r.Gaps {
		fmt.Fprintf(&b, "  %s [%s]: %s\n", g.Address, g.Attribute, g.Why)
	}
	b.WriteString("\nwarnings:\n")
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, "  %s\n", w)
	}
	b.WriteString("\ncertificate files:\n")
	for _, c := range r.CertFiles {
		fmt.Fprintf(&b, "  %s (%s)\n", c.Path, c.Address)
	}
	fmt.Fprintf(&b, "\nother types: %v\n", r.Other)
	b.WriteString("\nstate rm:\n")
	for _, c := range StateRmCommands(r) {
		fmt.Fprintf(&b, "  %s\n", c)
	}
	live, err := json.MarshalIndent(r.Live, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	refs, err := json.MarshalIndent(r.Refs, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "\nrefs:\n%s\n\nlive:\n%s\n", refs, live)
	return b.String()
}

func TestFixturesGolden(t *testing.T) {
	for _, name := range []string{"v5-state", "v5-plan", "v4-state"} {
		t.Run(name, func(t *testing.T) {
			r := convertFixture(t, name)
			d := dump(t, r)
			removed := RemovedBlocks(r)
			golden.Check(t, filepath.Join("testdata", "golden", name+".txt"), []byte(d))
			golden.Check(t, filepath.Join("testdata", "golden", name+".removed.tf"), removed)
			// The canaries of every sensitive attribute reach nothing.
			for what, s := range map[string]string{"result": d, "removed blocks": string(removed)} {
				if strings.Contains(s, "CANARY") {
					t.Errorf("a secret of the state reached the %s", what)
				}
			}
		})
	}
}

// TestFixtureFacts pins what the goldens show, so that an -update that
// loses one of them fails.
func TestFixtureFacts(t *testing.T) {
	v5 := convertFixture(t, "v5-state")
	a := v5.Live.Accounts["023e105f4ecef8ad9ca31a8372d0c353"]
	byName := map[string]int{}
	for i, idp := range a.IdentityProviders {
		byName[idp.Name] = i
	}
	gh := a.IdentityProviders[byName["GitHub"]]
	if gh.Grant == nil || gh.Grant.Share.TargetType != "account" || len(gh.Grant.Share.Recipients) != 2 {
		t.Errorf("GitHub: want a share to two accounts (one inline, one cloudflare_share_recipient), have %+v", gh.Grant)
	}
	if _, ok := gh.Config["client_secret"]; ok {
		t.Error("GitHub: the client secret travelled into the model")
	}
	if gh.SCIMConfig["enabled"] != true || gh.SCIMConfig["secret"] != nil {
		t.Errorf("GitHub: scim_config %v", gh.SCIMConfig)
	}
	saml := a.IdentityProviders[byName["Okta SAML"]]
	if !saml.EncryptionEnabled || saml.Grant == nil || saml.Grant.Share.TargetType != "organization" {
		t.Errorf("Okta SAML: want encryption on and an organization share, have %v %+v", saml.EncryptionEnabled, saml.Grant)
	}
	if a.Organization != "5f8c1c0a9e7d4b2a8c6e0f1d2b3a4c5d" {
		t.Errorf("organization %q", a.Organization)
	}
	if z := v5.Live.Accounts["zones/9a8b7c6d5e4f30211203f4e5d6c7b8a9"]; z == nil || len(z.IdentityProviders) != 1 {
		t.Error("the zone-level IdP is missing")
	}
	want := []string{
		"cloudflare_share.corp_saml", "cloudflare_share.github", "cloudflare_share_recipient.github_c",
		"cloudflare_share_resource.corp_saml_grant", "cloudflare_zero_trust_access_identity_provider.github",
		"cloudflare_zero_trust_access_identity_provider.okta_saml", "cloudflare_zero_trust_access_identity_provider.zone_pin",
		"module.idps.cloudflare_zero_trust_access_identity_provider.oauth",
		"module.team.module.login.cloudflare_zero_trust_access_identity_provider.pin",
	}
	if got := v5.Removed(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("removed blocks from:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	v4 := convertFixture(t, "v4-state")
	if len(v4.CertFiles) != 1 || len(v4.Gaps) != 1 {
		t.Errorf("v4: the concealed certificate must be a certificate file and a gap: %+v %+v", v4.CertFiles, v4.Gaps)
	}
	for _, im := range v4.Imported {
		if im.Provider != "v4" {
			t.Errorf("%s read as %s", im.Address, im.Provider)
		}
	}
}
