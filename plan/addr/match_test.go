package addr

import "testing"

func TestMatch(t *testing.T) {
	for _, tt := range []struct {
		pattern, addr string
		want          bool
	}{
		{"account[prod].idp[Okta]", "account[prod].idp[Okta]", true},
		{"account[prod].idp[Okta]", "account[prod].idp[Okta].grant", false},
		{"account[prod].idp[*]", "account[prod].idp[Okta]", true},
		{"account[prod].idp[*]", "account[prod].idp[Okta].grant", false},
		{"account[prod].*", "account[prod].idp[Okta].grant", true},
		{"*", "plan", true},
		{"account[*].idp[PIN]", "account[sandbox].idp[PIN]", true},
		{"account[*].idp[PIN]", "zone[docs].idp[PIN]", false},
		{"a*a", "a", false},
		{"a*b*c", "abc", true},
		{"a*b*c", "acb", false},
		{"[prod]", "p", false},
		{"account[a].idp[GitHub]", "account[a].idp[GitHub]", true},
		{"account[a].idp[GitHub]", "account[a].idp[GitHub].grant", false},
		{"account[*].idp[Okta]", "account[prod].idp[Okta]", true},
		{"account[*].idp[Okta]", "account[prod].idp[Okta].encryption", false},
		{"account[a].idp[Okta]*", "account[a].idp[Okta].share.recipient[x]", true},
		{"*", "anything", true},
		{"account[a]*idp[*]", "account[a].idp[x]", true},
		{"account[a]*idp[*]", "account[b].idp[x]", false},
		{"account[a].idp[*].grant", "account[a].idp[x].share", false},
	} {
		if got := Match(tt.pattern, tt.addr); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.addr, got, tt.want)
		}
	}
}
