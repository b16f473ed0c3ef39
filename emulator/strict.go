package emulator

import (
	"fmt"
	"strings"
)

// Leniency switches on behaviours kinder than the strictest reading of
// Cloudflare's sources. Each is off by default, so that the client's tests
// meet the strict emulator; each exists for what it names in doc.go (the
// sandbox, older data files, a scenario showing what fails without it).
type Leniency struct {
	// ShareTokens (--share-auth token): the /shares endpoints accept API
	// tokens. Their published security is X-Auth-Email + X-Auth-Key only.
	ShareTokens bool
	// FilteredTotalCount (--lenient-total-count): result_info.total_count
	// counts what the query's filters matched. The documents define it as
	// the total "without any search parameters".
	FilteredTotalCount bool
	// PerPage (--lenient-per-page): per_page is held to the maxima of
	// Cloudflare's extracted OpenAPI document instead of the API reference's
	// smaller ones (certificate sets: 1000 rather than 100).
	PerPage bool
	// AccessOrganization (--auto-access-organization): every account and
	// zone has an Access organization from the start, as earlier versions of
	// the emulator had. Cloudflare has none until Zero Trust is set up.
	AccessOrganization bool
	// TotalPages (--total-pages): every list reports result_info.total_pages.
	// Of the SDK's list types only the federation-grant listing declares it.
	TotalPages bool
}

// Scope is a permission an API token may lack (Options.TokenLacks): a
// family of endpoints, whole ("access": neither read nor write) or its writes
// only ("access:write").
type Scope string

// The scopes, each the endpoints one Cloudflare permission group governs
// (the x-api-token-group of each operation in testdata/access-subset.openapi.yaml).
const (
	// ScopeAccount is GET /accounts/{account_id} and its audit log
	// (GET /accounts/{account_id}/logs/audit): "Account Settings Read".
	ScopeAccount Scope = "account"
	// ScopeAccess is the IdPs, the Access organization, certificate sets and
	// federation grants: "Access: Organizations, Identity Providers, and
	// Groups Read/Write". The document names no group for certificate sets
	// and grants; they are IdP sub-resources, so the emulator counts them here.
	ScopeAccess Scope = "access"
	// ScopeApps is Access applications and policies: "Access: Apps and
	// Policies Read/Write".
	ScopeApps Scope = "apps"
	// ScopeShares is the /shares endpoints, which document no token group at
	// all; it matters only with the ShareTokens leniency.
	ScopeShares Scope = "shares"
)

// Scopes lists every scope, whole and writes only.
func Scopes() []Scope {
	var out []Scope
	for _, s := range []Scope{ScopeAccount, ScopeAccess, ScopeApps, ScopeShares} {
		out = append(out, s, s+":write")
	}
	return out
}

func (s Scope) valid() error {
	for _, v := range Scopes() {
		if s == v {
			return nil
		}
	}
	names := make([]string, 0, 8)
	for _, v := range Scopes() {
		names = append(names, string(v))
	}
	return fmt.Errorf("unknown token scope %q; want one of %s", string(s), strings.Join(names, ", "))
}

// routeScope is the scope a request needs, and whether it writes.
type routeScope struct {
	Scope Scope
	write bool
}

// scopeOf names the scope of an API path (without /client/v4).
func scopeOf(method, path string) routeScope {
	write := method != "GET" && method != "HEAD"
	segs := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(segs) <= 2 && segs[0] == "accounts",
		// The audit log needs Account Settings Read as well (the API
		// reference of GET /accounts/{account_id}/logs/audit).
		len(segs) == 4 && segs[0] == "accounts" && segs[2] == "logs" && segs[3] == "audit":
		return routeScope{ScopeAccount, write}
	case len(segs) >= 3 && segs[2] == "shares":
		return routeScope{ScopeShares, write}
	case len(segs) >= 4 && segs[2] == "access" && (segs[3] == "apps" || segs[3] == "policies"):
		return routeScope{ScopeApps, write}
	default:
		return routeScope{ScopeAccess, write}
	}
}
