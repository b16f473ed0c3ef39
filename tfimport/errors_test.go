package tfimport

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

const acctA = "023e105f4ecef8ad9ca31a8372d0c353"

// state builds the JSON of terraform show -json around resources.
func showJSON(resources ...map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{
		"format_version": "1.0",
		"values":         map[string]any{"root_module": map[string]any{"resources": resources}},
	})
	return b
}

func idpRes(name string, mut func(r, v map[string]any)) map[string]any {
	v := map[string]any{
		"id": "5b2ad8a1-3c4d-4e5f-8a9b-0c1d2e3f4a5b", "account_id": acctA, "zone_id": nil,
		"name": "GitHub", "type": "github",
		"config":      map[string]any{"client_id": "c", "client_secret": "secret-CANARY-1"},
		"scim_config": map[string]any{"enabled": false, "secret": "scim-CANARY-2"},
	}
	r := map[string]any{
		"address": "cloudflare_zero_trust_access_identity_provider." + name, "mode": "managed",
		"type": "cloudflare_zero_trust_access_identity_provider", "name": name,
		"provider_name": "registry.terraform.io/cloudflare/cloudflare", "schema_version": 500, "values": v,
	}
	if mut != nil {
		mut(r, v)
	}
	return r
}

func shareRes(name, shareName string, grants ...string) map[string]any {
	var resources []any
	for _, g := range grants {
		resources = append(resources, map[string]any{"resource_id": g, "resource_type": "idp-federation-grant", "resource_account_id": acctA, "meta": "{}"})
	}
	return map[string]any{
		"address": "cloudflare_share." + name, "mode": "managed", "type": "cloudflare_share", "name": name,
		"provider_name": "registry.terraform.io/cloudflare/cloudflare", "schema_version": 500,
		"values": map[string]any{"id": "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", "account_id": acctA, "name": shareName,
			"recipients": []any{map[string]any{"recipient_account_id": "1a2b3c4d5e6f708192a3b4c5d6e7f809"}},
			"resources":  resources},
	}
}

// TestConvertErrors: bad input is an error naming what was expected, and no
// error quotes a secret of the input.
func TestConvertErrors(t *testing.T) {
	deep := `{"format_version":"1.0","values":{"root_module":` + nested(MaxModuleDepth+2) + `}}`
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", []byte(""), "expected a JSON object"},
		{"text", []byte("Plan: 1 to add"), "expected a JSON object"},
		{"array", []byte("[]"), "expected a JSON object"},
		{"broken JSON", []byte(`{"format_version": "1.0", "values": {`), "invalid JSON"},
		{"two values", []byte(`{"format_version":"1.0"} {}`), "more than one JSON value"},
		{"no format_version", []byte(`{"values": {}}`), "no format_version"},
		{"raw state", []byte(`{"version": 4, "serial": 1, "lineage": "x"}`), "raw Terraform state file"},
		{"format 2", []byte(`{"format_version": "2.0"}`), `unsupported format_version "2.0": expected 1.x`},
		{"format not a string", []byte(`{"format_version": 1}`), "format_version holds a JSON number"},
		{"too large", append([]byte(`{"format_version":"1.0","x":"`), make([]byte, MaxInputBytes)...), "at most"},
		{"modules too deep", []byte(deep), "modules nested too deeply"},
		{"unknown schema version", showJSON(idpRes("x", func(r, v map[string]any) { r["schema_version"] = 7 })),
			"schema_version 7 of cloudflare_zero_trust_access_identity_provider is of a provider version this importer does not know"},
		{"no schema version", showJSON(idpRes("x", func(r, v map[string]any) { delete(r, "schema_version") })), "no schema_version"},
		{"v4 name with an object config", showJSON(idpRes("x", func(r, v map[string]any) { r["type"] = "cloudflare_access_identity_provider" })),
			"exists only in provider v4"},
		{"v4 shape at version 500", showJSON(idpRes("x", func(r, v map[string]any) { v["config"] = []any{map[string]any{}} })),
			"schema_version 500"},
		{"config of another shape", showJSON(idpRes("x", func(r, v map[string]any) { v["config"] = "x" })), "neither a block list"},
		{"another provider", showJSON(idpRes("x", func(r, v map[string]any) { r["provider_name"] = "registry.terraform.io/evil/cloudflare-fork" })),
			"expected registry.terraform.io/cloudflare/cloudflare"},
		{"no values", showJSON(idpRes("x", func(r, v map[string]any) { delete(r, "values") })), "no values"},
		{"bad account id", showJSON(idpRes("x", func(r, v map[string]any) { v["account_id"] = "../../etc" })), "account_id is not 32 lowercase hex"},
		{"account and zone", showJSON(idpRes("x", func(r, v map[string]any) { v["zone_id"] = acctA })), "both account_id and zone_id"},
		{"no owner", showJSON(idpRes("x", func(r, v map[string]any) { v["account_id"] = nil })), "neither account_id nor zone_id"},
		{"no id", showJSON(idpRes("x", func(r, v map[string]any) { v["id"] = nil })), "no id"},
		{"bad resource name", showJSON(idpRes("x", func(r, v map[string]any) { r["name"] = "x\n}\nremoved {" })), "must be identifiers"},
		{"bad index", showJSON(idpRes("x", func(r, v map[string]any) { r["index"] = 1.5 })), "index must be a whole number"},
		{"twice the same IdP", showJSON(idpRes("a", nil), idpRes("b", nil)), "both manage identity provider"},
		{"unresolved grant", showJSON(idpRes("x", nil), shareRes("s", "Share of GitHub", "f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1")),
			`the state does not say which IdP the grant is of`},
		{"two grants in a share", showJSON(idpRes("x", nil), shareRes("s", "Identity provider: GitHub", "f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1", "f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2")),
			"carries 2 federation grants"},
		{"grant id not an id", showJSON(idpRes("x", nil), shareRes("s", "Identity provider: GitHub", "x y")), "is not a grant id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Convert(tt.in, Options{})
			if err == nil {
				t.Fatalf("no error; want one saying %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\nwant it to say %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "CANARY") {
				t.Errorf("the error quotes a secret: %v", err)
			}
			if strings.ContainsAny(err.Error(), "\n\r\x1b") {
				t.Errorf("the error holds a control character: %q", err)
			}
		})
	}
}

