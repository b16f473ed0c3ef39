package apply

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/internal/testcert"
	"github.com/idpsync/idpsync/plan"
)

// opRef names a call by operation and path id.
type opRef struct{ op, id string }

func (r opRef) String() string { return r.op + "(" + r.id + ")" }

func seqOf(t *testing.T, calls []call, r opRef) int {
	t.Helper()
	for _, c := range calls {
		if c.Op == r.op && c.ID == r.id {
			return c.Seq
		}
	}
	t.Fatalf("no call %s in %v", r, ops(calls))
	return -1
}

func ops(calls []call) []string {
	var out []string
	for _, c := range calls {
		out = append(out, opRef{c.Op, c.ID}.String())
	}
	return out
}

func TestExecuteOrder(t *testing.T) {
	teardown := func(account, name string) []plan.Action {
		share := act(plan.Delete, plan.ResourceShare, account, name, ".share")
		share.IDs.Share = "share-old-" + name
		grant := act(plan.Delete, plan.ResourceGrant, account, name, ".grant", share.Address)
		grant.IDs.Grant = "grant-old-" + name
		idp := act(plan.Delete, plan.ResourceIdP, account, name, "", grant.Address)
		idp.IDs.IdP = "idp-old-" + name
		return []plan.Action{share, grant, idp}
	}
	tests := []struct {
		name string
		plan *plan.Plan
		// before lists pairs that must happen in this order.
		before [][2]opRef
	}{
		{
			name: "encryption after set after IdP; share after grant",
			plan: newPlan(samlChain(acctA, "Okta", acctB)),
			before: [][2]opRef{
				{{"CreateIdentityProvider", ""}, {"CreateSAMLCertificate", "idp-Okta"}},
				{{"CreateSAMLCertificate", "idp-Okta"}, {"UpdateIdentityProvider", "idp-Okta"}},
				{{"CreateIdentityProvider", ""}, {"CreateGrant", "idp-Okta"}},
				{{"CreateGrant", "idp-Okta"}, {"CreateShare", ""}},
			},
		},
		{
			name: "deletions in reverse",
			plan: newPlan(teardown(acctA, "Okta")),
			before: [][2]opRef{
				{{"DeleteShare", "share-old-Okta"}, {"DeleteGrant", "grant-old-Okta"}},
				{{"DeleteGrant", "grant-old-Okta"}, {"DeleteIdentityProvider", "idp-old-Okta"}},
			},
		},
		{
			name: "replace deletes before it creates",
			plan: func() *plan.Plan {
				a := act(plan.Replace, plan.ResourceIdP, acctA, "Okta", "")
				a.IDs.IdP = "idp-old"
				a.Request = samlRequest("Okta")
				return newPlan([]plan.Action{a})
			}(),
			before: [][2]opRef{
				{{"DeleteIdentityProvider", "idp-old"}, {"CreateIdentityProvider", ""}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The latency is simulated: in the bubble the sleeps take no time.
			var res *Result
			var f *fakeClient
			synctest.Test(t, func(t *testing.T) {
				f = &fakeClient{latency: time.Millisecond}
				var err error
				if res, err = Execute(context.Background(), f, tt.plan, Options{Parallelism: 4}); err != nil {
					t.Fatal(err)
				}
			})
			if !res.OK() {
				t.Fatalf("not all done: %+v", res)
			}
			calls := f.log()
			for _, pair := range tt.before {
				if a, b := seqOf(t, calls, pair[0]), seqOf(t, calls, pair[1]); a >= b {
					t.Errorf("%s came at %d, after %s at %d", pair[0], a, pair[1], b)
				}
			}
			if len(calls) != len(tt.plan.Actions)+countReplace(tt.plan) {
				t.Errorf("made %d calls for %d actions: %v", len(calls), len(tt.plan.Actions), ops(calls))
			}
		})
	}
}

func countReplace(p *plan.Plan) int {
	n := 0
	for _, a := range p.Actions {
		if a.Action == plan.Replace {
			n++
		}
	}
	return n
}

func TestExecuteParallelism(t *testing.T) {
	var acts []plan.Action
	for i := range 24 {
		a := act(plan.Create, plan.ResourceIdP, acctA, fmt.Sprintf("idp%02d", i), "")
		a.Request = samlRequest(a.IdPName)
		acts = append(acts, a)
	}
	tests := []struct {
		parallelism, want int
	}{
		{1, 1},
		{3, 3},
		{0, DefaultParallelism},
		{100, 24},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.parallelism), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := &fakeClient{hold: make(chan struct{}), entered: make(chan call, len(acts))}
				done := make(chan *Result)
				go func() {
					res, err := Execute(context.Background(), f, newPlan(acts), Options{Parallelism: tt.parallelism})
					if err != nil {
						t.Error(err)
					}
					done <- res
				}()
				// Every call is held: once everything is blocked, the executor
				// must have filled exactly its slots.
				synctest.Wait()
				if n := len(f.entered); n != tt.want {
					t.Errorf("%d calls started, want the bound of %d", n, tt.want)
				}
				close(f.hold)
				res := <-done
				if len(res.Done) != len(acts) {
					t.Fatalf("done %d of %d", len(res.Done), len(acts))
				}
				if f.maxInflight != tt.want {
					t.Errorf("max in flight = %d, want %d", f.maxInflight, tt.want)
				}
			})
		})
	}
}

