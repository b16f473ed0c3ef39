package plan

import (
	"slices"
	"strings"
	"testing"

	"github.com/idpsync/idpsync/state"
)

func TestTarget(t *testing.T) {
	// A new Okta with every child, and an update of GitHub.
	d := desiredState(desiredOkta(), desiredGitHub())
	d.Accounts[0].IdentityProviders[1].Config["client_id"] = "Iv1.new"
	l := liveState(liveGitHub())
	p, err := Diff(d, l, opts())
	if err != nil {
		t.Fatal(err)
	}
	addrs := func(p *Plan) []string {
		var out []string
		for _, a := range p.Actions {
			out = append(out, a.Address)
		}
		return out
	}
	tests := []struct {
		name    string
		targets []string
		want    []string
		wantErr string
	}{
		{
			name:    "a child pulls in what it depends on",
			targets: []string{oktaAddr + ".grant"},
			want:    []string{oktaAddr, oktaAddr + ".encryption.certificate_set", oktaAddr + ".encryption", oktaAddr + ".grant"},
		},
		{
			name:    "an IdP address targets its children",
			targets: []string{oktaAddr},
			want:    []string{oktaAddr, oktaAddr + ".encryption.certificate_set", oktaAddr + ".encryption", oktaAddr + ".grant", oktaAddr + ".share"},
		},
		{
			name:    "several targets",
			targets: []string{githubAddr, oktaAddr + ".encryption.certificate_set"},
			want:    []string{githubAddr, oktaAddr, oktaAddr + ".encryption.certificate_set"},
		},
		{
			name:    "an account address targets the account",
			targets: []string{"account[platform]"},
			want:    addrs(p),
		},
		{
			name:    "an address matching nothing is an error",
			targets: []string{githubAddr, "account[platform].idp[Gitlab]"},
			wantErr: "target account[platform].idp[Gitlab] matches nothing in the plan",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.Target(tt.targets)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(addrs(got), tt.want) {
				t.Errorf("actions\n got %q\nwant %q", addrs(got), tt.want)
			}
			if got.FormatVersion != FormatVersion || len(got.Accounts) != 1 {
				t.Errorf("header = %+v", got)
			}
			for _, r := range got.Reads {
				if !slices.Contains(tt.want, owningIdP(r.Address)) && !slices.Contains(tt.targets, "account[platform]") {
					t.Errorf("read %s kept for an untargeted IdP", r.Address)
				}
			}
		})
	}
	if len(p.Actions) != 6 {
		t.Errorf("Target changed the original plan: %d actions", len(p.Actions))
	}
}

func TestTargetKeepsFindingsOfTargetedIdPs(t *testing.T) {
	d := desiredState(desiredOkta(), desiredGitHub())
	l := liveState(liveOkta(), liveGitHub())
	account0(l).IdentityProviders[0].CertificateSet.Current.NotAfter = now.AddDate(0, 0, 3)
	account0(l).Shares[0].Recipients[0].Status = "associating"
	p, err := Diff(d, l, opts())
	if err != nil {
		t.Fatal(err)
	}
	gh, err := p.Target([]string{githubAddr})
	if err != nil {
		t.Fatal(err)
	}
	if len(gh.Warnings) != 0 || len(gh.Pending) != 0 || len(gh.Reads) != 1 {
		t.Errorf("GitHub target keeps Okta findings: %+v %+v %+v", gh.Warnings, gh.Pending, gh.Reads)
	}
	ok, err := p.Target([]string{oktaAddr})
	if err != nil {
		t.Fatal(err)
	}
	if len(ok.Warnings) != 1 || len(ok.Pending) != 1 || len(ok.Reads) != 6 {
		t.Errorf("Okta target drops its findings: %+v %+v %+v", ok.Warnings, ok.Pending, ok.Reads)
	}
}

