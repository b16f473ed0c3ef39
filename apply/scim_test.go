package apply

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/idpsync/idpsync/plan"
)

// memorySink keeps SCIM secrets in memory, as the command's file sink would,
// and the pending records: open holds the tickets not yet answered.
type memorySink struct {
	mu         sync.Mutex
	got        map[string]string // IdP address → secret
	open       map[string]string // ticket → IdP address
	n          int
	fail       bool
	failExpect bool
}

func (m *memorySink) ExpectSCIMSecret(_ context.Context, s SCIMSecret) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s.Secret != "" {
		return "", errors.New("a secret before the request")
	}
	if m.failExpect {
		return "", errors.New("open out/x.scim-pending: no space left on device")
	}
	if m.open == nil {
		m.open = map[string]string{}
	}
	m.n++
	t := fmt.Sprintf("ticket-%d", m.n)
	m.open[t] = s.IdP
	return t, nil
}

func (m *memorySink) WriteSCIMSecret(_ context.Context, s SCIMSecret) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		return "", errors.New("open out/a.scim: permission denied")
	}
	if _, ok := m.open[s.Ticket]; !ok || s.IdPID == "" {
		return "", fmt.Errorf("write without an open ticket (%q) or id (%q)", s.Ticket, s.IdPID)
	}
	delete(m.open, s.Ticket)
	if m.got == nil {
		m.got = map[string]string{}
	}
	m.got[s.IdP] = s.Secret
	return "out/" + s.IdPName + ".scim", nil
}

func scimCreate(name string) plan.Action {
	a := act(plan.Create, plan.ResourceIdP, acctA, name, "")
	a.Request = samlRequest(name)
	a.Request.SCIMConfig = map[string]any{"enabled": true}
	a.SCIMSecret = true
	return a
}

func TestSCIMSecretCapture(t *testing.T) {
	rotate := act(plan.Rotate, plan.ResourceSCIMSecret, acctA, "Entra", ".scim_secret")
	rotate.IDs.IdP = "idp-live"
	rotate.SCIMSecret = true
	tests := []struct {
		name      string
		plan      *plan.Plan
		noSecret  bool
		want      map[string]string
		wantCalls []string
	}{
		{
			name:      "create returns the secret",
			plan:      newPlan([]plan.Action{scimCreate("Okta")}),
			want:      map[string]string{idpAddr(acctA, "Okta"): "created-secret-Okta"},
			wantCalls: []string{"CreateIdentityProvider()"},
		},
		{
			name:      "a create answered without the secret refreshes it",
			plan:      newPlan([]plan.Action{scimCreate("Okta")}),
			noSecret:  true,
			want:      map[string]string{idpAddr(acctA, "Okta"): "refreshed-secret-idp-Okta"},
			wantCalls: []string{"CreateIdentityProvider()", "RefreshSCIMSecret(idp-Okta)"},
		},
		{
			name:      "rotation goes through refresh_scim_secret",
			plan:      newPlan([]plan.Action{rotate}),
			want:      map[string]string{idpAddr(acctA, "Entra"): "refreshed-secret-idp-live"},
			wantCalls: []string{"RefreshSCIMSecret(idp-live)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeClient{noSCIMSecret: tt.noSecret}
			sink := &memorySink{}
			res, err := Execute(context.Background(), f, tt.plan, Options{SCIMSecrets: sink})
			if err != nil {
				t.Fatal(err)
			}
			if !res.OK() {
				t.Fatalf("not all done: %v", res.Errors)
			}
			if fmt.Sprint(sink.got) != fmt.Sprint(tt.want) {
				t.Errorf("sink got %v, want %v", sink.got, tt.want)
			}
			if got := ops(f.log()); !slices.Equal(got, tt.wantCalls) {
				t.Errorf("calls %v, want %v", got, tt.wantCalls)
			}
			if len(res.SCIM) != 1 || res.SCIM[0].Where == "" || !strings.HasPrefix(res.SCIM[0].BaseURL, "https://") {
				t.Errorf("result SCIM = %+v, want one entry with where and base URL", res.SCIM)
			}
			if dump := fmt.Sprintf("%+v", res); strings.Contains(dump, "secret-") {
				t.Errorf("the result holds the secret: %s", dump)
			}
			if len(sink.open) != 0 {
				t.Errorf("records left open after a delivery: %v", sink.open)
			}
		})
	}
}

