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
	if rl := r.RateLimit; !rl.Seen || rl.Remaining != 1180 || rl.Quota != 1200 || rl.Used != 8 || rl.Budget != "1200/5m" {
		t.Errorf("rate limit %+v", rl)
	}
	// One read per family, and only reads.
	if len(api.sent) != 8 {
		t.Errorf("sent %d requests, want 8: %v", len(api.sent), api.sent)
	}
}
