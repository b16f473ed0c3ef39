package changeset_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/idpsync/idpsync/changeset"
	"github.com/idpsync/idpsync/state"
)

const (
	platform = "023e105f4ecef8ad9ca31a8372d0c353"
	eng      = "b7c2f0e4a91d4c3e8f6a25d0c1e9b3a7"
	mkt      = "e3f91a6c0b2d47e58a9c1f3d6b4e2a90"
	other    = "0123456789abcdef0123456789abcdef"
	zone     = "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0"
	org      = "aaaaaaaabbbbbbbbccccccccdddddddd"
)

// account is one account's declaration; extra is indented under it.
func account(id, name string, idps ...string) string {
	return fmt.Sprintf("  - id: %s\n    name: %s\n    identity_providers:\n%s", id, name, strings.Join(idps, ""))
}

func github(name, clientID, secretRef string) string {
	return fmt.Sprintf("      - name: %s\n        type: github\n        config:\n          client_id: %s\n          client_secret: \"%s\"\n", name, clientID, secretRef)
}

func shared(name string, to ...string) string {
	s := github(name, "Iv1.shared", "${env:SHARED_SECRET}") + "        federation:\n          share_with:\n"
	for _, t := range to {
		s += "            - account: " + t + "\n"
	}
	return s
}

func saml(name, certRef string) string {
	return fmt.Sprintf("      - name: %s\n        type: saml\n        config:\n          issuer_url: https://idp.example.com\n          sso_target_url: https://idp.example.com/sso\n          idp_public_certs: [\"%s\"]\n", name, certRef)
}

// orgWide is platform sharing with its whole organization, which
// engineering declares it belongs to and marketing does not say.
func orgWide(clientID string) string {
	return accounts(
		strings.Replace(account(platform, "platform", github("GitHub", clientID, "${env:GH_SECRET}")+"        federation:\n          share_with:\n            - organization: true\n"), "    name: platform\n", "    name: platform\n    organization: "+org+"\n", 1),
		strings.Replace(account(eng, "engineering", github("GitHub", "Iv1.e", "${env:GH_SECRET}")), "    name: engineering\n", "    name: engineering\n    organization: "+org+"\n", 1),
		account(mkt, "marketing", github("GitHub", "Iv1.m", "${env:GH_SECRET}")),
	)
}

func accounts(as ...string) string { return "version: 1\naccounts:\n" + strings.Join(as, "") }

func zones(as ...string) string { return "zones:\n" + strings.Join(as, "") }

