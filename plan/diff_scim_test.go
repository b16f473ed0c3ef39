package plan

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/idpsync/idpsync/state"
)

func TestDiffSCIM(t *testing.T) {
	// liveGitHub has no scim_config at all; the emulator and the API return
	// the defaults on every IdP, which must compare equal to declared defaults.
	defaults := map[string]any{"enabled": false, "identity_update_behavior": "no_action", "seat_deprovision": false, "user_deprovision": false, "scim_base_url": "https://scim.example/gh"}
	tests := []struct {
		name       string
		declared   map[string]any
		live       map[string]any // nil: no scim_config read
		rotate     bool
		want       []string
		wantSecret bool
		wantSCIM   map[string]any // the request's scim_config
		wantErr    string
	}{
		{name: "nothing declared, defaults read", live: defaults},
		{name: "declared defaults equal the server's", declared: map[string]any{"enabled": false, "identity_update_behavior": "no_action", "user_deprovision": false}, live: defaults},
		{name: "declared defaults equal an absent scim_config", declared: map[string]any{"enabled": false, "identity_update_behavior": "no_action"}},
		{
			name: "switching SCIM on yields the secret", declared: map[string]any{"enabled": true}, live: defaults,
			want: []string{"scim_config.enabled"}, wantSecret: true,
			wantSCIM: map[string]any{"enabled": true, "identity_update_behavior": "no_action", "seat_deprovision": false, "user_deprovision": false},
		},
		{
			name:     "a change of user_deprovision keeps SCIM on and asks for no secret",
			declared: map[string]any{"enabled": true, "user_deprovision": true},
			live:     map[string]any{"enabled": true, "user_deprovision": false, "scim_base_url": "u"},
			want:     []string{"scim_config.user_deprovision"},
			wantSCIM: map[string]any{"enabled": true, "user_deprovision": true},
		},
		{
			name: "an undeclared live setting is preserved on update", declared: map[string]any{"identity_update_behavior": "reauth"},
			live:     map[string]any{"enabled": true, "user_deprovision": true, "scim_base_url": "u"},
			want:     []string{"scim_config.identity_update_behavior"},
			wantSCIM: map[string]any{"enabled": true, "user_deprovision": true, "identity_update_behavior": "reauth"},
		},
		{name: "rotation of an IdP with SCIM on", live: map[string]any{"enabled": true}, rotate: true, wantSecret: true},
		{name: "rotation of an IdP with SCIM off is refused", live: defaults, rotate: true, wantErr: "SCIM switched off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := desiredGitHub()
			if tt.declared != nil {
				d.SCIM = &state.SCIM{Settings: tt.declared}
			}
			l := liveGitHub()
			l.SCIMConfig = tt.live
			o := opts()
			if tt.rotate {
				o.RotateSCIMSecrets = []string{githubAddr}
			}
			p, err := Diff(desiredState(d), liveState(l), o)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var paths []string
			var secret bool
			for _, a := range p.Actions {
				secret = secret || a.SCIMSecret
				for _, c := range a.Changes {
					if strings.HasPrefix(c.Path, "scim_config.") {
						paths = append(paths, c.Path)
					}
				}
				if a.Resource == ResourceIdP && a.Action == Update && tt.wantSCIM != nil && !equalValue(a.Request.SCIMConfig, tt.wantSCIM) {
					t.Errorf("request scim_config = %v, want %v", a.Request.SCIMConfig, tt.wantSCIM)
				}
			}
			if strings.Join(paths, ",") != strings.Join(tt.want, ",") {
				t.Errorf("scim changes %v, want %v", paths, tt.want)
			}
			if secret != tt.wantSecret {
				t.Errorf("an action yields the SCIM secret: %v, want %v", secret, tt.wantSecret)
			}
			if got := len(p.NeedsSecretsOut()) > 0; got != tt.wantSecret {
				t.Errorf("NeedsSecretsOut = %v, want %v", got, tt.wantSecret)
			}
			if tt.rotate {
				a := find(t, p, githubAddr+".scim_secret", Rotate)
				if a.IDs.IdP != "idp-github" || a.Resource != ResourceSCIMSecret {
					t.Errorf("rotate action = %+v", a)
				}
			}
		})
	}
}

