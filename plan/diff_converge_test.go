package plan_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/idpsync/idpsync/apply"
	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/emulator"
	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/state"
)

// These tests run plans against the emulator through the real client, reader
// and executor: a plan made right after an apply must be empty, whatever the
// server adds, defaults or hides.

const (
	convergeToken  = "converge-token"
	convergeSecret = "gh-secret-CANARY-1"
	acctSource     = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	acctRecipient1 = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	acctRecipient2 = "cccccccccccccccccccccccccccccccc"
)

type secrets map[string]string

func (s secrets) Resolve(ref plan.SecretRef) (string, error) {
	v, ok := s[ref.Ref]
	if !ok {
		return "", fmt.Errorf("no secret %s", ref.Ref)
	}
	return v, nil
}

type convergeEnv struct {
	t      *testing.T
	client *cloudflare.Client
	now    time.Time
}

func newConvergeEnv(t *testing.T) *convergeEnv {
	t.Helper()
	srv, err := emulator.Start(emulator.Options{Tokens: []string{convergeToken}, Keys: []emulator.APIKey{{Email: "ops@example.com", Key: "converge-key"}}, AutoAccounts: true, Seed: 7}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c, err := cloudflare.New(cloudflare.Options{BaseURL: srv.URL, Token: convergeToken, Email: "ops@example.com", Key: "converge-key"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections) // before srv.Close: see cloudflare.Client.CloseIdleConnections
	return &convergeEnv{t: t, client: c, now: time.Now()}
}

func (e *convergeEnv) plan(d *state.Desired, o plan.Options) *plan.Plan {
	e.t.Helper()
	ids := make([]string, len(d.Accounts))
	for i, a := range d.Accounts {
		ids[i] = a.ID
	}
	live, err := engine.ReadLive(context.Background(), e.client, ids, engine.ReadOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	o.Now, o.SecretKey = e.now, []byte("converge-salt")
	p, err := plan.Diff(d, live, o)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (e *convergeEnv) apply(p *plan.Plan) {
	e.t.Helper()
	res, err := apply.Execute(context.Background(), e.client, p, apply.Options{Secrets: secrets{"${env:GH}": convergeSecret}})
	if err != nil {
		e.t.Fatal(err)
	}
	if !res.OK() {
		e.t.Fatalf("apply failed: %v %v", res.Failed, res.Errors)
	}
}

func (e *convergeEnv) converges(d *state.Desired, o plan.Options) *plan.Plan {
	e.t.Helper()
	first := e.plan(d, o)
	for _, a := range first.Actions {
		if a.Action != plan.NoOp {
			e.t.Logf("apply: %s %s (%s)", a.Action, a.Address, a.Reason)
		}
	}
	e.apply(first)
	again := e.plan(d, plan.Options{})
	for _, a := range again.Actions {
		if a.Action != plan.NoOp {
			e.t.Errorf("after apply: %s %s (%s) changes %+v", a.Action, a.Address, a.Reason, a.Changes)
		}
	}
	return first
}

func convergeDesired() *state.Desired {
	return &state.Desired{Accounts: []*state.Account{
		{ID: acctSource, Name: "source", IdentityProviders: []*state.IdP{
			{
				Name: "Okta", Type: "saml",
				Config: map[string]any{
					"issuer_url":         "https://okta.example.com/abc",
					"sso_target_url":     "https://okta.example.com/sso",
					"idp_public_certs":   []any{"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"},
					"sign_request":       false,
					"force_authn":        true,
					"attributes":         []any{"email", "groups"},
					"header_attributes":  []any{map[string]any{"attribute_name": "groups", "header_name": "X-Groups"}},
					"max_sso_url_length": 4096,
				},
				Encryption: &state.Encryption{Enabled: true},
				Federation: &state.Federation{Accounts: []string{acctRecipient1, acctRecipient2}},
			},
			{
				Name: "GitHub", Type: "github",
				Config:  map[string]any{"client_id": "Iv1.abc", "client_secret": convergeSecret},
				Secrets: map[string]state.SecretSource{"client_secret": {Ref: "${env:GH}"}},
			},
			{
				Name: "OIDC", Type: "oidc",
				Config: map[string]any{
					"client_id": "c", "client_secret": convergeSecret, "auth_url": "https://a", "token_url": "https://t",
					"certs_url": "https://c", "scopes": []any{"openid", "email"}, "pkce_enabled": false, "claims": []any{},
				},
				Secrets:    map[string]state.SecretSource{"client_secret": {Ref: "${env:GH}"}},
				Federation: &state.Federation{Organization: true},
			},
			{Name: "Passkeys", Type: "passkeys", Config: map[string]any{"login_page_auto_prompt": false}},
		}},
	}}
}

func TestConvergeAgainstEmulator(t *testing.T) {
	e := newConvergeEnv(t)
	d := convergeDesired()
	first := e.converges(d, plan.Options{})
	if !first.HasChanges() {
		t.Fatal("the first plan creates nothing")
	}

	// Change settings, encryption, recipients and the target of a share.
	okta := d.Accounts[0].IdentityProviders[0]
	okta.Config["sso_target_url"] = "https://okta.example.com/sso2"
	okta.Encryption = nil
	okta.Federation = &state.Federation{Accounts: []string{acctRecipient1}}
	oidc := d.Accounts[0].IdentityProviders[2]
	oidc.Federation = &state.Federation{Accounts: []string{acctRecipient2}}
	e.converges(d, plan.Options{ResendSecrets: []string{"account[source].idp[GitHub]"}})

	// A type change replaces the IdP and federates the new one.
	gh := d.Accounts[0].IdentityProviders[1]
	gh.Type = "google"
	gh.Federation = &state.Federation{Accounts: []string{acctRecipient1}}
	e.converges(d, plan.Options{})
	okta.Encryption = &state.Encryption{Enabled: true}
	gh.Type = "github"
	p := e.converges(d, plan.Options{})
	var kinds []string
	for _, a := range p.Actions {
		if a.Action != plan.NoOp {
			kinds = append(kinds, string(a.Action)+" "+a.Address)
		}
	}
	if !strings.Contains(strings.Join(kinds, "\n"), "replace account[source].idp[GitHub]") {
		t.Errorf("type change did not replace: %v", kinds)
	}

	// Pruning removes what is no longer declared.
	d.Accounts[0].Prune = true
	d.Accounts[0].IdentityProviders = d.Accounts[0].IdentityProviders[:1]
	e.converges(d, plan.Options{})
}
