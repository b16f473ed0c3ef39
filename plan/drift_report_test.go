package plan

import (
	"slices"
	"testing"
	"time"

	"github.com/idpsync/idpsync/internal/golden"
	"github.com/idpsync/idpsync/state"
)

func TestDrift(t *testing.T) {
	tests := []struct {
		name        string
		mutate      func(d *state.Desired, l *state.Live, o *Options)
		want        []string // "category address"
		wantDrifted bool
	}{
		{
			name: "converged: only the unverifiable secret",
			want: []string{"unverifiable " + githubAddr},
		},
		{
			name: "every category",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				d.Accounts[0].IdentityProviders[0].Config["force_authn"] = true
				d.Accounts[0].IdentityProviders = append(d.Accounts[0].IdentityProviders, &state.IdP{Name: "Passkeys", Type: "passkeys", Config: map[string]any{}})
				la := account0(l)
				la.IdentityProviders = append(la.IdentityProviders, &state.LiveIdP{ID: "idp-otp", Name: "PIN", Type: "onetimepin"})
				la.Shares[0].Recipients[1].Status = "disassociating"
				la.IdentityProviders[0].CertificateSet.Current.NotAfter = now.Add(5 * 24 * time.Hour)
			},
			want: []string{
				"changed " + oktaAddr,
				"missing " + oktaAddr + ".share.recipient[" + acctData + "]",
				"missing account[platform].idp[Passkeys]",
				"unmanaged account[platform].idp[PIN]",
				"pending " + oktaAddr + ".share.recipient[" + acctData + "]",
				"certificate " + oktaAddr + ".encryption.certificate_set",
				"unverifiable " + githubAddr,
			},
			wantDrifted: true,
		},
		{
			name: "prune deletes are unmanaged, resends are not drift",
			mutate: func(d *state.Desired, l *state.Live, o *Options) {
				d.Accounts[0].Prune = true
				o.ResendSecrets = []string{githubAddr}
				la := account0(l)
				la.IdentityProviders = append(la.IdentityProviders, &state.LiveIdP{ID: "idp-otp", Name: "PIN", Type: "onetimepin"})
			},
			want: []string{
				"unmanaged account[platform].idp[PIN]",
				"unverifiable " + githubAddr,
			},
			wantDrifted: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := desiredState(desiredOkta(), desiredGitHub())
			l := liveState(liveOkta(), liveGitHub())
			o := opts()
			if tt.mutate != nil {
				tt.mutate(d, l, &o)
			}
			p, err := Diff(d, l, o)
			if err != nil {
				t.Fatal(err)
			}
			r := Drift(p)
			var got []string
			for _, it := range r.Items {
				got = append(got, string(it.Category)+" "+it.Address)
				if it.Message == "" || it.AccountID != acctPlatform {
					t.Errorf("item %+v lacks a message or account", it)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("items\n got %q\nwant %q", got, tt.want)
			}
			if r.Drifted != tt.wantDrifted {
				t.Errorf("Drifted = %v, want %v", r.Drifted, tt.wantDrifted)
			}
			if r.FormatVersion != FormatVersion || len(r.Accounts) != 1 {
				t.Errorf("header = %q %v", r.FormatVersion, r.Accounts)
			}
		})
	}
}

func TestDriftChangedCarriesChanges(t *testing.T) {
	d := desiredState(desiredOkta(), desiredGitHub())
	d.Accounts[0].IdentityProviders[0].Config["issuer_url"] = "https://new"
	p, err := Diff(d, liveState(liveOkta(), liveGitHub()), opts())
	if err != nil {
		t.Fatal(err)
	}
	r := Drift(p)
	it := r.Items[0]
	if it.Category != DriftChanged || len(it.Changes) != 1 || it.Changes[0].Path != "config.issuer_url" || it.Message != "live differs from declared" {
		t.Errorf("item = %+v", it)
	}
	if r.Items[1].Message != "client_secret cannot be read back; not compared" {
		t.Errorf("unverifiable message = %q", r.Items[1].Message)
	}
}

// TestGolden pins the JSON form of a plan and its drift report that touch most
// kinds of action, so a change to either shows up in review. Run with -update
// to rewrite them.
func TestGolden(t *testing.T) {
	d := desiredState(desiredOkta(), desiredGitHub())
	okta := d.Accounts[0].IdentityProviders[0]
	okta.Config["sign_request"] = true
	okta.Federation.Accounts = []string{acctApps, "33333333333333333333333333333333"}
	okta.Encryption.RotateWithin = 90 * 24 * time.Hour
	d.Accounts[0].Prune = true
	d.Accounts = append(d.Accounts, &state.Account{ID: acctApps, Name: "apps", IdentityProviders: []*state.IdP{desiredGitHub()}})
	l := liveState(liveOkta(), liveGitHub(), &state.LiveIdP{ID: "idp-old", Name: "Old", Type: "google", Config: map[string]any{"client_id": "x"}, Version: "v-old"})
	account0(l).IdentityProviders[0].CertificateSet.Current.NotAfter = now.Add(60 * 24 * time.Hour)
	l.Accounts[acctApps] = &state.LiveAccount{ID: acctApps, IdentityProviders: []*state.LiveIdP{
		{ID: "idp-fed", Name: "Okta", Type: "saml", ReadOnly: true, Received: &state.Received{FromAccount: acctPlatform}},
	}}
	p, err := Diff(d, l, opts())
	if err != nil {
		t.Fatal(err)
	}
	golden.CheckJSON(t, "testdata/plan.golden.json", p)
	golden.CheckJSON(t, "testdata/drift.golden.json", Drift(p))
}
