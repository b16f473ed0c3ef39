package doctor

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/emulator/contract"
	"github.com/idpsync/idpsync/idptype"
)

// Family is a group of endpoints idpsync reads alike.
type Family string

// The families, in the order they are checked and reported.
const (
	FamilyAccount      Family = "account"
	FamilyIdPs         Family = "identity_providers"
	FamilyCertSets     Family = "certificate_sets"
	FamilyGrants       Family = "federation_grants"
	FamilyShares       Family = "shares"
	FamilyApps         Family = "access_apps"
	FamilyPolicies     Family = "access_policies"
	FamilyOrganization Family = "access_organization"
	// FamilyAccountList is GET /accounts, read once for all the accounts:
	// plans take the organizations of many accounts from it.
	FamilyAccountList Family = "account_listing"
)

// Permission group names, as the report prints them.
const (
	groupAccess          = "Access: Organizations, Identity Providers, and Groups"
	groupApps            = "Access: Apps and Policies"
	groupAccountSettings = "Account Settings"
)

// Permission group names are Cloudflare's: the x-api-token-group of each
// operation in the contract (from Cloudflare's OpenAPI document), and for
// GET /accounts/{id} the API token permissions reference,
// https://developers.cloudflare.com/fundamentals/api/reference/permissions/
// ("Account Settings Read"). The certificate-set and grant operations
// declare no group; they are IdP sub-resources, so the IdPs' is assumed and
// the report says so. The share operations declare none and accept the
// global API key only (security: api_email + api_key, x-api-token-group:
// null).
type endpoint struct {
	family Family
	segs   []string
	query  url.Values
	// asked is the per_page idpsync asks for (0: none).
	asked int
	zone  bool   // zones have it too
	group string // permission group; "" for none (shares)
	// assumed: the contract names no group for the operation.
	assumed bool
	// readOnly: idpsync never writes the family.
	readOnly bool
	// required: idpsync cannot plan without reading it. The account details
	// are not: without them the plan warns organization_unverified.
	required bool
	// template is the operation's path in the contract, for the report.
	template string
}

func endpoints(spec *contract.Spec) []endpoint {
	page := func(n int) url.Values { return url.Values{"page": {"1"}, "per_page": {strconv.Itoa(n)}} }
	eps := []endpoint{
		{family: FamilyAccount, group: groupAccountSettings, readOnly: true, template: "/accounts/{account_id}"},
		{family: FamilyIdPs, segs: []string{"access", "identity_providers"}, query: page(cloudflare.IdPPageSize), asked: cloudflare.IdPPageSize, zone: true, group: groupAccess, required: true, template: "/{owner}/access/identity_providers"},
		{family: FamilyCertSets, segs: []string{"access", "saml_certificates"}, query: page(cloudflare.CertSetPageSize), asked: cloudflare.CertSetPageSize, group: groupAccess, assumed: true, required: true, template: "/accounts/{account_id}/access/saml_certificates"},
		{family: FamilyGrants, segs: []string{"access", "idp_federation_grants"}, group: groupAccess, assumed: true, required: true, template: "/accounts/{account_id}/access/idp_federation_grants"},
		// As engine.ReadLive reads them: unpaginated, with their resources.
		{family: FamilyShares, segs: []string{"shares"}, query: url.Values{"include_resources": {"true"}}, required: true, template: "/accounts/{account_id}/shares"},
		{family: FamilyApps, segs: []string{"access", "apps"}, query: page(cloudflare.AppPageSize), asked: cloudflare.AppPageSize, zone: true, group: groupApps, readOnly: true, required: true, template: "/{owner}/access/apps"},
	}
	// Access policies are read once the contract describes them.
	if _, ok := spec.Find(http.MethodGet, "/accounts/0/access/policies"); ok {
		eps = append(eps, endpoint{family: FamilyPolicies, segs: []string{"access", "policies"}, query: page(cloudflare.AppPageSize), asked: cloudflare.AppPageSize, group: groupApps, readOnly: true, required: true, template: "/accounts/{account_id}/access/policies"})
	}
	eps = append(eps, endpoint{family: FamilyOrganization, segs: []string{"access", "organizations"}, zone: true, group: groupAccess, readOnly: true, required: true, template: "/{owner}/access/organizations"})
	return eps
}

// Client is what doctor needs of the API client.
type Client interface {
	Probe(ctx context.Context, owner string, segs []string, query url.Values) (*cloudflare.Probe, error)
	Credentials() (token, key bool)
	SchemeFor(shares bool) string
	// ProbeAccounts sends the first page of GET /accounts.
	ProbeAccounts(ctx context.Context) (*cloudflare.Probe, error)
}