// --target treats warnings like actions and reads: an account target keeps
// every finding of the account, the account's own included, and an IdP
// target keeps the account's own findings when it acts on the account.
func TestTargetKeepsAccountFindings(t *testing.T) {
	d := desiredState(desiredOkta(), desiredGitHub())
	l := liveState(liveOkta(), liveGitHub())
	account0(l).Org = state.LiveOrganization{Unknown: "403 Forbidden"}
	account0(l).IdentityProviders[0].CertificateSet.Current.NotAfter = now.AddDate(0, 0, 3)
	d.Accounts[0].IdentityProviders[1].Config["client_id"] = "Iv1.new"
	p, err := Diff(d, l, opts())
	if err != nil {
		t.Fatal(err)
	}
	codes := func(p *Plan) []WarningCode {
		var out []WarningCode
		for _, w := range p.Warnings {
			out = append(out, w.Code)
		}
		slices.Sort(out)
		return out
	}
	if got := codes(p); len(got) != 2 || !slices.Contains(got, WarnOrganizationUnverified) {
		t.Fatalf("fixture warnings = %v, want organization_unverified and a certificate warning", got)
	}
	whole, err := p.Target([]string{"account[platform]"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(codes(whole), codes(p)) {
		t.Errorf("account target warnings = %v, want %v", codes(whole), codes(p))
	}
	gh, err := p.Target([]string{githubAddr})
	if err != nil {
		t.Fatal(err)
	}
	if got := codes(gh); !slices.Equal(got, []WarningCode{WarnOrganizationUnverified}) {
		t.Errorf("IdP target warnings = %v, want the account's own only", got)
	}
}

func TestOwningIdP(t *testing.T) {
	tests := map[string]string{
		oktaAddr:                                        oktaAddr,
		oktaAddr + ".encryption.certificate_set":        oktaAddr,
		oktaAddr + ".encryption":                        oktaAddr,
		oktaAddr + ".grant":                             oktaAddr,
		oktaAddr + ".share":                             oktaAddr,
		oktaAddr + ".share.recipient[" + acctApps + "]": oktaAddr,
		"account[a.b].idp[x.share.recipient[y]].share.recipient[z]": "account[a.b].idp[x.share.recipient[y]]",
		oktaAddr + ".scim_secret":                                   oktaAddr,
		oktaAddr + ".grant (deposed)":                               oktaAddr,
		oktaAddr + ".share (duplicate s2)":                          oktaAddr,
		oktaAddr + ".grant (deposed) (duplicate g2)":                oktaAddr,
		"account[platform]":                                         "account[platform]",
		"zone[docs].idp[GitHub].grant":                              "zone[docs].idp[GitHub]",
	}
	for in, want := range tests {
		if got := owningIdP(in); got != want {
			t.Errorf("owningIdP(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMoved(t *testing.T) {
	d := desiredState(desiredOkta(), desiredGitHub())
	d.Accounts[0].IdentityProviders = append(d.Accounts[0].IdentityProviders, &state.IdP{Name: "Passkeys", Type: "passkeys", Config: map[string]any{}})
	saved, err := Diff(d, liveState(liveOkta(), liveGitHub()), opts())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		mutate func(l *state.Live)
		want   []string // "address id version"
	}{
		{name: "nothing moved", want: nil},
		{
			name:   "IdP changed",
			mutate: func(l *state.Live) { account0(l).IdentityProviders[1].Version = "v-github-2" },
			want:   []string{githubAddr + " idp-github v-github"},
		},
		{
			name: "recipient vanished and certificate set rotated",
			mutate: func(l *state.Live) {
				la := account0(l)
				la.Shares[0].Recipients = la.Shares[0].Recipients[:1]
				la.IdentityProviders[0].CertificateSet.UpdatedAt = now
			},
			want: []string{
				oktaAddr + ".encryption.certificate_set set-okta " + timeVersion(now.Add(-100*24*3600e9)),
				oktaAddr + ".share.recipient[" + acctData + "] rc-data " + timeVersion(now.Add(-46*3600e9)),
			},
		},
		{
			name: "an IdP the plan creates now exists",
			mutate: func(l *state.Live) {
				la := account0(l)
				la.IdentityProviders = append(la.IdentityProviders, &state.LiveIdP{ID: "idp-pk", Name: "Passkeys", Type: "passkeys", Version: "v-pk"})
			},
			want: []string{"account[platform].idp[Passkeys] idp-pk v-pk"},
		},
		{
			// Grants carry no created_at (cloudflare-go v7.9.0
			// IdPFederationGrant is {id, idp_id}): one deleted and made
			// again is told apart by its new id alone.
			name: "the grant was deleted and made again",
			mutate: func(l *state.Live) {
				la := account0(l)
				g := &state.LiveGrant{ID: "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2", IdPID: "idp-okta", Share: la.IdentityProviders[0].Grant.Share}
				la.IdentityProviders[0].Grant = g
				la.Grants = []*state.LiveGrant{g}
			},
			want: []string{oktaAddr + ".grant a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1 idp:idp-okta"},
		},
		{
			name:   "the account vanished",
			mutate: func(l *state.Live) { delete(l.Accounts, acctPlatform) },
			want:   readsOf(saved),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := liveState(liveOkta(), liveGitHub())
			if tt.mutate != nil {
				tt.mutate(l)
			}
			var got []string
			for _, r := range Moved(saved, l) {
				got = append(got, strings.Join([]string{r.Address, r.ID, r.Version}, " "))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("moved\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func readsOf(p *Plan) []string {
	var out []string
	for _, r := range p.Reads {
		out = append(out, strings.Join([]string{r.Address, r.ID, r.Version}, " "))
	}
	return out
}