func TestExecuteFailureSkipsDependentsOnce(t *testing.T) {
	boom := errors.New("boom")
	// Okta's set create fails: its encryption update and everything after it
	// are skipped, once each, with the set as cause. Okta's grant and share do
	// not depend on the set and go on, as does Azure.
	okta := samlChain(acctA, "Okta", acctB)
	// A late action that depends on both the failed branch and a live one.
	audit := act(plan.Create, plan.ResourceRecipient, acctA, "Okta", ".share.recipient[c3]",
		okta[2].Address, okta[4].Address)
	audit.RecipientAccount = acctC
	azure := samlChain(acctA, "Azure", acctC)
	p := newPlan(okta, []plan.Action{audit}, azure)

	f := &fakeClient{fail: failWhen("CreateSAMLCertificate", "idp-Okta", boom)}
	log := &eventLog{t: t}
	res, err := Execute(context.Background(), f, p, Options{OnEvent: log.on, Parallelism: 3})
	if err != nil {
		t.Fatal(err)
	}
	failedAddr := okta[1].Address
	if !slices.Equal(res.Failed, []string{failedAddr}) {
		t.Fatalf("failed = %v", res.Failed)
	}
	wantSkipped := []string{okta[2].Address, audit.Address}
	if !slices.Equal(res.Skipped, wantSkipped) {
		t.Errorf("skipped = %v, want %v", res.Skipped, wantSkipped)
	}
	wantDone := []string{okta[0].Address, okta[3].Address, okta[4].Address}
	for _, a := range azure {
		wantDone = append(wantDone, a.Address)
	}
	if !slices.Equal(res.Done, wantDone) {
		t.Errorf("done = %v, want %v", res.Done, wantDone)
	}
	err = res.Errors[failedAddr]
	if !errors.Is(err, boom) {
		t.Errorf("error %v does not wrap the API error", err)
	}
	if want := failedAddr + ": create certificate set: boom"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	skips := log.of(EventSkipped)
	if len(skips) != len(wantSkipped) {
		t.Fatalf("%d skip events, want %d: %+v", len(skips), len(wantSkipped), skips)
	}
	for _, e := range skips {
		if e.Cause != failedAddr || res.SkipCause[e.Address] != failedAddr {
			t.Errorf("skip of %s has cause %q / %q, want %q", e.Address, e.Cause, res.SkipCause[e.Address], failedAddr)
		}
	}
	fails := log.of(EventFailed)
	if len(fails) != 1 || fails[0].Address != failedAddr || !errors.Is(fails[0].Err, boom) {
		t.Errorf("failed events = %+v", fails)
	}
	if res.Summary != (plan.Summary{Add: 3 + 4, Change: 1}) {
		t.Errorf("summary = %+v", res.Summary)
	}
	if res.Interrupted {
		t.Error("interrupted without a stop")
	}
}

