package engine

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/state"
)

// AccountLister lists the accounts the credentials can see, each with its
// organization, a page at a time (GET /accounts). A LiveClient that is also
// an AccountLister has the organizations of many accounts read through the
// listing where that costs fewer requests than reading each account's
// details (nextAccountsPage says when).
type AccountLister interface {
	ListAccounts(ctx context.Context, more func(cloudflare.AccountsPage) bool) error
}

// nextAccountsPage is the rule that chooses between the account listing
// and one details read per account. It says whether to read the next page of
// GET /accounts, given the pages read so far, the pages the listing holds
// (0 while unknown: the server says so only in its answers), how many of
// the accounts in need the pages read so far have answered (found), and how
// many still need their organization (needed).
//
//   - The first page is read when at least two accounts need their
//     organization: it costs one request, so it can save one only then. Its
//     result_info tells how long the listing is.
//   - A further page is read while the pages left are fewer than the
//     accounts still needed, and the pages read so far have answered more
//     accounts than they cost (found > read): the listing then looks likely
//     to answer more of them than the pages left cost. The accounts of a
//     listing come in no documented order, so the past pages are the only
//     evidence of the next ones.
//   - A listing of unknown length is not read past its first page.
//
// Whatever the listing leaves unanswered is read one account at a time.
// Every page after the first is read only when found > read, so the pages
// read never outnumber the accounts they answered by more than the first
// page: N accounts in need cost at most N requests when the first page
// answers any of them, and N+1 when it answers none (a token that sees far
// more accounts than the file declares). When the listing holds them all,
// densely, they cost about N/50 requests (50 a page, the documented
// maximum).
func nextAccountsPage(read, pages, found, needed int) bool {
	switch {
	case read == 0:
		return needed >= 2
	case pages <= read:
		return false
	}
	return pages-read < needed && found > read
}

// orgSource answers the organization reads of one ReadLive: from the account
// listing where nextAccountsPage chose it, else one details read per account.
type orgSource struct {
	c    AccountClient
	done chan struct{}
	// listed holds what the listing showed, written before done is closed.
	listed map[string]state.LiveOrganization
}

// newOrgSource starts reading the listing in g when the rule says its first
// page is worth it for the accounts in need; lister is nil when the client
// cannot list.
func newOrgSource(ctx context.Context, g interface{ Go(func() error) }, c AccountClient, lister AccountLister, need []string) *orgSource {
	o := &orgSource{c: c, done: make(chan struct{}), listed: map[string]state.LiveOrganization{}}
	if lister == nil || !nextAccountsPage(0, 0, 0, len(need)) {
		close(o.done)
		return o
	}
	g.Go(func() error {
		defer close(o.done)
		return o.list(ctx, lister, need)
	})
	return o
}

// list reads the account listing for as long as nextAccountsPage says. An
// account is taken from it only when it names the account's organization:
// no source says a listing fills managed_by as the details do, so an
// account it shows in none is read on its own, as it would have been. A
// refusal (a 4xx: the token may not list accounts, or a server holds page
// sizes to less than documented) leaves every account to its own read,
// which decides as before; any other failure fails the read, as a failed
// details read does.
func (o *orgSource) list(ctx context.Context, l AccountLister, need []string) error {
	wanted := make(map[string]bool, len(need))
	for _, id := range need {
		wanted[id] = true
	}
	found := map[string]state.LiveOrganization{}
	err := l.ListAccounts(ctx, func(p cloudflare.AccountsPage) bool {
		for _, a := range p.Accounts {
			if wanted[a.ID] && a.ManagedBy.ParentOrgID != "" {
				delete(wanted, a.ID)
				found[a.ID] = state.LiveOrganization{Known: true, ID: a.ManagedBy.ParentOrgID}
			}
		}
		return nextAccountsPage(p.Page, p.Pages, len(found), len(wanted))
	})
	var apiErr *cloudflare.APIError
	switch {
	case err == nil:
	case errors.As(err, &apiErr) && apiErr.Status >= http.StatusBadRequest && apiErr.Status < http.StatusInternalServerError && apiErr.Status != http.StatusTooManyRequests:
		return nil
	default:
		return fmt.Errorf("list accounts (for their organizations): %w", err)
	}
	o.listed = found
	return nil
}

// read is the organization of one account: from the listing when it showed
// it, else from the account's details.
func (o *orgSource) read(ctx context.Context, accountID string) (state.LiveOrganization, error) {
	select {
	case <-o.done:
	case <-ctx.Done():
		return state.LiveOrganization{}, ctx.Err()
	}
	if org, ok := o.listed[accountID]; ok {
		return org, nil
	}
	return readOrganization(ctx, o.c, accountID)
}
