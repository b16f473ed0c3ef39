package engine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/state"
)

func TestNextAccountsPage(t *testing.T) {
	tests := []struct {
		read, pages, found, needed int
		want                       bool
	}{
		{0, 0, 0, 0, false},
		{0, 0, 0, 1, false}, // one details read costs what the first page does
		{0, 0, 0, 2, true},
		{1, 0, 50, 50, false}, // the server did not say how long the listing is
		{1, 1, 5, 5, false},   // the listing has ended
		{1, 3, 5, 5, true},    // 2 pages left < 5 accounts, and the page answered 5
		{1, 3, 5, 2, false},   // 2 pages left for 2 accounts: no saving
		{1, 3, 1, 5, false},   // the page answered only what it cost
		{1, 3, 0, 5, false},   // the page answered none of them
		{1, 20, 50, 950, true},
		{1, 200, 0, 100, false}, // a token that sees far more accounts than the file declares
		{19, 20, 950, 1, false},
		{19, 20, 948, 2, true},
		{5, 20, 5, 900, false}, // five pages answered five accounts
	}
	for _, tt := range tests {
		if got := nextAccountsPage(tt.read, tt.pages, tt.found, tt.needed); got != tt.want {
			t.Errorf("nextAccountsPage(read %d, pages %d, found %d, needed %d) = %v, want %v", tt.read, tt.pages, tt.found, tt.needed, got, tt.want)
		}
	}
}

// pagedAccounts is a client whose account listing holds visible (in pages of
// per), each in organization org, and which answers details for any account.
type pagedAccounts struct {
	visible []string
	per     int
	org     string
	listErr error

	mu           sync.Mutex
	pages, reads int
}

func (p *pagedAccounts) ListAccounts(ctx context.Context, more func(cloudflare.AccountsPage) bool) error {
	if p.listErr != nil {
		p.mu.Lock()
		p.pages++
		p.mu.Unlock()
		return p.listErr
	}
	n := (len(p.visible) + p.per - 1) / p.per
	for page := 1; page <= max(n, 1); page++ {
		p.mu.Lock()
		p.pages++
		p.mu.Unlock()
		ap := cloudflare.AccountsPage{Page: page, Pages: n}
		for _, id := range p.visible[min((page-1)*p.per, len(p.visible)):min(page*p.per, len(p.visible))] {
			ap.Accounts = append(ap.Accounts, cloudflare.Account{ID: id, ManagedBy: cloudflare.AccountManagedBy{ParentOrgID: p.org}})
		}
		if !more(ap) {
			return nil
		}
	}
	return nil
}

func (p *pagedAccounts) GetAccount(ctx context.Context, id string) (*cloudflare.Account, error) {
	p.mu.Lock()
	p.reads++
	p.mu.Unlock()
	return &cloudflare.Account{ID: id, ManagedBy: cloudflare.AccountManagedBy{ParentOrgID: p.org}}, nil
}

// interleave puts every want after every n of rest.
func interleave(want, rest []string, n int) []string {
	var out []string
	for i, w := range want {
		out = append(out, w)
		out = append(out, rest[min(i*n, len(rest)):min((i+1)*n, len(rest))]...)
	}
	return out
}

type group struct{ errs []error }

func (g *group) Go(f func() error) { g.errs = append(g.errs, f()) }

// TestOrgSourceCost holds the choice between the listing and the details
// reads to its promise: every organization comes out the same, and the
// requests it costs are never more than one details read per account when
// the listing holds them all, and at most one more (the first page) when it
// holds none.
func TestOrgSourceCost(t *testing.T) {
	ids := func(prefix string, n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("%s%05d", prefix, i)
		}
		return out
	}
	tests := []struct {
		name     string
		need     []string
		visible  []string
		per      int
		maxCost  int
		wantList bool
	}{
		{"one account", ids("a", 1), ids("a", 1), 50, 1, false},
		{"two, both listed", ids("a", 2), ids("a", 2), 50, 1, true},
		{"1000 of 1000", ids("a", 1000), ids("a", 1000), 50, 20, true},
		{"1000 of 1000, 5 a page", ids("a", 1000), ids("a", 1000), 5, 200, true},
		{"10 of 10,000 visible", ids("a", 10), append(ids("a", 10), ids("z", 9990)...), 50, 11, true},
		{"100 of 10,000 visible, listed last", ids("z", 100), append(ids("a", 9900), ids("z", 100)...), 50, 101, true},
		{"none listed", ids("a", 30), ids("z", 500), 50, 31, true},
		{"one on each page", ids("a", 20), interleave(ids("a", 20), ids("z", 980), 49), 50, 21, true},
		{"half listed", ids("a", 40), ids("a", 20), 50, 21, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &pagedAccounts{visible: tt.visible, per: tt.per, org: "org1"}
			g := &group{}
			o := newOrgSource(context.Background(), g, c, c, tt.need)
			for _, id := range tt.need {
				org, err := o.read(context.Background(), id)
				if err != nil {
					t.Fatal(err)
				}
				if org != (state.LiveOrganization{Known: true, ID: "org1"}) {
					t.Fatalf("%s: organization %+v", id, org)
				}
			}
			if err := errors.Join(g.errs...); err != nil {
				t.Fatal(err)
			}
			cost := c.pages + c.reads
			// The promise of nextAccountsPage: never more than one details
			// read per account, plus the first page when it answers none.
			limit := len(tt.need)
			if first := tt.visible[:min(tt.per, len(tt.visible))]; len(tt.need) >= 2 && !slices.ContainsFunc(first, func(id string) bool { return slices.Contains(tt.need, id) }) {
				limit++
			}
			if cost > tt.maxCost || cost > limit {
				t.Errorf("%d requests (%d pages, %d details), want at most %d", cost, c.pages, c.reads, tt.maxCost)
			}
			if (c.pages > 0) != tt.wantList {
				t.Errorf("listing read: %v, want %v", c.pages > 0, tt.wantList)
			}
		})
	}
}