func TestExecuteEventsInOrder(t *testing.T) {
	log := &eventLog{t: t}
	noop := act(plan.NoOp, plan.ResourceIdP, acctB, "Keep", "")
	p := newPlan(samlChain(acctA, "Okta", acctB), samlChain(acctC, "Azure"), []plan.Action{noop})
	res, err := Execute(context.Background(), &fakeClient{}, p, Options{OnEvent: log.on})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		t.Fatalf("result: %+v", res)
	}
	state := map[string]EventKind{}
	for _, e := range log.events {
		switch e.Kind {
		case EventStart:
			if _, seen := state[e.Address]; seen {
				t.Errorf("%s started twice", e.Address)
			}
		case EventDone:
			if state[e.Address] != EventStart && e.Action != plan.NoOp {
				t.Errorf("%s done before it started", e.Address)
			}
		}
		state[e.Address] = e.Kind
	}
	for _, a := range p.Actions {
		if state[a.Address] != EventDone {
			t.Errorf("%s ended as %q", a.Address, state[a.Address])
		}
	}
}

func TestExecuteIDsFlow(t *testing.T) {
	okta := samlChain(acctA, "Okta", acctB)
	rcpt := act(plan.Create, plan.ResourceRecipient, acctA, "Okta", ".share.recipient[c3]", okta[4].Address)
	rcpt.RecipientAccount = acctC
	// A replaced IdP gets a new id; its dependents must use it even when the
	// plan carries the old one.
	repl := act(plan.Replace, plan.ResourceIdP, acctA, "Entra", "")
	repl.IDs.IdP = "idp-stale"
	repl.Request = samlRequest("Entra")
	grant := act(plan.Create, plan.ResourceGrant, acctA, "Entra", ".grant", repl.Address)
	grant.IDs.IdP = "idp-stale"
	p := newPlan(okta, []plan.Action{rcpt, repl, grant})

	f := &fakeClient{certPEM: testcert.New(t, testcert.Options{}).PEM}
	res, err := Execute(context.Background(), f, p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		t.Fatalf("result: %+v", res)
	}
	want := []opRef{
		{"CreateSAMLCertificate", "idp-Okta"},
		{"UpdateIdentityProvider", "idp-Okta"},
		{"CreateGrant", "idp-Okta"},
		{"AddRecipient", "share-grant-idp-Okta"},
		{"DeleteIdentityProvider", "idp-stale"},
		{"CreateGrant", "idp-Entra"},
	}
	calls := f.log()
	for _, w := range want {
		seqOf(t, calls, w)
	}
	if add := f.find("AddRecipient"); len(add) != 1 || *add[0].Rcpt != (cloudflare.RecipientRequest{RecipientAccountID: acctC}) {
		t.Errorf("add recipient calls = %+v", add)
	}
	if n := len(f.find("CreateGrant")); n != 2 {
		t.Errorf("%d grants created, want 2", n)
	}
	put := f.find("UpdateIdentityProvider")[0]
	if put.IdP.SAMLCertificateSetID != "set-idp-Okta" {
		t.Errorf("encryption update set id = %q", put.IdP.SAMLCertificateSetID)
	}
	share := f.find("CreateShare")[0].Share
	if share.Resources[0].ResourceID != "grant-idp-Okta" {
		t.Errorf("share resource = %q", share.Resources[0].ResourceID)
	}
	wantShares := map[string]string{
		okta[4].Address: "share-grant-idp-Okta",
	}
	if !reflect.DeepEqual(res.Shares, wantShares) {
		t.Errorf("shares = %v, want %v", res.Shares, wantShares)
	}
	if res.Summary != (plan.Summary{Add: 7, Change: 1, Destroy: 1}) {
		t.Errorf("summary = %+v", res.Summary)
	}
	// The set was created and enabled; the executor reports it once, with
	// the certificate the external IdP needs.
	if len(res.CertificateSets) != 1 {
		t.Fatalf("certificate sets = %+v", res.CertificateSets)
	}
	cs := res.CertificateSets[0]
	if !cs.Created || !cs.Enabled || cs.Rotated || cs.SetUID != "set-idp-Okta" || cs.IdP != idpAddr(acctA, "Okta") || cs.CertificatePEM == "" {
		t.Errorf("certificate set = %+v", cs)
	}
	if len(f.find("GetCertificateSet")) != 0 {
		t.Error("read a set the run already had")
	}
}

