package progress

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/idpsync/idpsync/apply"
	"github.com/idpsync/idpsync/internal/golden"
	"github.com/idpsync/idpsync/plan"
)

// evilName is a name a server could return: an escape sequence, a bidi
// override and a line that starts a CI command.
const evilName = "Ok\x1b[2Jta\u202e\n::warning::x"

func quote(args []string) string { return strings.Join(args, " ") }

// TestResults renders every end-of-apply view into one golden file per
// case; out and errOut are shown apart.
func TestResults(t *testing.T) {
	cert := apply.AppliedCertificateSet{AccountID: "a1", IdP: "account[a].idp[Okta]", IdPName: "Okta", Fingerprint: "AB:CD", NotAfter: time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)}
	tests := []struct {
		name string
		show func(out, errOut *bytes.Buffer)
	}{
		{"complete", func(out, errOut *bytes.Buffer) {
			Result(out, errOut, &apply.Result{Summary: plan.Summary{Add: 2, Change: 1}, Warnings: []string{"the certificate of account[a].idp[Okta] could not be read"}})
		}},
		{"failed", func(out, errOut *bytes.Buffer) {
			Result(out, errOut, &apply.Result{Summary: plan.Summary{Add: 1}, Failed: []string{"account[a].idp[" + evilName + "]"}, Skipped: []string{"x"},
				Errors: map[string]error{"account[a].idp[" + evilName + "]": errors.New("code 1000: \x1b[31mno\x1b[0m")}})
		}},
		{"interrupted", func(out, errOut *bytes.Buffer) {
			Result(out, errOut, &apply.Result{Interrupted: true, Summary: plan.Summary{Destroy: 1}, NotStarted: []string{"a", "b"}})
		}},
		{"certificates", func(out, errOut *bytes.Buffer) {
			evil := cert
			evil.IdP, evil.IdPName = "account[a].idp["+evilName+"]", evilName
			Certificates(out, &apply.Result{CertificateSets: []apply.AppliedCertificateSet{cert, evil}}, "certs/", quote)
		}},
		{"scim", func(out, errOut *bytes.Buffer) {
			res := &apply.Result{SCIM: []apply.AppliedSCIMSecret{{IdP: "account[a].idp[Okta]", BaseURL: "https://a.cloudflareaccess.com/populations/1", Where: "secrets/a-Okta.scim"}}}
			SCIM(out, res, false)
			SCIM(errOut, res, true)
		}},
		{"verified", func(out, errOut *bytes.Buffer) {
			if Verified(out, errOut, &plan.Plan{Pending: []plan.Pending{{Address: "x"}, {Address: "y"}}}, false) {
				fmt.Fprintln(out, "differs!")
			}
		}},
		{"still_differs", func(out, errOut *bytes.Buffer) {
			p := &plan.Plan{Actions: []plan.Action{
				{Address: "account[a].idp[Okta]", Action: plan.Update},
				{Address: "account[a].idp[Okta#2]", Action: plan.Delete, Reason: plan.ReasonDuplicate},
				{Address: "account[a].idp[Entra]", Action: plan.NoOp},
			}}
			if !Verified(out, errOut, p, true) {
				fmt.Fprintln(out, "matches!")
			}
		}},
		{"stale", func(out, errOut *bytes.Buffer) {
			Stale(errOut, []plan.Read{{Address: "account[a].idp[" + evilName + "]", ID: "id-1"}})
		}},
		{"undelivered", func(out, errOut *bytes.Buffer) {
			p := &plan.Plan{UndeliveredSCIM: []plan.UndeliveredSCIMSecret{{Address: "account[a].idp[Okta]", Command: "idpsync apply --rotate-scim-secret 'account[a].idp[Okta]' --secrets-out secrets/"}}}
			if !Undelivered(out, errOut, p, true) {
				fmt.Fprintln(out, "none!")
			}
			if Undelivered(out, errOut, &plan.Plan{}, true) {
				fmt.Fprintln(out, "some in an empty plan!")
			}
		}},
		{"pending", func(out, errOut *bytes.Buffer) {
			v := New(Options{Out: out, Err: errOut})
			for _, n := range []int{3, 3, 1, 1, 0} {
				v.Pending(make([]apply.Pending, n))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			tt.show(&out, &errOut)
			all := out.String() + errOut.String()
			for _, bad := range []string{"\x1b", "\u202e"} {
				if strings.Contains(all, bad) {
					t.Errorf("output has %q:\n%q", bad, all)
				}
			}
			for _, l := range strings.Split(all, "\n") {
				if strings.HasPrefix(strings.TrimSpace(l), "::") {
					t.Errorf("a line is a CI command: %q", l)
				}
			}
			for _, l := range strings.Split(strings.TrimSpace(all), "\n") {
				if strings.HasPrefix(l, "{") && !json.Valid([]byte(l)) {
					t.Errorf("invalid JSON line %q", l)
				}
			}
			golden.Check(t, filepath.Join("testdata", "result_"+tt.name+".golden"),
				[]byte("-- out --\n"+out.String()+"-- err --\n"+errOut.String()))
		})
	}
}