var (
	base3 = accounts(
		account(platform, "platform", github("GitHub", "Iv1.a", "${env:GH_SECRET}"), shared("Shared", eng)),
		account(eng, "engineering", github("GitHub", "Iv1.e", "${env:GH_SECRET}")),
		account(mkt, "marketing", github("GitHub", "Iv1.m", "${env:GH_SECRET}")),
	)
	cert, _  = os.ReadFile("../examples/certs/okta.pem")
	cert2, _ = os.ReadFile("../examples/certs/jumpcloud.pem")
)

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		name       string
		base, head map[string]string
		// planned and skipped are labels with reasons ("engineering:changed").
		planned, removed, skipped []string
		all                       bool
	}{
		{
			name:    "no change",
			base:    map[string]string{"idp.yaml": base3},
			head:    map[string]string{"idp.yaml": base3},
			skipped: []string{"engineering", "marketing", "platform"},
		},
		{
			name:    "one IdP field edited",
			base:    map[string]string{"idp.yaml": base3},
			head:    map[string]string{"idp.yaml": strings.Replace(base3, "Iv1.m", "Iv1.m2", 1)},
			planned: []string{"marketing:changed"},
			skipped: []string{"engineering", "platform"},
		},
		{
			name:    "file renamed",
			base:    map[string]string{"idp.yaml": base3},
			head:    map[string]string{"accounts.yml": base3},
			skipped: []string{"engineering", "marketing", "platform"},
		},
		{
			name: "one file split in two, one account across both",
			base: map[string]string{"idp.yaml": base3},
			head: map[string]string{
				"a.yaml": accounts(account(platform, "platform", github("GitHub", "Iv1.a", "${env:GH_SECRET}")), account(mkt, "marketing", github("GitHub", "Iv1.m", "${env:GH_SECRET}"))),
				"b.yaml": accounts(account(platform, "platform", shared("Shared", eng)), account(eng, "engineering", github("GitHub", "Iv1.e", "${env:GH_SECRET}"))),
			},
			skipped: []string{"engineering", "marketing", "platform"},
		},
		{
			name: "account added and account removed",
			base: map[string]string{"idp.yaml": base3},
			head: map[string]string{"idp.yaml": accounts(
				account(platform, "platform", github("GitHub", "Iv1.a", "${env:GH_SECRET}"), shared("Shared", eng)),
				account(eng, "engineering", github("GitHub", "Iv1.e", "${env:GH_SECRET}")),
				account(other, "sales", github("GitHub", "Iv1.s", "${env:GH_SECRET}")),
			)},
			planned: []string{"sales:added"},
			removed: []string{"marketing"},
			skipped: []string{"engineering", "platform"},
		},
		{
			name:    "a zone changed",
			base:    map[string]string{"idp.yaml": base3 + zones(account(zone, "docs", github("GitHub", "Iv1.z", "${env:GH_SECRET}")))},
			head:    map[string]string{"idp.yaml": base3 + zones(account(zone, "docs", github("GitHub", "Iv1.z2", "${env:GH_SECRET}")))},
			planned: []string{"docs:changed"},
			skipped: []string{"engineering", "marketing", "platform"},
		},
		{
			name:    "a change in a federation source pulls in its recipient",
			base:    map[string]string{"idp.yaml": base3},
			head:    map[string]string{"idp.yaml": strings.Replace(base3, "Iv1.a", "Iv1.a2", 1)},
			planned: []string{"engineering:recipient", "platform:changed"},
			skipped: []string{"marketing"},
		},
		{
			name:    "a recipient removed from share_with is still planned",
			base:    map[string]string{"idp.yaml": strings.Replace(base3, "            - account: "+eng+"\n", "            - account: "+eng+"\n            - account: "+mkt+"\n", 1)},
			head:    map[string]string{"idp.yaml": base3},
			planned: []string{"engineering:recipient", "marketing:recipient", "platform:changed"},
		},
		{
			name:    "an organization-wide share pulls in the accounts declared in its organization",
			base:    map[string]string{"idp.yaml": orgWide("Iv1.a")},
			head:    map[string]string{"idp.yaml": orgWide("Iv1.a2")},
			planned: []string{"engineering:recipient", "platform:changed"},
			skipped: []string{"marketing"},
		},
		{
			name:    "a changed recipient does not pull in its source",
			base:    map[string]string{"idp.yaml": base3},
			head:    map[string]string{"idp.yaml": strings.Replace(base3, "Iv1.e", "Iv1.e2", 1)},
			planned: []string{"engineering:changed"},
			skipped: []string{"marketing", "platform"},
		},
		{
			name:    "a secret's reference renamed is a change",
			base:    map[string]string{"idp.yaml": base3},
			head:    map[string]string{"idp.yaml": strings.Replace(base3, "${env:GH_SECRET}\"\n      - name: Shared", "${env:GH_SECRET_2}\"\n      - name: Shared", 1)},
			planned: []string{"engineering:recipient", "platform:changed"},
			skipped: []string{"marketing"},
		},
		{
			name:    "a certificate file's content changed",
			base:    map[string]string{"idp.yaml": accounts(account(platform, "platform", saml("Okta", "${file:okta.pem}"))), "okta.pem": string(cert)},
			head:    map[string]string{"idp.yaml": accounts(account(platform, "platform", saml("Okta", "${file:okta.pem}"))), "okta.pem": string(cert2)},
			planned: []string{"platform:changed"},
		},
		{
			name:    "the policy changed",
			base:    map[string]string{"idp.yaml": base3},
			head:    map[string]string{"idp.yaml": base3 + "policy:\n  rules:\n    - id: forbid_types\n      types: [onetimepin]\n"},
			planned: []string{"engineering:unchanged", "marketing:unchanged", "platform:unchanged"},
			all:     true,
		},
		{
			name:    "nothing declared at the base",
			base:    nil,
			head:    map[string]string{"idp.yaml": base3},
			planned: []string{"engineering:added", "marketing:added", "platform:added"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The runner's environment differs from the base's: values are
			// never compared, references are.
			head := loadDisk(t, tc.head, map[string]string{"GH_SECRET": "now", "SHARED_SECRET": "x"})
			var base *state.Desired
			if tc.base != nil {
				base = loadFS(t, tc.base)
			}
			r := changeset.Compare(base, head)
			if got := (r.All != ""); got != tc.all {
				t.Errorf("All = %q, want set: %v", r.All, tc.all)
			}
			check := func(what string, es []changeset.Entry, want []string, withReason bool) {
				t.Helper()
				var got []string
				for _, e := range es {
					s := e.Label
					if withReason {
						s += ":" + string(e.Reason)
					}
					got = append(got, s)
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("%s = %v, want %v", what, got, want)
				}
			}
			check("planned", r.Planned, tc.planned, true)
			check("removed", r.Removed, tc.removed, false)
			check("skipped", r.Skipped, tc.skipped, false)

			sel := r.Select(head)
			if len(sel.Accounts) != len(r.Planned) {
				t.Errorf("Select kept %d accounts, want %d", len(sel.Accounts), len(r.Planned))
			}
		})
	}
}