// Owner is an account or zone to check.
type Owner struct {
	// Key is the account id, or idptype.ZoneKey of a zone.
	Key   string
	Label string
}

// Request is what to check.
type Request struct {
	Owners []Owner
	// TokenSource names where the token came from (an environment variable
	// or a flag), for the report; never the token.
	TokenSource string
	// Budget is the client's own rate budget as configured, e.g. "1200/5m".
	Budget string
}

// Status of one check.
type Status string

const (
	StatusOK                Status = "ok"
	StatusWarning           Status = "warning"
	StatusMissingPermission Status = "missing_permission"
	StatusKeyRequired       Status = "key_required"
	StatusPageRefused       Status = "page_size_refused"
	StatusFailed            Status = "failed"
	// StatusInfo: refused, and idpsync works without it, only slower.
	StatusInfo Status = "info"
)

// Check is the outcome of one read.
type Check struct {
	Family   Family `json:"family"`
	Endpoint string `json:"endpoint"`
	// Credential is what the read carried: "token" or "api_key".
	Credential string `json:"credential"`
	Status     Status `json:"status"`
	HTTPStatus int    `json:"http_status,omitempty"`
	Codes      []int  `json:"codes,omitempty"`
	// Required: idpsync cannot plan without this read.
	Required bool `json:"required"`
	// Missing is the permission the credential lacks, in Cloudflare's words.
	Missing string `json:"missing,omitempty"`
	// Detail says what happened and what to do, in idpsync's words only.
	Detail string `json:"detail,omitempty"`
	// Write is what idpsync's writes to this family need; empty when it
	// never writes it.
	Write string `json:"write,omitempty"`
	// PerPage: asked, and what the answer's result_info said it served.
	PerPageAsked  int `json:"per_page_asked,omitempty"`
	PerPageServed int `json:"per_page_served,omitempty"`
	// Shape lists how the answer departs from the contract.
	Shape []contract.Difference `json:"shape,omitempty"`
}

// OwnerReport is every check of one account or zone.
type OwnerReport struct {
	Owner  string  `json:"owner"`
	Label  string  `json:"label,omitempty"`
	Zone   bool    `json:"zone"`
	Checks []Check `json:"checks"`
}

// Credentials says what was found and what each serves.
type Credentials struct {
	Token       bool   `json:"token"`
	TokenSource string `json:"token_source,omitempty"`
	Key         bool   `json:"global_key"`
	// Uses maps each family to the credential its requests carry.
	Uses map[Family]string `json:"uses"`
}

// RateLimit is what the answers' headers said, and the client's own budget.
type RateLimit struct {
	Seen bool `json:"seen"`
	// Remaining is the least the headers reported left in the window.
	Remaining int           `json:"remaining,omitempty"`
	Reset     time.Duration `json:"reset_ns,omitempty"`
	Quota     int           `json:"quota,omitempty"`
	Window    time.Duration `json:"window_ns,omitempty"`
	// Budget is the client's own, as configured (--rate-limit).
	Budget string `json:"client_budget"`
	// Used is the requests doctor sent.
	Used int `json:"used"`
}

// Report is the outcome of Run.
type Report struct {
	Credentials Credentials   `json:"credentials"`
	Owners      []OwnerReport `json:"owners"`
	// AccountListing is the one read of GET /accounts, when an account
	// was checked.
	AccountListing *Check    `json:"account_listing,omitempty"`
	RateLimit      RateLimit `json:"rate_limit"`
	// OK: everything idpsync needs is readable.
	OK bool `json:"ok"`
}