func TestDiffSCIMCreate(t *testing.T) {
	d := desiredGitHub()
	d.SCIM = &state.SCIM{Settings: map[string]any{"enabled": true, "seat_deprovision": true, "user_deprovision": true}}
	p, err := Diff(desiredState(d), liveState(), opts())
	if err != nil {
		t.Fatal(err)
	}
	a := find(t, p, githubAddr, Create)
	if !a.SCIMSecret || len(a.Notes) == 0 || !strings.Contains(a.Notes[0], "--secrets-out") {
		t.Errorf("create does not say the secret comes once: %+v", a)
	}
	if !equalValue(a.Request.SCIMConfig, d.SCIM.Settings) {
		t.Errorf("create sends scim_config %v", a.Request.SCIMConfig)
	}
	if _, err := Diff(desiredState(d), liveState(), Options{Now: now, RotateSCIMSecrets: []string{githubAddr}}); err == nil {
		t.Error("rotating the secret of an IdP this plan creates is not refused")
	}
	if _, err := Diff(desiredState(d), liveState(), Options{Now: now, RotateSCIMSecrets: []string{"account[platform].idp[Nope]"}}); err == nil {
		t.Error("rotating the secret of an undeclared IdP is not refused")
	}
}

// TestDiffSCIMDeliveries: what --secrets-out records decides which copy a
// duplicate repair keeps, and whether an IdP's secret is reported as never
// delivered.
func TestDiffSCIMDeliveries(t *testing.T) {
	scimOn := func(id string) *state.LiveIdP {
		l := liveGitHub()
		l.ID, l.Version = id, "v-"+id
		l.SCIMConfig = map[string]any{"enabled": true, "scim_base_url": "u"}
		return l
	}
	pendingCreate := SCIMPending{AccountID: acctPlatform, IdPName: "GitHub", Record: "platform-GitHub.aa.scim-pending"}
	tests := []struct {
		name        string
		live        []*state.LiveIdP
		deliveries  *SCIMDeliveries
		rotate      bool
		scimOff     bool
		want        []string // non-no-op actions
		undelivered []string // "address id"
	}{
		{
			name: "no directory: nothing known, the lowest id stays",
			live: []*state.LiveIdP{scimOn("idp-1"), scimOn("idp-2")},
			want: []string{"account[platform].idp[idp-2] delete duplicate"},
		},
		{
			name:       "the copy whose secret was delivered stays, over a lower id",
			live:       []*state.LiveIdP{scimOn("idp-1"), scimOn("idp-2")},
			deliveries: &SCIMDeliveries{Delivered: map[string]time.Time{"idp-2": now}, Pending: []SCIMPending{pendingCreate}},
			want:       []string{"account[platform].idp[idp-1] delete duplicate"},
		},
		{
			name:       "neither delivered: the lowest id stays, and is reported",
			live:       []*state.LiveIdP{scimOn("idp-1"), scimOn("idp-2")},
			deliveries: &SCIMDeliveries{Delivered: map[string]time.Time{}, Pending: []SCIMPending{pendingCreate}},
			want:       []string{"account[platform].idp[idp-2] delete duplicate"},
			undelivered: []string{
				githubAddr + " idp-1",
			},
		},
		{
			name:        "a record of a create, no file: reported",
			live:        []*state.LiveIdP{scimOn("idp-1")},
			deliveries:  &SCIMDeliveries{Delivered: map[string]time.Time{}, Pending: []SCIMPending{pendingCreate}},
			undelivered: []string{githubAddr + " idp-1"},
		},
		{
			name:       "a record, and the file: delivered after all",
			live:       []*state.LiveIdP{scimOn("idp-1")},
			deliveries: &SCIMDeliveries{Delivered: map[string]time.Time{"idp-1": now}, Pending: []SCIMPending{pendingCreate}},
		},
		{
			name:       "no record: SCIM switched on elsewhere is no evidence of a loss",
			live:       []*state.LiveIdP{scimOn("idp-1")},
			deliveries: &SCIMDeliveries{Delivered: map[string]time.Time{}},
		},
		{
			name:        "a record of a rotation names the IdP by id",
			live:        []*state.LiveIdP{scimOn("idp-1")},
			deliveries:  &SCIMDeliveries{Delivered: map[string]time.Time{}, Pending: []SCIMPending{{AccountID: acctPlatform, IdPName: "GitHub", IdPID: "idp-1", Record: "r"}}},
			undelivered: []string{githubAddr + " idp-1"},
		},
		{
			name:        "a rotation that started after the file was written made it stale",
			live:        []*state.LiveIdP{scimOn("idp-1")},
			deliveries:  &SCIMDeliveries{Delivered: map[string]time.Time{"idp-1": now}, Pending: []SCIMPending{{AccountID: acctPlatform, IdPName: "GitHub", IdPID: "idp-1", Record: "r", Started: now.Add(time.Minute)}}},
			undelivered: []string{githubAddr + " idp-1"},
		},
		{
			name:       "a rotation record older than the file was answered by it",
			live:       []*state.LiveIdP{scimOn("idp-1")},
			deliveries: &SCIMDeliveries{Delivered: map[string]time.Time{"idp-1": now}, Pending: []SCIMPending{{AccountID: acctPlatform, IdPName: "GitHub", IdPID: "idp-1", Record: "r", Started: now.Add(-time.Minute)}}},
		},
		{
			name:       "a create record never makes another copy's file stale",
			live:       []*state.LiveIdP{scimOn("idp-1")},
			deliveries: &SCIMDeliveries{Delivered: map[string]time.Time{"idp-1": now}, Pending: []SCIMPending{{AccountID: acctPlatform, IdPName: "GitHub", Record: "r", Started: now.Add(time.Minute)}}},
		},
		{
			name:       "a record of another IdP's rotation is not this one's",
			live:       []*state.LiveIdP{scimOn("idp-1")},
			deliveries: &SCIMDeliveries{Delivered: map[string]time.Time{}, Pending: []SCIMPending{{AccountID: acctPlatform, IdPName: "GitHub", IdPID: "idp-0", Record: "r"}}},
		},
		{
			name:       "a record in another account is not this one's",
			live:       []*state.LiveIdP{scimOn("idp-1")},
			deliveries: &SCIMDeliveries{Delivered: map[string]time.Time{}, Pending: []SCIMPending{{AccountID: "other", IdPName: "GitHub", Record: "r"}}},
		},
		{
			name:       "a rotation planned now delivers it: no finding",
			live:       []*state.LiveIdP{scimOn("idp-1")},
			deliveries: &SCIMDeliveries{Delivered: map[string]time.Time{}, Pending: []SCIMPending{pendingCreate}},
			rotate:     true,
			want:       []string{githubAddr + ".scim_secret rotate rotate_requested"},
		},
		{
			name:       "SCIM off live: no secret to miss",
			live:       []*state.LiveIdP{liveGitHub()},
			deliveries: &SCIMDeliveries{Delivered: map[string]time.Time{}, Pending: []SCIMPending{pendingCreate}},
			scimOff:    true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := desiredGitHub()
			if !tt.scimOff {
				d.SCIM = &state.SCIM{Settings: map[string]any{"enabled": true}}
			}
			o := opts()
			o.SCIMDeliveries = tt.deliveries
			if tt.deliveries != nil {
				o.SCIMDeliveries.Dir = "out"
				o.SCIMDeliveries.Command = func(addr string) string {
					return "idpsync apply --rotate-scim-secret '" + addr + "' --secrets-out out idp.yaml"
				}
			}
			if tt.rotate {
				o.RotateSCIMSecrets = []string{githubAddr}
			}
			p, err := Diff(desiredState(d), liveState(tt.live...), o)
			if err != nil {
				t.Fatal(err)
			}
			if got := changed(p); !slices.Equal(got, tt.want) {
				t.Errorf("actions = %q, want %q", got, tt.want)
			}
			var got []string
			for _, u := range p.UndeliveredSCIM {
				got = append(got, u.Address+" "+u.IdPID)
				if !strings.Contains(u.Command, "--rotate-scim-secret '"+u.Address+"'") || len(u.Records) == 0 {
					t.Errorf("finding %+v lacks the command or its records", u)
				}
			}
			if !slices.Equal(got, tt.undelivered) {
				t.Errorf("undelivered = %q, want %q", got, tt.undelivered)
			}
			if p.HasUndeliveredSCIM() != (len(tt.undelivered) > 0) {
				t.Errorf("HasUndeliveredSCIM = %v", p.HasUndeliveredSCIM())
			}
			warned := 0
			for _, w := range p.Warnings {
				if w.Code == WarnSCIMSecretUndelivered {
					warned++
					if !strings.Contains(w.Detail, "--rotate-scim-secret") {
						t.Errorf("warning without the command: %+v", w)
					}
				}
			}
			if warned != len(tt.undelivered) {
				t.Errorf("%d warnings, want %d", warned, len(tt.undelivered))
			}
			r := Drift(p)
			n := 0
			for _, it := range r.Items {
				if it.Category == DriftSCIMSecret {
					n++
				}
			}
			if n != len(tt.undelivered) || len(tt.undelivered) > 0 && !r.Drifted {
				t.Errorf("drift: %d scim_secret items, drifted %v", n, r.Drifted)
			}
		})
	}
}
