package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/state"
)

// planKey sums up what a reviewer and apply act on: every action (address,
// kind, reason, destructive) and every warning (code, address), sorted.
func planKey(p *plan.Plan) []string {
	var out []string
	for _, a := range p.Actions {
		out = append(out, fmt.Sprintf("action %s %s %s %v", a.Address, a.Action, a.Reason, a.Destructive))
	}
	for _, w := range p.Warnings {
		out = append(out, fmt.Sprintf("warning %s %s", w.Code, w.Address))
	}
	slices.Sort(out)
	return out
}

func loadExample(t *testing.T, rel string) *state.Desired {
	t.Helper()
	root, err := filepath.Abs("../examples")
	if err != nil {
		t.Fatal(err)
	}
	getenv := func(string) (string, bool) { return "value-for-the-test", true }
	d, diags := state.Load(context.Background(), []string{filepath.Join(root, rel)}, state.LoadOptions{Getenv: getenv, Root: root})
	if diags.HasErrors() {
		t.Fatalf("%s: %v", rel, diags.Errors())
	}
	return d
}

// TestSkippedReadsPlanTheSame holds every rule of engine.ReadsFor to its
// promise over the examples, each from an empty account, applied, and after
// changes made by hand (a grant on every declared IdP), with every
// share_with removed from the file, and with an IdP's type changed (so that
// it is replaced): the plan that skips reads has
// the same actions and the same warnings as the plan that reads everything.
func TestSkippedReadsPlanTheSame(t *testing.T) {
	ctx := context.Background()
	key := []byte("reads-test-key-reads-test-key-32")
	getenv := func(string) (string, bool) { return "value-for-the-test", true }
	for _, ex := range []string{"minimal.yaml", "saml-encrypted.yaml", "federation.yaml", "split"} {
		t.Run(ex, func(t *testing.T) {
			d := loadExample(t, ex)
			srv := startEmulator(t)
			c := newClient(t, srv, cloudflare.RateLimit{Requests: 100000, Window: time.Minute})
			compare := func(stage string) {
				t.Helper()
				skip, _, err := engine.Plan(ctx, c, d, engine.PlanOptions{SecretKey: key, NoPreflight: true})
				if err != nil {
					t.Fatalf("%s: plan: %v", stage, err)
				}
				full, _, err := engine.Plan(ctx, c, d, engine.PlanOptions{SecretKey: key, NoPreflight: true, FullRead: true})
				if err != nil {
					t.Fatalf("%s: full plan: %v", stage, err)
				}
				if a, b := planKey(skip), planKey(full); !slices.Equal(a, b) {
					t.Errorf("%s: the plan that skips reads differs:\n%s\nfrom the plan that reads everything:\n%s", stage, strings.Join(a, "\n"), strings.Join(b, "\n"))
				}
			}
			compare("empty")
			if _, err := engine.Apply(ctx, c, engine.ApplyInput{Desired: d}, engine.ApplyOptions{SecretKey: key, Getenv: getenv, AutoApprove: true, Parallelism: 4}, nil, nil); err != nil {
				t.Fatalf("apply: %v", err)
			}
			compare("applied")
			// By hand: a grant on every declared IdP that has none (where the
			// type allows one), then one IdP deleted and one retyped.
			for _, a := range d.Accounts {
				if a.Zone {
					continue
				}
				idps, err := c.ListIdentityProviders(ctx, a.ID)
				if err != nil {
					t.Fatal(err)
				}
				grants, _ := c.ListGrants(ctx, a.ID)
				granted := map[string]bool{}
				for _, g := range grants {
					granted[g.IdPID] = true
				}
				for _, idp := range idps {
					if !idp.ReadOnly && !granted[idp.ID] && idp.Type != "onetimepin" {
						_, _ = c.CreateGrant(ctx, a.ID, idp.ID) // the cap may refuse some: fine
					}
				}
			}
			compare("grants added by hand")
			// The file stops declaring any federation: the accounts no longer
			// manage it, so their shares are not read up front, yet the plan
			// must still unshare.
			for _, a := range d.Accounts {
				for _, i := range a.IdentityProviders {
					i.Federation = nil
				}
			}
			compare("federation removed from the file")
			retyped := false
			for _, a := range d.Accounts {
				for _, i := range a.IdentityProviders {
					if retyped || i.Encryption != nil || i.Federation != nil || i.SCIM != nil || i.Type == "github" {
						continue
					}
					i.Type, i.Config, retyped = "github", map[string]any{"client_id": "Iv1.retyped"}, true
				}
			}
			compare("an IdP retyped (replaced)")
		})
	}
}