func TestExecuteSecrets(t *testing.T) {
	const secret = "s3cret-value"
	create := func() *plan.Plan {
		a := act(plan.Create, plan.ResourceIdP, acctA, "GitHub", "")
		a.Request = oidcRequest("GitHub")
		a.Request.SCIMConfig = map[string]any{"enabled": true, "user_deprovision": true}
		return newPlan([]plan.Action{a})
	}
	tests := []struct {
		name    string
		plan    *plan.Plan
		secrets SecretResolver
		wantErr string // the action's error; "" for success
	}{
		{name: "resolved", plan: create(), secrets: resolver{"client_secret": secret}},
		{name: "unresolvable", plan: create(), secrets: resolver{}, wantErr: "config.client_secret: resolve ${env:SECRET}: ${env:SECRET} is not set"},
		{
			name: "placeholder without reference",
			plan: func() *plan.Plan {
				p := create()
				p.Actions[0].Request.Secrets = nil
				return p
			}(),
			wantErr: "config.client_secret: sensitive value has no secret reference",
		},
		{
			name: "replace keeps the IdP when the secret fails",
			plan: func() *plan.Plan {
				p := create()
				p.Actions[0].Action = plan.Replace
				p.Actions[0].IDs.IdP = "idp-old"
				return p
			}(),
			secrets: resolver{},
			wantErr: "resolve ${env:SECRET}",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := json.Marshal(tt.plan)
			f := &fakeClient{}
			log := &eventLog{t: t}
			res, err := Execute(context.Background(), f, tt.plan, Options{Secrets: tt.secrets, OnEvent: log.on})
			if err != nil {
				t.Fatal(err)
			}
			after, _ := json.Marshal(tt.plan)
			if string(before) != string(after) {
				t.Errorf("Execute changed the plan:\nbefore %s\nafter  %s", before, after)
			}
			if strings.Contains(string(after), secret) || strings.Contains(fmt.Sprint(res, log.events), secret) {
				t.Error("the secret leaked into the plan, the result or an event")
			}
			addr := tt.plan.Actions[0].Address
			if tt.wantErr != "" {
				if err := res.Errors[addr]; err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error = %v, want %q", err, tt.wantErr)
				}
				if calls := f.log(); len(calls) != 0 {
					t.Errorf("calls made despite the bad secret: %v", ops(calls))
				}
				return
			}
			got := f.find("CreateIdentityProvider")[0].IdP
			if got.Config["client_secret"] != secret {
				t.Errorf("client_secret sent = %v", got.Config["client_secret"])
			}
			if got.Config["client_id"] != "client-GitHub" || got.Name != "GitHub" || got.Type != "oidc" {
				t.Errorf("body = %+v", got)
			}
			if !reflect.DeepEqual(got.SCIMConfig, map[string]any{"enabled": true, "user_deprovision": true}) {
				t.Errorf("scim_config = %v", got.SCIMConfig)
			}
			if _, ok := got.Config["enable_encryption"]; ok {
				t.Error("enable_encryption sent without EnableEncryption")
			}
		})
	}
}