func TestRecipientsViaNameTheSource(t *testing.T) {
	base := loadFS(t, map[string]string{"idp.yaml": base3})
	head := loadDisk(t, map[string]string{"idp.yaml": strings.Replace(base3, "Iv1.a", "Iv1.a2", 1)}, nil)
	r := changeset.Compare(base, head)
	for _, e := range r.Planned {
		if e.Label == "engineering" && !slices.Equal(e.Via, []string{"platform"}) {
			t.Fatalf("engineering Via = %v, want [platform]", e.Via)
		}
	}
}

// TestBaseLoadReadsNoSecret: the base is loaded without the environment
// and without reading a secret's file; both stay references.
func TestBaseLoadReadsNoSecret(t *testing.T) {
	t.Setenv("GH_SECRET", "CANARY-env")
	fsys := fstest.MapFS{
		"idp.yaml":   {Data: []byte(accounts(account(platform, "platform", github("GitHub", "Iv1.a", "${env:GH_SECRET}"), github("Other", "Iv1.b", "${file:secret.txt}"))))},
		"secret.txt": {Data: []byte("CANARY-file")},
	}
	d, diags := state.Load(context.Background(), []string{"."}, state.LoadOptions{FS: fsys})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for _, i := range d.Accounts[0].IdentityProviders {
		if v := fmt.Sprint(i.Config["client_secret"]); strings.Contains(v, "CANARY") {
			t.Errorf("%s: client_secret resolved to %q", i.Name, v)
		}
		if src := i.Secrets["client_secret"]; !src.Deferred {
			t.Errorf("%s: client_secret not deferred: %+v", i.Name, src)
		}
	}
}

func TestBaseLoadStaysInsideTheFS(t *testing.T) {
	fsys := fstest.MapFS{
		"idp/idp.yaml": {Data: []byte(accounts(account(platform, "platform", saml("Okta", "${file:../../outside.pem}"))))},
	}
	_, diags := state.Load(context.Background(), []string{"idp"}, state.LoadOptions{FS: fsys})
	if !diags.HasErrors() || !strings.Contains(diags.Errors()[0].Message, "leaves the configuration root") {
		t.Fatalf("diagnostics = %v, want the reference refused", diags)
	}
}

func loadDisk(t *testing.T, files, env map[string]string) *state.Desired {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	d, diags := state.Load(context.Background(), []string{dir}, state.LoadOptions{Getenv: getenv, Root: dir})
	if diags.HasErrors() {
		t.Fatalf("head: %v", diags)
	}
	return d
}

func loadFS(t *testing.T, files map[string]string) *state.Desired {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
	}
	d, diags := state.Load(context.Background(), []string{"."}, state.LoadOptions{FS: fsys})
	if diags.HasErrors() {
		t.Fatalf("base: %v", diags)
	}
	return d
}