// TestOrgSourceFailures: a listing the API refuses leaves each account to its
// own details read; any other failure fails the read, as a failed details
// read does; an account the listing shows in no organization is read on
// its own.
func TestOrgSourceFailures(t *testing.T) {
	need := []string{"a1", "a2", "a3"}
	for _, status := range []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound} {
		c := &pagedAccounts{org: "org1", listErr: &cloudflare.APIError{Status: status}}
		g := &group{}
		o := newOrgSource(context.Background(), g, c, c, need)
		if err := errors.Join(g.errs...); err != nil {
			t.Fatalf("%d: %v", status, err)
		}
		for _, id := range need {
			if org, err := o.read(context.Background(), id); err != nil || org.ID != "org1" {
				t.Fatalf("%d: %s: %+v, %v", status, id, org, err)
			}
		}
		if c.reads != 3 {
			t.Errorf("%d: %d details reads after a refused listing, want 3", status, c.reads)
		}
	}
	for _, err := range []error{&cloudflare.APIError{Status: http.StatusInternalServerError}, &cloudflare.LimitError{What: "listing"}, errors.New("connection reset")} {
		c := &pagedAccounts{org: "org1", listErr: err}
		g := &group{}
		newOrgSource(context.Background(), g, c, c, need)
		if got := errors.Join(g.errs...); got == nil || !strings.Contains(got.Error(), "list accounts") {
			t.Errorf("listing failing with %v: read error %v, want it to fail the read", err, got)
		}
	}
	// In no organization, as the listing shows it: read again on its own.
	c := &pagedAccounts{visible: need, per: 50}
	o := newOrgSource(context.Background(), &group{}, c, c, need)
	for _, id := range need {
		if org, err := o.read(context.Background(), id); err != nil || org != (state.LiveOrganization{Known: true}) {
			t.Fatalf("%s: %+v, %v", id, org, err)
		}
	}
	if c.reads != 3 {
		t.Errorf("%d details reads of accounts the listing shows in no organization, want 3", c.reads)
	}
}

// bulkLive is a LiveClient with nothing live whose organizations come from
// pagedAccounts.
type bulkLive struct{ *pagedAccounts }

func (bulkLive) ListIdentityProviders(context.Context, string) ([]cloudflare.IdentityProvider, error) {
	return nil, nil
}
func (bulkLive) ListGrants(context.Context, string) ([]cloudflare.Grant, error) { return nil, nil }
func (bulkLive) ListShares(context.Context, string, cloudflare.ListSharesOptions) ([]cloudflare.Share, error) {
	return nil, nil
}
func (bulkLive) ListRecipients(context.Context, string, string) ([]cloudflare.Recipient, error) {
	return nil, nil
}

// TestReadLiveBulkOneAtATime: with one account read at a time, the listing,
// started first, holds the only slot until it is done, and the accounts and
// peers then take their organizations from it: nothing waits on anything
// that waits on it.
func TestReadLiveBulkOneAtATime(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	declared := []string{"a1", "a2", "a3", "u1"} // u1: not in the listing
	c := bulkLive{&pagedAccounts{visible: []string{"a1", "a2", "a3", "p1", "p2"}, per: 50, org: "org1"}}
	live, err := ReadLive(ctx, c, declared, ReadOptions{Concurrency: 1, Peers: []string{"p1", "p2", "p3"},
		Reads: func(id string) AccountReads { return AccountReads{Organization: id != "a3"} }})
	if err != nil {
		t.Fatal(err)
	}
	want := state.LiveOrganization{Known: true, ID: "org1"}
	for _, id := range []string{"a1", "a2", "u1"} {
		if got := live.Accounts[id].Org; got != want {
			t.Errorf("%s: %+v", id, got)
		}
	}
	if got := live.Accounts["a3"].Org; got.Known {
		t.Errorf("a3 reads no organization, yet has %+v", got)
	}
	for _, id := range []string{"p1", "p2", "p3"} {
		if got := live.Peers[id]; got == nil || *got != want {
			t.Errorf("peer %s: %+v", id, got)
		}
	}
	// a1, a2, p1, p2 from one page; u1 and p3 are not listed and are read
	// on their own.
	if c.pages != 1 || c.reads != 2 {
		t.Errorf("%d pages and %d details reads, want 1 and 2 (u1, p3)", c.pages, c.reads)
	}
}