func TestExecuteMissingResolver(t *testing.T) {
	a := act(plan.Create, plan.ResourceIdP, acctA, "GitHub", "")
	a.Request = oidcRequest("GitHub")
	f := &fakeClient{}
	if _, err := Execute(context.Background(), f, newPlan([]plan.Action{a}), Options{}); err == nil || !strings.Contains(err.Error(), "no secret resolver") {
		t.Errorf("err = %v", err)
	}
	if len(f.log()) != 0 {
		t.Error("calls made")
	}
}

func TestExecuteEncryptionBody(t *testing.T) {
	update := func(kind plan.Kind, res plan.Resource, enable bool, set string) *plan.Plan {
		suffix := ""
		if res == plan.ResourceEncryption {
			suffix = ".encryption"
		}
		a := act(kind, res, acctA, "Okta", suffix)
		a.IDs = plan.IDs{IdP: "idp-1", CertificateSet: set}
		a.Request = samlRequest("Okta")
		a.Request.Config["enable_encryption"] = true // as read; disabling must override it
		a.Request.EnableEncryption = enable
		return newPlan([]plan.Action{a})
	}
	tests := []struct {
		name       string
		plan       *plan.Plan
		wantEnable any
		wantSet    string
		wantErr    string
	}{
		{name: "idp update keeps encryption on", plan: update(plan.Update, plan.ResourceIdP, true, "set-1"), wantEnable: true, wantSet: "set-1"},
		{name: "encryption enabled", plan: update(plan.Update, plan.ResourceEncryption, true, "set-1"), wantEnable: true, wantSet: "set-1"},
		{name: "encryption disabled", plan: update(plan.Update, plan.ResourceEncryption, false, "set-1"), wantEnable: false},
		{name: "enable without a set", plan: update(plan.Update, plan.ResourceEncryption, true, ""), wantErr: "no certificate set uid is known"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeClient{}
			res, err := Execute(context.Background(), f, tt.plan, Options{})
			if err != nil {
				t.Fatal(err)
			}
			addr := tt.plan.Actions[0].Address
			if tt.wantErr != "" {
				if err := res.Errors[addr]; err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if !res.OK() {
				t.Fatalf("result %+v", res)
			}
			puts := f.find("UpdateIdentityProvider")
			if len(puts) != 1 || puts[0].ID != "idp-1" {
				t.Fatalf("puts = %v", ops(puts))
			}
			body := puts[0].IdP
			if body.Config["enable_encryption"] != tt.wantEnable || body.SAMLCertificateSetID != tt.wantSet {
				t.Errorf("enable_encryption = %v, set = %q; want %v, %q", body.Config["enable_encryption"], body.SAMLCertificateSetID, tt.wantEnable, tt.wantSet)
			}
			if body.Config["issuer_url"] != "https://idp.example.com/Okta" {
				t.Errorf("config lost: %v", body.Config)
			}
			if tt.plan.Actions[0].Request.Config["enable_encryption"] != true {
				t.Error("the plan's config was changed")
			}
		})
	}
}

func TestExecuteShareBody(t *testing.T) {
	share := func(req plan.ShareRequest) *plan.Plan {
		a := act(plan.Create, plan.ResourceShare, acctA, "Okta", ".share")
		a.IDs.Grant = "g1"
		a.Share = &req
		return newPlan([]plan.Action{a})
	}
	resource := []cloudflare.ResourceRequest{{
		ResourceID: "g1", ResourceType: "idp-federation-grant", ResourceAccountID: acctA, Meta: map[string]any{},
	}}
	tests := []struct {
		name string
		plan *plan.Plan
		want cloudflare.CreateShareRequest
	}{
		{
			name: "accounts",
			plan: share(plan.ShareRequest{Name: "Identity provider: Okta", Accounts: []string{acctB, acctC}}),
			want: cloudflare.CreateShareRequest{
				Name:       "Identity provider: Okta",
				Recipients: []cloudflare.RecipientRequest{{RecipientAccountID: acctB}, {RecipientAccountID: acctC}},
				Resources:  resource,
			},
		},
		{
			name: "organization",
			plan: share(plan.ShareRequest{Name: "Identity provider: Okta", Organization: true}),
			want: cloudflare.CreateShareRequest{
				Name:       "Identity provider: Okta",
				Recipients: []cloudflare.RecipientRequest{{}},
				Resources:  resource,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeClient{}
			res, err := Execute(context.Background(), f, tt.plan, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !res.OK() {
				t.Fatalf("result %+v", res)
			}
			got := f.find("CreateShare")[0].Share
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("share request\n got %+v\nwant %+v", *got, tt.want)
			}
			b, _ := json.Marshal(got)
			if !strings.Contains(string(b), `"meta":{}`) {
				t.Errorf("meta must be sent as an empty object: %s", b)
			}
		})
	}
}