func nested(n int) string {
	if n == 0 {
		return `{"resources":[]}`
	}
	var b strings.Builder
	b.WriteString(`{"child_modules":[`)
	inner := `{"address":"%s","resources":[]}`
	cur := fmt.Sprintf(inner, strings.TrimSuffix(strings.Repeat("module.m.", n), "."))
	for i := n - 1; i >= 1; i-- {
		cur = fmt.Sprintf(`{"address":"%s","child_modules":[%s]}`, strings.TrimSuffix(strings.Repeat("module.m.", i), "."), cur)
	}
	b.WriteString(cur)
	b.WriteString(`]}`)
	return b.String()
}

// TestGrantResolution: by the dashboard's share name, or by --grant.
func TestGrantResolution(t *testing.T) {
	in := showJSON(idpRes("x", nil), shareRes("s", "Share of GitHub", "f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1"))
	r, err := Convert(in, Options{Grants: map[string]string{"f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1": "GitHub"}})
	if err != nil {
		t.Fatal(err)
	}
	if g := r.Live.Accounts[acctA].IdentityProviders[0].Grant; g == nil || g.ID != "f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1" {
		t.Errorf("--grant did not attach the share: %+v", g)
	}
	if _, err := Convert(in, Options{Grants: map[string]string{"f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1": "Okta"}}); err == nil || !strings.Contains(err.Error(), "0 IdPs of that name") {
		t.Errorf("--grant naming no IdP: %v", err)
	}
	byName := showJSON(idpRes("x", nil), shareRes("s", "Identity provider: GitHub", "f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1"))
	if r, err := Convert(byName, Options{}); err != nil || r.Live.Accounts[acctA].IdentityProviders[0].Grant == nil {
		t.Errorf("the dashboard's share name did not attach the share: %v", err)
	}
}