// A secret handed out and not written fails the action loudly, with the
// command that delivers a new one, and leaves the sink's record open for
// the next plan.
func TestSCIMSecretUndelivered(t *testing.T) {
	rotate := act(plan.Rotate, plan.ResourceSCIMSecret, acctA, "Entra", ".scim_secret")
	rotate.IDs.IdP = "idp-live"
	rotate.SCIMSecret = true
	tests := []struct {
		name      string
		plan      *plan.Plan
		client    *fakeClient
		wantCalls []string
	}{
		{
			name:      "create and refresh both answer without a secret",
			plan:      newPlan([]plan.Action{scimCreate("Okta")}),
			client:    &fakeClient{noSCIMSecret: true, emptyRefresh: true},
			wantCalls: []string{"CreateIdentityProvider()", "RefreshSCIMSecret(idp-Okta)"},
		},
		{
			name:      "rotation answered without a secret",
			plan:      newPlan([]plan.Action{rotate}),
			client:    &fakeClient{emptyRefresh: true},
			wantCalls: []string{"RefreshSCIMSecret(idp-live)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &memorySink{}
			res, err := Execute(context.Background(), tt.client, tt.plan, Options{SCIMSecrets: sink})
			if err != nil {
				t.Fatal(err)
			}
			if got := ops(tt.client.log()); !slices.Equal(got, tt.wantCalls) {
				t.Errorf("calls %v, want %v", got, tt.wantCalls)
			}
			addr := tt.plan.Actions[0].Address
			e := res.Errors[addr]
			if e == nil || !strings.Contains(e.Error(), "NOT DELIVERED") || !strings.Contains(e.Error(), "--rotate-scim-secret '"+tt.plan.Actions[0].IdP+"' --secrets-out") {
				t.Fatalf("error of %s = %v, want NOT DELIVERED with the rotation command", addr, e)
			}
			if len(sink.open) != 1 {
				t.Errorf("open records = %v, want the request's own", sink.open)
			}
			if len(res.SCIM) != 0 {
				t.Errorf("result SCIM = %+v, want none", res.SCIM)
			}
		})
	}
}

// A record that cannot be written stops the action before its request.
func TestSCIMSecretNoRecordNoRequest(t *testing.T) {
	f := &fakeClient{}
	res, err := Execute(context.Background(), f, newPlan([]plan.Action{scimCreate("Okta")}), Options{SCIMSecrets: &memorySink{failExpect: true}})
	if err != nil {
		t.Fatal(err)
	}
	if e := res.Errors[idpAddr(acctA, "Okta")]; e == nil || !strings.Contains(e.Error(), "nothing was sent") {
		t.Fatalf("err = %v, want nothing was sent", e)
	}
	if n := len(f.log()); n != 0 {
		t.Errorf("made %d calls without a record", n)
	}
}

func TestSCIMSecretNeedsSink(t *testing.T) {
	f := &fakeClient{}
	_, err := Execute(context.Background(), f, newPlan([]plan.Action{scimCreate("Okta")}), Options{})
	if err == nil || !strings.Contains(err.Error(), "--secrets-out") {
		t.Fatalf("err = %v, want a refusal naming --secrets-out", err)
	}
	if n := len(f.log()); n != 0 {
		t.Errorf("made %d calls before refusing", n)
	}
}

func TestSCIMSecretSinkFailureNamesNoSecret(t *testing.T) {
	f := &fakeClient{}
	res, err := Execute(context.Background(), f, newPlan([]plan.Action{scimCreate("Okta")}), Options{SCIMSecrets: &memorySink{fail: true}})
	if err != nil {
		t.Fatal(err)
	}
	e := res.Errors[idpAddr(acctA, "Okta")]
	if e == nil || !strings.Contains(e.Error(), "--rotate-scim-secret") {
		t.Fatalf("err = %v, want the failure with a rotation hint", e)
	}
	if strings.Contains(e.Error(), "created-secret") {
		t.Errorf("the error holds the secret: %v", e)
	}
}
