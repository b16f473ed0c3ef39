package doctor

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/emulator"
	"github.com/idpsync/idpsync/emulator/contract"
	"github.com/idpsync/idpsync/idptype"
)

const acct = "023e105f4ecef8ad9ca31a8372d0c353"

// fakeAPI answers each probe from a table keyed by the path's last segment.
type fakeAPI struct {
	answers map[string]*cloudflare.Probe
	sent    []string
}

func (f *fakeAPI) Probe(_ context.Context, owner string, segs []string, q url.Values) (*cloudflare.Probe, error) {
	base := "/accounts/" + owner
	if idptype.IsZone(owner) {
		base = "/zones/" + idptype.OwnerID(owner)
	}
	path := strings.Join(append([]string{base}, segs...), "/")
	f.sent = append(f.sent, "GET "+path+"?"+q.Encode())
	last := "account"
	if len(segs) > 0 {
		last = segs[len(segs)-1]
	}
	p := *f.answers[last]
	p.Method, p.Path = http.MethodGet, path
	if p.ContentType == "" {
		p.ContentType = "application/json"
	}
	return &p, nil
}

func (f *fakeAPI) ProbeAccounts(context.Context) (*cloudflare.Probe, error) {
	q := url.Values{"page": {"1"}, "per_page": {"50"}}
	f.sent = append(f.sent, "GET /accounts?"+q.Encode())
	a, ok := f.answers["accounts"]
	if !ok {
		a = ok200(`{"success":true,"errors":[],"messages":[],"result":[],"result_info":{"count":0,"page":1,"per_page":50,"total_count":0}}`)
	}
	p := *a
	p.Method, p.Path = http.MethodGet, "/accounts"
	if p.ContentType == "" {
		p.ContentType = "application/json"
	}
	return &p, nil
}

func (f *fakeAPI) Credentials() (bool, bool) { return true, true }
func (f *fakeAPI) SchemeFor(shares bool) string {
	if shares {
		return "api_key"
	}
	return "token"
}

func ok(body string) *cloudflare.Probe {
	var env struct {
		ResultInfo *cloudflare.ResultInfo `json:"result_info"`
	}
	_ = json.Unmarshal([]byte(body), &env)
	return &cloudflare.Probe{Status: 200, Body: []byte(body), Scheme: "token", ResultInfo: env.ResultInfo}
}

var ok200 = ok

func withRate(p *cloudflare.Probe, remaining int, window int) *cloudflare.Probe {
	p.RateLimit = cloudflare.RateLimitHeaders{Seen: true, Remaining: remaining, Reset: 30 * time.Second, Quota: 1200, Window: time.Duration(window) * time.Second}
	return p
}

