package engine_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/state"
)

// fakeAccounts is a fakeLive that also answers account details.
type fakeAccounts struct {
	fakeLive
	orgs map[string]string // account → organization; absent: the given status
	errs map[string]error
}

func (f *fakeAccounts) GetAccount(ctx context.Context, accountID string) (*cloudflare.Account, error) {
	if err := f.errs[accountID]; err != nil {
		return nil, err
	}
	return &cloudflare.Account{ID: accountID, ManagedBy: cloudflare.AccountManagedBy{ParentOrgID: f.orgs[accountID]}}, nil
}

func TestReadLiveReadsOrganizations(t *testing.T) {
	const (
		declared, loner, denied = "a1", "a2", "a3"
		peer, hidden            = "p1", "p2"
	)
	org := strings.Repeat("c", 32)
	forbidden := &cloudflare.APIError{Status: http.StatusForbidden}
	f := &fakeAccounts{
		orgs: map[string]string{declared: org, peer: org},
		errs: map[string]error{denied: forbidden, hidden: &cloudflare.APIError{Status: http.StatusNotFound}},
	}
	// The share of the denied account still names its organization.
	f.shares = map[string][]cloudflare.Share{denied: {grantShare("s1", "x", denied, "g1", idptype.ShareActive, t0)}}
	live, err := engine.ReadLive(context.Background(), f, []string{declared, loner, denied}, engine.ReadOptions{Peers: []string{peer, hidden, declared}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		got          state.LiveOrganization
		organization string
		want         state.LiveOrganization
	}{
		{live.Accounts[declared].Org, live.Accounts[declared].Organization, state.LiveOrganization{Known: true, ID: org}},
		{live.Accounts[loner].Org, live.Accounts[loner].Organization, state.LiveOrganization{Known: true}},
		{live.Accounts[denied].Org, "", state.LiveOrganization{Unknown: "the account details could not be read (403)"}},
		{*live.Peers[peer], org, state.LiveOrganization{Known: true, ID: org}},
		{*live.Peers[hidden], "", state.LiveOrganization{Unknown: "the account details could not be read (404)"}},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%d: organization %+v, want %+v", i, tt.got, tt.want)
		}
		if tt.want.Known && tt.organization != tt.want.ID {
			t.Errorf("%d: Organization %q, want %q", i, tt.organization, tt.want.ID)
		}
	}
	if live.Accounts[denied].Organization != "org1" {
		t.Errorf("denied account's organization = %q, want the one its share names", live.Accounts[denied].Organization)
	}
	if _, ok := live.Peers[declared]; ok {
		t.Error("a declared account is read again as a peer")
	}
}

func TestReadLiveFailsOnOtherAccountErrors(t *testing.T) {
	f := &fakeAccounts{errs: map[string]error{"a1": errors.New("connection reset")}}
	if _, err := engine.ReadLive(context.Background(), f, []string{"a1"}, engine.ReadOptions{}); err == nil || !strings.Contains(err.Error(), "read account details") {
		t.Fatalf("ReadLive error = %v, want the account details' error", err)
	}
}
