package plan

import (
	"slices"
	"strings"
	"testing"

	"github.com/idpsync/idpsync/plan/addr"
	"github.com/idpsync/idpsync/state"
)

// TestDiffDuplicates covers what overlapping runs leave behind: each case is
// drift of its own category, and the plan repairs it.
func TestDiffDuplicates(t *testing.T) {
	twinOf := func(l *state.LiveIdP, id string) *state.LiveIdP {
		c := *l
		c.ID, c.Grant, c.Version = id, nil, "v-"+id
		return &c
	}
	tests := []struct {
		name        string
		live        func() *state.Live
		want        []string // non-no-op actions
		destructive []string
	}{
		{
			name: "identical twin IdPs: the lowest id stays",
			live: func() *state.Live { return liveState(liveOkta(), liveGitHub(), twinOf(liveGitHub(), "idp-github-2")) },
			want: []string{"account[platform].idp[idp-github-2] delete duplicate"},
		},
		{
			name: "identical twin IdPs: the one a grant refers to stays",
			live: func() *state.Live { return liveState(twinOf(liveOkta(), "idp-aaaa"), liveOkta(), liveGitHub()) },
			want: []string{"account[platform].idp[idp-aaaa] delete duplicate"},
		},
		{
			name: "a twin with a grant of its own is deleted with it, as a repair",
			live: func() *state.Live {
				other := twinOf(liveOkta(), "idp-zzzz")
				other.Grant = &state.LiveGrant{ID: "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3", IdPID: other.ID}
				return liveState(liveOkta(), other, liveGitHub())
			},
			want: []string{
				"account[platform].idp[idp-zzzz].grant delete duplicate",
				"account[platform].idp[idp-zzzz] delete duplicate",
			},
		},
		{
			name: "a twin an interrupted run left before switching encryption on is a duplicate; the finished one stays",
			live: func() *state.Live {
				unfinished := twinOf(liveOkta(), "idp-aaaa")
				unfinished.EncryptionEnabled, unfinished.CertificateSet = false, nil
				return liveState(unfinished, liveOkta(), liveGitHub())
			},
			want: []string{"account[platform].idp[idp-aaaa] delete duplicate"},
		},
		{
			name: "a second grant of one IdP",
			live: func() *state.Live {
				l := liveState(liveOkta(), liveGitHub())
				la := account0(l)
				la.Grants = append(la.Grants, &state.LiveGrant{ID: "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0", IdPID: "idp-okta"})
				return l
			},
			want: []string{"account[platform].idp[Okta].grant (duplicate f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0) delete duplicate"},
		},
		{
			name: "two live shares of one grant",
			live: func() *state.Live {
				l := liveState(liveOkta(), liveGitHub())
				la := account0(l)
				extra := *la.Grants[0].Share
				extra.ID = "7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e"
				la.Shares = append(la.Shares, &extra)
				return l
			},
			want: []string{"account[platform].idp[Okta].share (duplicate 7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e) delete duplicate"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Diff(desiredState(desiredOkta(), desiredGitHub()), tt.live(), opts())
			if err != nil {
				t.Fatal(err)
			}
			var got, destructive []string
			for _, a := range p.Actions {
				if a.Action != NoOp {
					got = append(got, a.Address+" "+string(a.Action)+" "+string(a.Reason))
				}
				if a.Destructive {
					destructive = append(destructive, a.Address)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("actions\n got %q\nwant %q", got, tt.want)
			}
			if !slices.Equal(destructive, tt.destructive) {
				t.Errorf("destructive = %q, want %q", destructive, tt.destructive)
			}
			// plan --detailed-exitcode exits 2 and drift reports it, in its own category.
			if !p.HasChanges() {
				t.Error("a duplicate leaves the plan without changes")
			}
			r := Drift(p)
			if !r.Drifted {
				t.Error("drift does not report the duplicate")
			}
			dups := 0
			for _, it := range r.Items {
				if it.Category == DriftUnverifiable {
					continue // GitHub's write-only secret, in every case
				}
				dups++
				if it.Category != DriftDuplicate {
					t.Errorf("drift item %s in category %s", it.Address, it.Category)
				}
				if !strings.Contains(it.Message, "overlapped") {
					t.Errorf("drift message %q", it.Message)
				}
			}
			if dups != len(tt.want) {
				t.Errorf("%d duplicate drift items, want %d", dups, len(tt.want))
			}
			// The same inputs give the same plan: every process repairs the same way.
			again, _ := Diff(desiredState(desiredOkta(), desiredGitHub()), tt.live(), opts())
			if len(again.Actions) != len(p.Actions) {
				t.Error("the repair is not deterministic")
			}
		})
	}
}

// TestTwinsPreferTheFinishedOne: with no grant to decide, the twin whose
// encryption is already as declared stays, whatever its id.
func TestTwinsPreferTheFinishedOne(t *testing.T) {
	d := desiredOkta()
	d.Federation = nil
	unfinished := liveOkta()
	unfinished.ID, unfinished.Grant, unfinished.Version = "idp-aaaa", nil, "v-idp-aaaa"
	unfinished.EncryptionEnabled, unfinished.CertificateSet = false, nil
	finished := liveOkta()
	finished.Grant = nil
	l := liveState(unfinished, finished)
	account0(l).Grants, account0(l).Shares = nil, nil
	p, err := Diff(desiredState(d), l, opts())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range p.Actions {
		if a.Action != NoOp {
			got = append(got, a.Address+" "+string(a.Action))
		}
	}
	want := []string{"account[platform].idp[idp-aaaa] delete"}
	if !slices.Equal(got, want) {
		t.Errorf("actions %q, want %q", got, want)
	}
}

// TestDeposedDuplicateGrant: an IdP whose type changes loses every grant
// first, a second grant left by overlapping runs included. That grant's
// address carries both suffixes, and like every address of a plan it
// parses back and falls under its IdP's --target.
func TestDeposedDuplicateGrant(t *testing.T) {
	l := liveState(liveOkta(), liveGitHub())
	la := account0(l)
	la.IdentityProviders[0].Type = "oidc"
	la.Grants = append(la.Grants, &state.LiveGrant{ID: "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0", IdPID: "idp-okta"})
	p, err := Diff(desiredState(desiredOkta(), desiredGitHub()), l, opts())
	if err != nil {
		t.Fatal(err)
	}
	want := oktaAddr + ".grant (deposed) (duplicate f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0)"
	var found bool
	for _, a := range p.Actions {
		found = found || a.Address == want
		x, err := addr.Parse(a.Address)
		if err != nil {
			t.Errorf("%s: %v", a.Address, err)
			continue
		}
		if x.String() != a.Address {
			t.Errorf("%s prints back as %s", a.Address, x)
		}
	}
	if !found {
		t.Fatalf("no action at %s", want)
	}
	narrowed, err := p.Target([]string{oktaAddr})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(narrowed.Actions, func(a Action) bool { return a.Address == want }) {
		t.Errorf("--target %s drops %s", oktaAddr, want)
	}
}
