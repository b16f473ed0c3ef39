package addr

import (
	"strings"
	"testing"
)

func TestParseRoundTrip(t *testing.T) {
	okta := Owner(false, "platform").IdPOf("Okta")
	tests := []struct {
		in   string
		want Address
	}{
		{"account[platform]", Owner(false, "platform")},
		{"zone[docs]", Owner(true, "docs")},
		{"account[platform].idp[Okta]", okta},
		{"zone[docs].idp[GitHub]", Owner(true, "docs").IdPOf("GitHub")},
		{"account[platform].idp[Okta].encryption.certificate_set", okta.Child(CertificateSet, "")},
		{"account[platform].idp[Okta].encryption", okta.Child(Encryption, "")},
		{"account[platform].idp[Okta].grant", okta.Child(Grant, "")},
		{"account[platform].idp[Okta].share", okta.Child(Share, "")},
		{"account[platform].idp[Okta].share.recipient[0123]", okta.Child(Recipient, "0123")},
		{"account[platform].idp[Okta].share.recipient[organization]", okta.Child(Recipient, "organization")},
		{"account[platform].idp[Okta].scim_secret", okta.Child(SCIMSecret, "")},
		{"account[platform].idp[Okta].grant (deposed)", Address{Owner: "platform", IdP: "Okta", Kind: Grant, Suffix: Deposed}},
		{"account[platform].idp[Okta] (duplicate 9f)", Address{Owner: "platform", IdP: "Okta", Kind: IdP, Suffix: DuplicateSuffix("9f")}},
		// Names hold any character: the kind is read from the end, the
		// owner up to the first ].idp[.
		{"account[a.b].idp[x.share.recipient[y]].share.recipient[z]", Owner(false, "a.b").IdPOf("x.share.recipient[y]").Child(Recipient, "z")},
		{"account[a].idp[x].grant]", Owner(false, "a").IdPOf("x].grant")},
		{"account[a].idp[]", Owner(false, "a").IdPOf("")},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if s := got.String(); s != tt.in {
			t.Errorf("Parse(%q).String() = %q", tt.in, s)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, in := range []string{"", "idp[Okta]", "account[a", "account[a].grant", "account[a].idp[x", "account[a] (deposed)", "Account[a]"} {
		if a, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) = %+v, want an error", in, a)
		} else if !strings.Contains(err.Error(), "is not an address") {
			t.Errorf("Parse(%q): %v", in, err)
		}
	}
}

func TestParentAndOwner(t *testing.T) {
	okta := Owner(false, "platform").IdPOf("Okta")
	tests := []struct {
		a      Address
		parent string
	}{
		{okta.Child(Recipient, "b"), "account[platform].idp[Okta].share"},
		{okta.Child(Share, ""), "account[platform].idp[Okta]"},
		{okta.Child(CertificateSet, ""), "account[platform].idp[Okta].encryption"},
		{okta.Child(SCIMSecret, ""), "account[platform].idp[Okta]"},
		{okta, "account[platform]"},
		{Address{Owner: "platform", IdP: "Okta", Kind: Grant, Suffix: Deposed}, "account[platform].idp[Okta]"},
	}
	for _, tt := range tests {
		p, ok := tt.a.Parent()
		if !ok || p.String() != tt.parent {
			t.Errorf("%s: parent %s, %v; want %s", tt.a, p, ok, tt.parent)
		}
		if o := tt.a.OwnerAddress().String(); o != "account[platform]" {
			t.Errorf("%s: owner %s", tt.a, o)
		}
		if i, ok := tt.a.IdPAddress(); !ok || i != okta {
			t.Errorf("%s: IdP %s, %v", tt.a, i, ok)
		}
	}
	owner := Owner(true, "docs")
	if _, ok := owner.Parent(); ok {
		t.Error("an owner has a parent")
	}
	if _, ok := owner.IdPAddress(); ok {
		t.Error("an owner has an IdP")
	}
}

// Every kind has one row, and every row a path that parses back to it.
func TestKindsTable(t *testing.T) {
	seen := map[Kind]bool{}
	for _, k := range []Kind{IdP, CertificateSet, Encryption, Grant, Share, Recipient, SCIMSecret} {
		if _, ok := Info(k); !ok {
			t.Errorf("%s has no row", k)
		}
	}
	for _, info := range Kinds {
		if seen[info.Kind] {
			t.Errorf("%s has two rows", info.Kind)
		}
		seen[info.Kind] = true
		if info.Kind != IdP {
			if _, ok := Info(info.Parent); !ok || !seen[info.Parent] {
				t.Errorf("%s: parent %q is not a kind listed before it", info.Kind, info.Parent)
			}
		}
		a := Owner(false, "a").IdPOf("n").Child(info.Kind, "k")
		if info.Kind == IdP {
			a = a.IdPOf("n")
		}
		if !info.Keyed {
			a.Key = ""
		}
		got, err := Parse(a.String())
		if err != nil || got != a {
			t.Errorf("%s: %s parses to %+v, %v", info.Kind, a, got, err)
		}
	}
}