// TestUntrustedNames: for_each keys and module keys of any content come out
// as one printable line, quoted for HCL and for the shell.
func TestUntrustedNames(t *testing.T) {
	keys := []string{`we"ird`, "new\nline", "bidi\u202eevil", "${file:/etc/passwd}", "it's", `back\slash`, "\x1b[31mred"}
	for _, k := range keys {
		in := showJSON(idpRes("x", func(r, v map[string]any) { r["index"] = k }))
		res, err := Convert(in, Options{})
		if err != nil {
			t.Fatalf("%q: %v", k, err)
		}
		addr := res.StateRm()[0]
		for _, r := range addr {
			if !printable(r) {
				t.Errorf("%q: address %q holds an unprintable character", k, addr)
			}
		}
		if strings.Contains(strings.ReplaceAll(addr, "$${", ""), "${") {
			t.Errorf("%q: address %q holds a template sequence", k, addr)
		}
		cmd := StateRmCommands(res)[0]
		if strings.Count(cmd, "'")%2 == 1 && !strings.Contains(cmd, `'\''`) {
			t.Errorf("%q: %s is not one shell word", k, cmd)
		}
		if got := string(RemovedBlocks(res)); !strings.Contains(got, "from = cloudflare_zero_trust_access_identity_provider.x\n") {
			t.Errorf("%q: removed block:\n%s", k, got)
		}
	}
	// A name printed to a CI log cannot pose as a workflow command.
	if got := Clean("::error::x ::add-mask::y\u202e"); strings.Contains(got, "::error::") || strings.Contains(got, " ::add-mask::") || strings.ContainsRune(got, '\u202e') {
		t.Errorf("Clean: %q", got)
	}
	if got := hclQuote("a\"b\\c\nd${e}%{f}\u202e"); got != `"a\"b\\c\nd$${e}%%{f}\u202E"` {
		t.Errorf("hclQuote: %s", got)
	}
	if got := ShellQuote("x['it's']"); got != `'x['\''it'\''s'\'']'` {
		t.Errorf("ShellQuote: %s", got)
	}
	// Module addresses are parsed, not trusted.
	for _, bad := range []string{"module.a b", "module.a[\"x]", "modules.a", "module.a.", "module.a[-1]", "module.a[\"x\"]junk"} {
		if _, err := parseModuleAddress(bad); err == nil {
			t.Errorf("parseModuleAddress(%q) accepted it", bad)
		}
	}
	p, err := parseModuleAddress(`module.a["k\"1"].module.b[2]`)
	if err != nil || p.String() != `module.a["k\"1"].module.b[2]` || p.config() != "module.a.module.b" {
		t.Errorf("parseModuleAddress: %v %v", p, err)
	}
}

// TestSkippedNeverSilent: attributes outside idpsync's model are listed.
func TestSkippedNeverSilent(t *testing.T) {
	in := showJSON(idpRes("x", func(r, v map[string]any) {
		v["future_attribute"] = "x"
		cfg := v["config"].(map[string]any)
		cfg["okta_account"] = "https://not-for-github" // not a key of type github
		cfg["client_id"] = "c"
		r["sensitive_values"] = map[string]any{"config": map[string]any{"client_id": true}}
	}), idpRes("ro", func(r, v map[string]any) { v["id"] = "other"; v["read_only"] = true }))
	res, err := Convert(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"future_attribute": false, "config.okta_account": false, "config.client_id": false, "": false}
	for _, s := range res.Skipped {
		if _, ok := want[s.Attribute]; ok {
			want[s.Attribute] = true
		}
	}
	for a, seen := range want {
		if !seen {
			t.Errorf("%q is not reported as skipped: %+v", a, res.Skipped)
		}
	}
	if _, ok := res.Live.Accounts[acctA].IdentityProviders[0].Config["client_id"]; ok {
		t.Error("a value the state marks sensitive was copied")
	}
	if len(res.Gaps) != 1 {
		t.Errorf("the sensitive client_id must be a gap: %+v", res.Gaps)
	}
	if len(res.Imported) != 1 {
		t.Errorf("the read-only IdP must stay in Terraform: %+v", res.Imported)
	}
}

// TestShareWithoutRecipients: a share left with no recipient cannot be
// declared (share_with may not be empty), and the importer says what plan
// will then do.
func TestShareWithoutRecipients(t *testing.T) {
	s := shareRes("s", "Identity provider: GitHub", "f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1")
	s["values"].(map[string]any)["recipients"] = []any{}
	r, err := Convert(showJSON(idpRes("x", nil), s), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Gaps) != 1 || r.Gaps[0].Attribute != "recipients" || !strings.Contains(r.Gaps[0].Why, "plan deletes the grant") {
		t.Errorf("gaps: %+v", r.Gaps)
	}
}