// Run checks every owner of req. It fails only when it could not ask
// (a transport error, an interrupt); a refused read is a finding.
func Run(ctx context.Context, c Client, spec *contract.Spec, req Request) (*Report, error) {
	token, key := c.Credentials()
	r := &Report{
		Credentials: Credentials{Token: token, TokenSource: req.TokenSource, Key: key, Uses: map[Family]string{}},
		RateLimit:   RateLimit{Budget: req.Budget},
		OK:          true,
	}
	eps := endpoints(spec)
	for _, ep := range eps {
		r.Credentials.Uses[ep.family] = c.SchemeFor(ep.family == FamilyShares)
	}
	accounts := false
	for _, o := range req.Owners {
		zone := idptype.IsZone(o.Key)
		accounts = accounts || !zone
		or := OwnerReport{Owner: idptype.OwnerID(o.Key), Label: o.Label, Zone: zone}
		for _, ep := range eps {
			if zone && !ep.zone {
				continue
			}
			p, err := c.Probe(ctx, o.Key, ep.segs, ep.query)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", idptype.OwnerName(o.Key), ep.family, err)
			}
			r.RateLimit.Used++
			r.RateLimit.observe(p.RateLimit)
			ch := judge(ep, p, token, key, zone)
			ch.Shape = spec.Shape(p.Method, p.Path, p.Status, p.ContentType, p.Body)
			if ch.Required && ch.Status != StatusOK && ch.Status != StatusWarning {
				r.OK = false
			}
			or.Checks = append(or.Checks, ch)
		}
		r.Owners = append(r.Owners, or)
	}
	if accounts {
		r.Credentials.Uses[FamilyAccountList] = c.SchemeFor(false)
		p, err := c.ProbeAccounts(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", FamilyAccountList, err)
		}
		r.RateLimit.Used++
		r.RateLimit.observe(p.RateLimit)
		ch := judgeListing(p)
		ch.Shape = spec.Shape(p.Method, p.Path, p.Status, p.ContentType, p.Body)
		r.AccountListing = &ch
	}
	return r, nil
}

// judgeListing judges the read of GET /accounts. Nothing needs it: plans
// take the organizations of many accounts from it where that costs fewer
// requests, and when it is refused (any 4xx but 429, as engine.orgSource
// decides) they read each account's details instead, one request per
// account, as before the listing was used. So a refusal is information,
// not a failure.
//
// The permission it needs is not documented: the API reference of List
// Accounts (https://developers.cloudflare.com/api/operations/accounts-list-accounts)
// names the credentials it takes but no accepted permission, where Account
// Details (.../api/operations/accounts-account-details) lists "Accepted
// Permissions (at least one required)", Account Settings Read among them;
// the contract's operation has no x-api-token-group, and cloudflare-go
// v7.9.0 accounts/account.go says nothing of permissions. The report says so rather than guess one.
func judgeListing(p *cloudflare.Probe) Check {
	ch := Check{
		Family: FamilyAccountList, Endpoint: "GET /accounts", Credential: p.Scheme, HTTPStatus: p.Status,
		Codes: p.Codes, PerPageAsked: cloudflare.AccountsPerPage,
	}
	const fallback = "plans still work: they read each account's details instead, one request per account that needs its organization, which is slower at many accounts"
	switch {
	case p.Status >= 200 && p.Status < 300:
		ch.Status = StatusOK
		ch.Detail = "plans read the organizations of many accounts from this listing, 50 accounts a request"
		if ri := p.ResultInfo; ri != nil && ri.PerPage > 0 && ri.PerPage < cloudflare.AccountsPerPage {
			ch.PerPageServed = ri.PerPage
			ch.Detail = fmt.Sprintf("plans read the organizations of many accounts from this listing; the API serves at most %d a page where idpsync asks %d, and idpsync pages by what it reports", ri.PerPage, cloudflare.AccountsPerPage)
		}
	case p.Status == http.StatusForbidden || p.Status == http.StatusUnauthorized:
		ch.Status = StatusInfo
		ch.Missing = "the permission to list accounts (the API reference names none for GET /accounts)"
		ch.Detail = "the credential may not list accounts; " + fallback
	case p.Status >= 400 && p.Status < 500 && p.Status != http.StatusTooManyRequests:
		ch.Status = StatusInfo
		ch.Detail = "the listing was refused with HTTP " + strconv.Itoa(p.Status) + "; " + fallback
	case p.Status == http.StatusTooManyRequests:
		ch.Status = StatusFailed
		ch.Detail = "rate limited before the read; run doctor again once the window resets"
	default:
		ch.Status = StatusFailed
		ch.Detail = "the read failed with HTTP " + strconv.Itoa(p.Status) + "; plans that list accounts retry such an answer, and fail while it lasts"
	}
	return ch
}

func (rl *RateLimit) observe(h cloudflare.RateLimitHeaders) {
	if !h.Seen {
		return
	}
	if !rl.Seen || h.Remaining < rl.Remaining {
		rl.Remaining, rl.Reset = h.Remaining, h.Reset
	}
	rl.Seen = true
	if h.Quota > 0 {
		rl.Quota, rl.Window = h.Quota, h.Window
	}
}