func TestExecuteDeleteNotFoundIsSuccess(t *testing.T) {
	idp := act(plan.Delete, plan.ResourceIdP, acctA, "Okta", "")
	idp.IDs.IdP = "i1"
	grant := act(plan.Delete, plan.ResourceGrant, acctA, "Okta", ".grant")
	grant.IDs.Grant = "g1"
	share := act(plan.Delete, plan.ResourceShare, acctA, "Okta", ".share")
	share.IDs.Share = "s1"
	rcpt := act(plan.Delete, plan.ResourceRecipient, acctA, "Azure", ".share.recipient[b2]")
	rcpt.IDs = plan.IDs{Share: "s2", Recipient: "r1"}
	replace := act(plan.Replace, plan.ResourceShare, acctA, "Entra", ".share")
	replace.IDs = plan.IDs{Share: "s3", Grant: "g3"}
	replace.Share = &plan.ShareRequest{Name: "Identity provider: Entra", Organization: true}

	for _, a := range []plan.Action{idp, grant, share, rcpt, replace} {
		t.Run(a.Address, func(t *testing.T) {
			f := &fakeClient{fail: func(c call) error {
				if strings.HasPrefix(c.Op, "Delete") || strings.HasPrefix(c.Op, "Remove") {
					return notFound()
				}
				return nil
			}}
			res, err := Execute(context.Background(), f, newPlan([]plan.Action{a}), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !res.OK() {
				t.Fatalf("404 on delete failed the action: %v", res.Errors)
			}
			want := plan.Summary{Destroy: 1}
			if a.Action == plan.Replace {
				want.Add = 1
			}
			if res.Summary != want {
				t.Errorf("summary = %+v, want %+v", res.Summary, want)
			}
		})
	}
}

func TestExecuteReplaceHalfDone(t *testing.T) {
	a := act(plan.Replace, plan.ResourceIdP, acctA, "Okta", "")
	a.IDs.IdP = "idp-old"
	a.Request = samlRequest("Okta")
	f := &fakeClient{fail: failWhen("CreateIdentityProvider", "", errors.New("rejected"))}
	res, err := Execute(context.Background(), f, newPlan([]plan.Action{a}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Failed, []string{a.Address}) {
		t.Fatalf("failed = %v", res.Failed)
	}
	if res.Summary != (plan.Summary{Destroy: 1}) {
		t.Errorf("summary = %+v: the delete happened", res.Summary)
	}
	if want := a.Address + ": create identity provider: rejected"; res.Errors[a.Address].Error() != want {
		t.Errorf("error = %q, want %q", res.Errors[a.Address], want)
	}
}

func TestExecuteRotate(t *testing.T) {
	a := act(plan.Rotate, plan.ResourceCertificateSet, acctA, "Okta", ".encryption.certificate_set")
	a.IDs = plan.IDs{IdP: "i1", CertificateSet: "set-9"}
	pemText := testcert.New(t, testcert.Options{}).PEM
	f := &fakeClient{certPEM: pemText}
	res, err := Execute(context.Background(), f, newPlan([]plan.Action{a}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() || len(f.find("RotateCertificateSet")) != 1 || f.find("RotateCertificateSet")[0].ID != "set-9" {
		t.Fatalf("result %+v, calls %v", res, ops(f.log()))
	}
	block, _ := pem.Decode([]byte(pemText))
	want := AppliedCertificateSet{
		AccountID: acctA, Account: acctA, IdP: idpAddr(acctA, "Okta"), IdPName: "Okta",
		SetUID: "set-9", Rotated: true, CertificateUID: "cert-set-9", CertificatePEM: pemText,
		NotAfter:    time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC),
		Fingerprint: testcert.Fingerprint(block.Bytes),
	}
	if len(res.CertificateSets) != 1 || !reflect.DeepEqual(res.CertificateSets[0], want) {
		t.Errorf("certificate sets\n got %+v\nwant %+v", res.CertificateSets, want)
	}
	if res.Summary != (plan.Summary{Change: 1}) {
		t.Errorf("summary = %+v", res.Summary)
	}
}

func TestExecuteEnableReadsCertificate(t *testing.T) {
	// The set exists from an earlier run; enabling it must still report the
	// certificate, which the external IdP needs now.
	a := act(plan.Update, plan.ResourceEncryption, acctA, "Okta", ".encryption")
	a.IDs = plan.IDs{IdP: "i1", CertificateSet: "set-5"}
	a.Request = samlRequest("Okta")
	a.Request.EnableEncryption = true
	tests := []struct {
		name        string
		fail        func(call) error
		wantPEM     bool
		wantWarning bool
	}{
		{name: "read", wantPEM: true},
		{name: "unreadable", fail: failWhen("GetCertificateSet", "", errors.New("down")), wantWarning: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeClient{certPEM: testcert.New(t, testcert.Options{}).PEM, fail: tt.fail}
			res, err := Execute(context.Background(), f, newPlan([]plan.Action{a}), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !res.OK() {
				t.Fatalf("result %+v", res)
			}
			if len(res.CertificateSets) != 1 || !res.CertificateSets[0].Enabled || res.CertificateSets[0].SetUID != "set-5" {
				t.Fatalf("certificate sets = %+v", res.CertificateSets)
			}
			if got := res.CertificateSets[0].CertificatePEM != ""; got != tt.wantPEM {
				t.Errorf("has PEM = %v, want %v", got, tt.wantPEM)
			}
			if got := len(res.Warnings) > 0; got != tt.wantWarning {
				t.Errorf("warnings = %v", res.Warnings)
			}
		})
	}
}

func TestExecuteStop(t *testing.T) {
	// chain: A then B; independent: C, D. With two slots A and C start; Stop
	// closes while they are in flight.
	mk := func(name string, deps ...string) plan.Action {
		a := act(plan.Create, plan.ResourceIdP, acctA, name, "", deps...)
		a.Request = samlRequest(name)
		return a
	}
	a, c, d := mk("A"), mk("C"), mk("D")
	b := mk("B", a.Address)
	p := newPlan([]plan.Action{a, b, c, d})

	synctest.Test(t, func(t *testing.T) {
		f := &fakeClient{hold: make(chan struct{}), entered: make(chan call, 10)}
		stop := make(chan struct{})
		done := make(chan *Result)
		go func() {
			res, err := Execute(context.Background(), f, p, Options{Parallelism: 2, Stop: stop})
			if err != nil {
				t.Error(err)
			}
			done <- res
		}()
		<-f.entered
		<-f.entered
		close(stop)
		// The executor sees the stop while both calls are held.
		synctest.Wait()
		close(f.hold)
		res := <-done
		if !res.Interrupted {
			t.Error("not interrupted")
		}
		if !slices.Equal(res.Done, []string{a.Address, c.Address}) {
			t.Errorf("done = %v", res.Done)
		}
		if !slices.Equal(res.NotStarted, []string{b.Address, d.Address}) {
			t.Errorf("not started = %v", res.NotStarted)
		}
		if n := len(f.log()); n != 2 {
			t.Errorf("%d calls after stop, want 2", n)
		}
	})
}

func TestExecuteStoppedBeforeStart(t *testing.T) {
	stop := make(chan struct{})
	close(stop)
	p := newPlan(samlChain(acctA, "Okta", acctB))
	f := &fakeClient{}
	res, err := Execute(context.Background(), f, p, Options{Stop: stop})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.NotStarted) != len(p.Actions) || !res.Interrupted || len(f.log()) != 0 {
		t.Errorf("result %+v, calls %v", res, ops(f.log()))
	}
}

func TestExecuteContextCancel(t *testing.T) {
	p := newPlan(samlChain(acctA, "Okta", acctB), samlChain(acctC, "Azure"))
	f := &fakeClient{hold: make(chan struct{}), entered: make(chan call, 10)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan *Result)
	go func() {
		res, _ := Execute(ctx, f, p, Options{})
		done <- res
	}()
	<-f.entered
	<-f.entered // both IdP creates are in flight
	cancel()
	res := <-done
	if !res.Interrupted {
		t.Error("not interrupted")
	}
	if len(res.Failed) != 2 {
		t.Fatalf("failed = %v", res.Failed)
	}
	for _, addr := range res.Failed {
		if !errors.Is(res.Errors[addr], context.Canceled) {
			t.Errorf("%s: %v is not the context error", addr, res.Errors[addr])
		}
	}
	if got := len(res.Skipped) + len(res.NotStarted); got != len(p.Actions)-2 {
		t.Errorf("skipped %v, not started %v", res.Skipped, res.NotStarted)
	}
	if n := len(f.log()); n != 2 {
		t.Errorf("%d calls, want 2", n)
	}
}

func TestExecuteMisuse(t *testing.T) {
	a := act(plan.Create, plan.ResourceGrant, acctA, "Okta", ".grant")
	b := act(plan.Create, plan.ResourceShare, acctA, "Okta", ".share", a.Address)
	cyc := a
	cyc.DependsOn = []string{b.Address}
	tests := []struct {
		name string
		plan *plan.Plan
		want string
	}{
		{"nil plan", nil, "nil plan"},
		{"duplicate", newPlan([]plan.Action{a, a}), "address appears in actions 0 and 1"},
		{"unknown dependency", newPlan([]plan.Action{b}), "which the plan does not have"},
		{"cycle", newPlan([]plan.Action{cyc, b}), "dependency cycle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeClient{}
			_, err := Execute(context.Background(), f, tt.plan, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
			if len(f.log()) != 0 {
				t.Error("calls made")
			}
		})
	}
}

func TestExecuteNoOp(t *testing.T) {
	keep := act(plan.NoOp, plan.ResourceIdP, acctA, "Okta", "")
	keep.IDs.IdP = "i1"
	grant := act(plan.Create, plan.ResourceGrant, acctA, "Okta", ".grant", keep.Address)
	f := &fakeClient{}
	res, err := Execute(context.Background(), f, newPlan([]plan.Action{keep, grant}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() || !slices.Equal(ops(f.log()), []string{"CreateGrant(i1)"}) {
		t.Errorf("result %+v, calls %v", res, ops(f.log()))
	}
	if res.Summary != (plan.Summary{Add: 1}) {
		t.Errorf("summary = %+v", res.Summary)
	}
}

func TestExecuteUnsupportedAction(t *testing.T) {
	a := act(plan.Update, plan.ResourceGrant, acctA, "Okta", ".grant")
	a.IDs.Grant = "g1"
	f := &fakeClient{}
	res, err := Execute(context.Background(), f, newPlan([]plan.Action{a}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := a.Address + ": update is not an action on grant"; res.Errors[a.Address] == nil || res.Errors[a.Address].Error() != want {
		t.Errorf("error = %v, want %q", res.Errors[a.Address], want)
	}
	if len(f.log()) != 0 {
		t.Errorf("calls = %v", ops(f.log()))
	}
}
