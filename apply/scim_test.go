package apply

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/idpsync/idpsync/plan"
)

// memorySink keeps SCIM secrets in memory, as the command's file sink would.
type memorySink struct {
	got  map[string]string // IdP address → secret
	fail bool
}

func (m *memorySink) WriteSCIMSecret(_ context.Context, s SCIMSecret) (string, error) {
	if m.fail {
		return "", errors.New("open out/a.scim: permission denied")
	}
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
		})
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