// TestReadsForSkipsWhatNoFileCanChange: an account that declares no
// federation, no organization and receives no share is read with two
// requests, its IdP and grant listings, or one while it has no IdP (so no
// grant); one that federates reads everything.
func TestReadsForSkipsWhatNoFileCanChange(t *testing.T) {
	d := loadExample(t, "minimal.yaml")
	ctx := context.Background()
	srv := startEmulator(t)
	c := newClient(t, srv, cloudflare.RateLimit{Requests: 100000, Window: time.Minute})
	srv.Emulator.ResetStats()
	if _, _, err := engine.Plan(ctx, c, d, engine.PlanOptions{}); err != nil {
		t.Fatal(err)
	}
	st := srv.Emulator.Stats()
	if st.Total != len(d.Accounts) {
		t.Errorf("a plan of %d empty accounts that federate nothing sent %d requests (%v), want an IdP listing each (no IdP, so no grant)", len(d.Accounts), st.Total, st.Routes)
	}
	srv.Emulator.ResetStats()
	if _, _, err := engine.Plan(ctx, c, d, engine.PlanOptions{FullRead: true}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Emulator.Stats().Total; got != 4*len(d.Accounts) {
		t.Errorf("a full read sent %d requests, want 4 per account", got)
	}

	// A removal reads the account whole first: a GitHub IdP shared by hand,
	// then retyped in the file, is replaced with its grant deleted first.
	key := []byte("reads-test-key-reads-test-key-32")
	getenv := func(string) (string, bool) { return "value-for-the-test", true }
	if _, err := engine.Apply(ctx, c, engine.ApplyInput{Desired: d}, engine.ApplyOptions{SecretKey: key, Getenv: getenv, AutoApprove: true}, nil, nil); err != nil {
		t.Fatal(err)
	}
	srv.Emulator.ResetStats()
	if _, _, err := engine.Plan(ctx, c, d, engine.PlanOptions{}); err != nil {
		t.Fatal(err)
	}
	if st := srv.Emulator.Stats(); st.Total != 2*len(d.Accounts) {
		t.Errorf("a plan of %d applied accounts that federate nothing sent %d requests (%v), want an IdP and a grant listing each", len(d.Accounts), st.Total, st.Routes)
	}
	acct := d.Accounts[0]
	idps, err := c.ListIdentityProviders(ctx, acct.ID)
	if err != nil || len(idps) != 1 {
		t.Fatalf("IdPs %v, %v", idps, err)
	}
	if _, err := c.CreateGrant(ctx, acct.ID, idps[0].ID); err != nil {
		t.Fatal(err)
	}
	acct.IdentityProviders[0].Type = "google"
	acct.IdentityProviders[0].Config = map[string]any{"client_id": "x.apps.googleusercontent.com", "client_secret": "s"}
	p, _, err := engine.Plan(ctx, c, d, engine.PlanOptions{SecretKey: key})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range p.Actions {
		got = append(got, fmt.Sprintf("%s %s", a.Address, a.Action))
	}
	if !slices.Contains(got, "account[platform].idp[GitHub].grant (deposed) delete") {
		t.Errorf("the replace of an IdP shared by hand plans %v; want its grant deleted first", got)
	}

	fed := loadExample(t, "federation.yaml")
	reads := engine.ReadsFor(fed)
	for _, a := range fed.Accounts {
		r := reads(a.ID)
		if a.ManagesFederation() && (!r.Shares || !r.Organization) {
			t.Errorf("%s federates but reads %+v", a.Label(), r)
		}
	}
}

// detailsOnly is a client without the account listing: every organization is
// read from the account's details.
type detailsOnly struct{ liveAccounts }

type liveAccounts interface {
	engine.LiveClient
	engine.AccountClient
}

// TestBulkOrganizationsPlanTheSame: the organizations read through the
// account listing (GET /accounts) plan the same as those read one account at
// a time: same actions, same warnings, same organizations in the live state,
// over the examples that need the organization of several accounts, empty
// and applied. Once the accounts exist, the listing answers every one of
// them and no account's details are read.
func TestBulkOrganizationsPlanTheSame(t *testing.T) {
	ctx := context.Background()
	key := []byte("reads-test-key-reads-test-key-32")
	getenv := func(string) (string, bool) { return "value-for-the-test", true }
	for _, ex := range []string{"federation.yaml", "split"} {
		t.Run(ex, func(t *testing.T) {
			d := loadExample(t, ex)
			srv := startEmulator(t)
			c := newClient(t, srv, cloudflare.RateLimit{Requests: 100000, Window: time.Minute})
			compare := func(stage string, listed bool) {
				t.Helper()
				srv.Emulator.ResetStats()
				sent := c.Stats().Requests
				bulk, bulkLive, err := engine.Plan(ctx, c, d, engine.PlanOptions{SecretKey: key, NoPreflight: true})
				if err != nil {
					t.Fatalf("%s: plan: %v", stage, err)
				}
				st := emulatorStatsSince(srv, c, sent)
				if listed && (st.Routes[routeAccountList] == 0 || st.Routes[routeAccount] != 0) {
					t.Errorf("%s: %d account listings and %d details reads, want the listing alone", stage, st.Routes[routeAccountList], st.Routes[routeAccount])
				}
				srv.Emulator.ResetStats()
				each, eachLive, err := engine.Plan(ctx, detailsOnly{c}, d, engine.PlanOptions{SecretKey: key, NoPreflight: true})
				if err != nil {
					t.Fatalf("%s: plan reading each account's details: %v", stage, err)
				}
				if n := srv.Emulator.Stats().Routes[routeAccountList]; n != 0 {
					t.Fatalf("%s: a client without the listing listed accounts %d times", stage, n)
				}
				if a, b := planKey(bulk), planKey(each); !slices.Equal(a, b) {
					t.Errorf("%s: the plan with the account listing differs:\n%s\nfrom the plan reading each account:\n%s", stage, strings.Join(a, "\n"), strings.Join(b, "\n"))
				}
				for id, a := range eachLive.Accounts {
					if b := bulkLive.Accounts[id]; b.Org != a.Org || b.Organization != a.Organization {
						t.Errorf("%s: account %s: organization %+v / %q through the listing, %+v / %q through its details", stage, id, b.Org, b.Organization, a.Org, a.Organization)
					}
				}
				for id, o := range eachLive.Peers {
					if b := bulkLive.Peers[id]; b == nil || *b != *o {
						t.Errorf("%s: peer %s: organization %+v through the listing, %+v through its details", stage, id, b, o)
					}
				}
			}
			compare("empty", false)
			if _, err := engine.Apply(ctx, c, engine.ApplyInput{Desired: d}, engine.ApplyOptions{SecretKey: key, Getenv: getenv, AutoApprove: true, Parallelism: 4}, nil, nil); err != nil {
				t.Fatalf("apply: %v", err)
			}
			compare("applied", true)
		})
	}
}