// TestShapeReportQuotesNoValue: an answer that departs from the contract is
// reported by path and field name, and nothing of its values reaches the report.
func TestShapeReportQuotesNoValue(t *testing.T) {
	spec, err := contract.Parse("spec", emulator.ContractSpec)
	if err != nil {
		t.Fatal(err)
	}
	const canary = "CANARY-4b1d"
	empty := `{"success":true,"errors":[],"messages":[],"result":[],"result_info":{"count":0,"page":1,"per_page":25,"total_count":0}}`
	api := &fakeAPI{answers: map[string]*cloudflare.Probe{
		"account": ok(`{"success":true,"errors":[],"messages":[],"result":{"id":"` + acct + `","name":"` + canary + `","managed_by":{}}}`),
		// An IdP without its type, and a name that is a number.
		"identity_providers":    ok(`{"success":true,"errors":[],"messages":[],"result":[{"id":"` + canary + `","name":42,"config":{}}],"result_info":{"count":1,"page":1,"per_page":50,"total_count":1}}`),
		"saml_certificates":     withRate(ok(empty), 1180, 300),
		"idp_federation_grants": ok(`{"success":true,"errors":[],"messages":[],"result":[]}`),
		"shares":                {Status: 200, Scheme: "api_key", Body: []byte(`{"success":true,"errors":[],"result":[]}`)},
		"apps":                  ok(empty),
		"policies":              ok(empty),
		"organizations":         {Status: 403, Scheme: "token", Codes: []int{10000}, Body: []byte(`{"success":false,"errors":[{"code":10000,"message":"` + canary + `"}],"messages":[],"result":null}`)},
	}}
	r, err := Run(context.Background(), api, spec, Request{Owners: []Owner{{Key: acct, Label: "platform"}}, Budget: "1200/5m"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(r)
	if strings.Contains(string(b), canary) {
		t.Fatalf("the report quotes a value it read:\n%s", b)
	}
	if r.OK {
		t.Error("a missing organization permission passed")
	}
	var idps, org *Check
	for i, c := range r.Owners[0].Checks {
		switch c.Family {
		case FamilyIdPs:
			idps = &r.Owners[0].Checks[i]
		case FamilyOrganization:
			org = &r.Owners[0].Checks[i]
		}
	}
	got := map[string]bool{}
	for _, d := range idps.Shape {
		got[d.String()] = true
	}
	for _, want := range []string{"/result/*: missing field type", "/result/*/name: is number, the contract says string"} {
		if !got[want] {
			t.Errorf("shape report lacks %q; have %v", want, idps.Shape)
		}
	}
	if idps.PerPageServed != 50 || idps.Status != StatusOK {
		t.Errorf("identity_providers check %+v", idps)
	}
	if org.Status != StatusMissingPermission || org.Missing != "Access: Organizations, Identity Providers, and Groups Read" {
		t.Errorf("organization check %+v", org)
	}
	if rl := r.RateLimit; !rl.Seen || rl.Remaining != 1180 || rl.Quota != 1200 || rl.Used != 9 || rl.Budget != "1200/5m" {
		t.Errorf("rate limit %+v", rl)
	}
	// One read per family, one of the account listing, and only reads.
	if len(api.sent) != 9 || api.sent[8] != "GET /accounts?page=1&per_page=50" {
		t.Errorf("sent %d requests, want 9, the last the listing: %v", len(api.sent), api.sent)
	}
}

// TestAccountListing: GET /accounts is read once for all the accounts and
// never for zones alone; refused, it is information (plans read each
// account instead), never a failure of the report; what the listing holds
// is not quoted.
func TestAccountListing(t *testing.T) {
	spec, err := contract.Parse("spec", emulator.ContractSpec)
	if err != nil {
		t.Fatal(err)
	}
	const canary = "CANARY-a11c"
	empty := `{"success":true,"errors":[],"messages":[],"result":[],"result_info":{"count":0,"page":1,"per_page":25,"total_count":0}}`
	base := map[string]*cloudflare.Probe{
		"account":               ok(`{"success":true,"errors":[],"messages":[],"result":{"id":"` + acct + `","name":"a","managed_by":{}}}`),
		"identity_providers":    ok(empty),
		"saml_certificates":     ok(empty),
		"idp_federation_grants": ok(`{"success":true,"errors":[],"messages":[],"result":[]}`),
		"shares":                {Status: 200, Scheme: "api_key", Body: []byte(`{"success":true,"errors":[],"result":[]}`)},
		"apps":                  ok(empty),
		"policies":              ok(empty),
		"organizations":         ok(`{"success":true,"errors":[],"messages":[],"result":{"name":"x","auth_domain":"x.cloudflareaccess.com"}}`),
	}
	refused := func(status int) *cloudflare.Probe {
		return &cloudflare.Probe{Status: status, Scheme: "token", Codes: []int{9109}, Body: []byte(`{"success":false,"errors":[{"code":9109,"message":"` + canary + `"}],"messages":[],"result":null}`)}
	}
	listed := `{"success":true,"errors":[],"messages":[],"result":[{"id":"` + acct + `","name":"` + canary + `","type":"standard","managed_by":{"parent_org_id":"` + canary + `"}}],"result_info":{"count":1,"page":1,"per_page":%d,"total_count":1}}`
	for _, tc := range []struct {
		name    string
		answer  *cloudflare.Probe
		status  Status
		served  int
		missing string
		detail  string
	}{
		{"listed", ok(strings.Replace(listed, "%d", "50", 1)), StatusOK, 0, "", "from this listing, 50 accounts a request"},
		{"smaller pages", ok(strings.Replace(listed, "%d", "20", 1)), StatusOK, 20, "", "serves at most 20 a page where idpsync asks 50"},
		{"forbidden", refused(403), StatusInfo, 0, "the API reference names none for GET /accounts", "plans still work: they read each account's details instead, one request per account"},
		{"unauthorized", refused(401), StatusInfo, 0, "the API reference names none", "plans still work"},
		{"page size refused", refused(400), StatusInfo, 0, "", "refused with HTTP 400; plans still work"},
		{"rate limited", refused(429), StatusFailed, 0, "", "rate limited"},
		{"server error", refused(502), StatusFailed, 0, "", "HTTP 502; plans that list accounts retry"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			answers := map[string]*cloudflare.Probe{"accounts": tc.answer}
			for k, v := range base {
				answers[k] = v
			}
			api := &fakeAPI{answers: answers}
			r, err := Run(context.Background(), api, spec, Request{Owners: []Owner{{Key: acct}, {Key: idptype.ZoneKey("d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0")}}})
			if err != nil {
				t.Fatal(err)
			}
			c := r.AccountListing
			if c == nil {
				t.Fatal("no account listing check")
			}
			if c.Status != tc.status || c.PerPageServed != tc.served || c.Required || c.Endpoint != "GET /accounts" || c.Credential != "token" {
				t.Errorf("check %+v", c)
			}
			if !strings.Contains(c.Missing, tc.missing) || !strings.Contains(c.Detail, tc.detail) {
				t.Errorf("missing %q, detail %q; want %q and %q", c.Missing, c.Detail, tc.missing, tc.detail)
			}
			// The contract has the listing's 200 and 4XX answers.
			if len(c.Shape) != 0 && c.HTTPStatus < 500 {
				t.Errorf("shape %v", c.Shape)
			}
			// Nothing idpsync needs failed: the listing never fails the report.
			if !r.OK || len(r.Failed()) != 0 {
				t.Errorf("the listing's %s failed the report: %+v", tc.name, r.Failed())
			}
			if r.Credentials.Uses[FamilyAccountList] != "token" {
				t.Errorf("uses %v", r.Credentials.Uses)
			}
			if n := strings.Count(strings.Join(api.sent, "\n"), "GET /accounts?"); n != 1 {
				t.Errorf("listing read %d times: %v", n, api.sent)
			}
			b, _ := json.Marshal(r)
			if strings.Contains(string(b), canary) {
				t.Fatalf("the report quotes a value it read:\n%s", b)
			}
		})
	}

	// Zones alone: no account, no listing.
	api := &fakeAPI{answers: base}
	r, err := Run(context.Background(), api, spec, Request{Owners: []Owner{{Key: idptype.ZoneKey("d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0")}}})
	if err != nil {
		t.Fatal(err)
	}
	if r.AccountListing != nil || strings.Contains(strings.Join(api.sent, "\n"), "GET /accounts?") {
		t.Errorf("zones alone read the account listing: %v", api.sent)
	}
}