func judge(ep endpoint, p *cloudflare.Probe, token, key, zone bool) Check {
	tmpl := ep.template
	if zone {
		tmpl = replaceOwner(tmpl, "/zones/{zone_id}")
	} else {
		tmpl = replaceOwner(tmpl, "/accounts/{account_id}")
	}
	ch := Check{
		Family: ep.family, Endpoint: "GET " + tmpl, Credential: p.Scheme, HTTPStatus: p.Status,
		Codes: p.Codes, Required: ep.required, PerPageAsked: ep.asked,
	}
	if !ep.readOnly {
		ch.Write = writeNeeds(ep, p.Scheme)
	}
	read := ep.group + " Read"
	if ep.assumed {
		read += " (assumed: the API documents no permission for this endpoint)"
	}
	switch {
	case p.Status >= 200 && p.Status < 300:
		ch.Status = StatusOK
		if ri := p.ResultInfo; ri != nil && ep.asked > 0 && ri.PerPage > 0 && ri.PerPage < ep.asked {
			ch.PerPageServed = ri.PerPage
			ch.Detail = fmt.Sprintf("the API serves at most %d a page where idpsync asks %d; idpsync pages by what it reports", ri.PerPage, ep.asked)
		}
	case p.Status == http.StatusForbidden || p.Status == http.StatusUnauthorized:
		switch {
		case ep.family == FamilyShares && p.Scheme == "token":
			ch.Status = StatusKeyRequired
			ch.Missing = "the global API key (X-Auth-Email + X-Auth-Key)"
			ch.Detail = "the share endpoints refused the API token, as their reference documents; set CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY as well, and idpsync sends the key to /shares only"
		case p.Scheme == "api_key":
			ch.Status = StatusMissingPermission
			ch.Missing = "access to this account for the global API key's user"
			ch.Detail = "the global API key was refused: its user is not a member of the account with the rights this endpoint needs, or the key is wrong"
		default:
			ch.Status = StatusMissingPermission
			ch.Missing = read
			ch.Detail = "the API token lacks " + read + " on this " + ownerWord(zone)
		}
		if ep.family == FamilyAccount {
			// Without it the plan warns organization_unverified and checks
			// the organization from the shares instead.
			ch.Status = StatusWarning
			ch.Detail += "; without it idpsync cannot check the declared organization before a write (the plan warns organization_unverified)"
		}
	case p.Status == http.StatusBadRequest && ep.asked > 0:
		ch.Status = StatusPageRefused
		ch.Detail = fmt.Sprintf("the API refused the page size idpsync asks for (per_page=%d); report this with the shape report below", ep.asked)
	case p.Status == http.StatusNotFound && ep.family == FamilyOrganization:
		ch.Status = StatusWarning
		ch.Detail = "no Access organization: Zero Trust is not set up on this " + ownerWord(zone) + "; idpsync can manage IdPs only once it is (sp-metadata needs its team domain)"
	case p.Status == http.StatusNotFound:
		ch.Status = StatusFailed
		ch.Detail = "not found: check the " + ownerWord(zone) + " id, and that the credential can see it"
	case p.Status == http.StatusTooManyRequests:
		ch.Status = StatusFailed
		ch.Detail = "rate limited before the read; run doctor again once the window resets"
	default:
		ch.Status = StatusFailed
		ch.Detail = "the read failed with HTTP " + strconv.Itoa(p.Status)
	}
	return ch
}

func writeNeeds(ep endpoint, scheme string) string {
	if ep.family == FamilyShares {
		return "the global API key (CLOUDFLARE_EMAIL + CLOUDFLARE_API_KEY)"
	}
	w := ep.group + " Write"
	if ep.assumed {
		w += " (assumed)"
	}
	if scheme == "api_key" {
		return w + ", held by the global API key's user"
	}
	return w + " on the token apply uses"
}

func ownerWord(zone bool) string {
	if zone {
		return "zone"
	}
	return "account"
}

func replaceOwner(tmpl, owner string) string {
	if len(tmpl) >= 8 && tmpl[:8] == "/{owner}" {
		return owner + tmpl[8:]
	}
	return tmpl
}

// Failed lists the checks that keep idpsync from working, for the exit status.
func (r *Report) Failed() []Check {
	var out []Check
	for _, o := range r.Owners {
		for _, c := range o.Checks {
			if c.Required && !slices.Contains([]Status{StatusOK, StatusWarning}, c.Status) {
				out = append(out, c)
			}
		}
	}
	return out
}
