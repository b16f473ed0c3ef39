package cloudflare

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Page sizes asked for, per endpoint: the documented maximum, so that an
// account takes as few requests as the API allows. The client never relies on
// getting them: a server may serve smaller pages, and listPages follows
// result_info as the server reports it.
const (
	// idpPerPage: per_page "default: 200, maximum: 1000" on
	// GET /accounts/{account_id}/access/identity_providers (REFERENCE.md §2,
	// access-subset.openapi.yaml). The SDK's IdentityProviderListParams states
	// no bound.
	idpPerPage = 1000
	// certSetPerPage: the certificate-set list is documented with a maximum of
	// 100 (issue 15, from Cloudflare's API reference) while the OpenAPI subset
	// says 1000 (REFERENCE.md §3.1); the smaller is safe either way.
	certSetPerPage = 100
	// sharePerPage: resource-sharing_per_page is 1..100 on the share, recipient
	// and resource lists (REFERENCE.md §5, access-subset.openapi.yaml).
	sharePerPage = 100
	// maxPages bounds a listing whose server never reports its end.
	maxPages = 100_000
)

// listPages reads every page of a page-number paginated collection and calls
// add with each page's result. It pages by what the server reports, never by
// the size it asked for:
//
//   - with result_info, it stops once page reaches total_pages;
//   - without it, it stops at the first empty page, as the SDK's auto-pager
//     does (cloudflare-go v7.9.0 packages/pagination V4PagePaginationArray
//     .GetNextPage requests page+1 until a page comes back empty), or at a
//     page of objects already seen.
//
// A page shorter than asked for is not the end: a server may cap per_page
// silently. count returns how many distinct objects were collected, so that
// a listing that ends short of the total_count the server reported (objects
// shifted between pages while they were read) fails instead of hiding an
// object, which would make apply create a duplicate of it.
//
// A filtered listing (filtered) is held to less: total_count is "Total
// results available without any search parameters" (result_info in
// access-subset.openapi.yaml, both families; cloudflare-go v7.9.0
// AccessIdPFederationGrantListResponseEnvelopeResultInfo), so it may exceed
// what the filters let through, and so may a total_pages derived from it. A
// filtered listing ends at its first empty page, or at total_pages.
//
// Without total_pages, which only the grant listing's SDK type declares, an
// unfiltered listing also ends once it holds total_count objects, saving the
// empty page the SDK's pager would read.
//
// Whatever the server reports, a listing ends in an error once it holds more
// than the client's MaxListObjects objects or its answers add up to more than
// MaxListBytes: a server that pages without end, or whose pages grow, must
// not fill memory.
func (c *Client) listPages(ctx context.Context, base request, perPage int, add func(request, *response) (fresh int, err error), count func() int) error {
	filtered := isFiltered(base.query)
	var last *ResultInfo
	var read int64
	for page := 1; ; page++ {
		req := base
		req.method = http.MethodGet
		req.retryAmbiguous = true
		req.query = url.Values{}
		for k, v := range base.query {
			req.query[k] = v
		}
		req.query.Set("page", strconv.Itoa(page))
		req.query.Set("per_page", strconv.Itoa(perPage))
		resp, err := c.do(ctx, req)
		if err != nil {
			return err
		}
		// Checked before the page is decoded: decoding costs more memory
		// than the page itself.
		if read += int64(resp.size); read > c.maxListBytes {
			return &LimitError{Method: http.MethodGet, Path: base.path, What: "listing", Limit: c.maxListBytes, Unit: "bytes", Page: page}
		}
		fresh, err := add(req, resp)
		if err != nil {
			return err
		}
		if n := count(); n > c.maxListObjects {
			return &LimitError{Method: http.MethodGet, Path: base.path, What: "listing", Limit: int64(c.maxListObjects), Unit: "objects", Page: page}
		}
		ri := resp.resultInfo
		if ri != nil {
			last = ri
		}
		// A page that brings nothing new is the end too: a server that
		// ignores page would otherwise be read forever.
		empty := fresh == 0
		switch {
		case filtered:
			if empty || ri != nil && ri.TotalPages > 0 && page >= ri.TotalPages {
				return nil
			}
		case ri != nil && ri.TotalPages > 0:
			if page >= ri.TotalPages {
				return checkComplete(base.path, last, count())
			}
			if empty {
				// The server says more pages follow but served none: paging
				// on would loop, stopping would hide objects.
				return fmt.Errorf("GET %s: page %d of %d came back empty; the listing is incomplete, run again", base.path, page, ri.TotalPages)
			}
		case empty:
			return checkComplete(base.path, last, count())
		case ri != nil && ri.TotalCount > 0 && count() >= ri.TotalCount:
			return nil
		}
		if page >= maxPages {
			return fmt.Errorf("GET %s: pagination did not end after %d pages", base.path, maxPages)
		}
	}
}

// filterParams are the query parameters that narrow a listing; page sizes
// and include_* expansions do not.
var filterParams = []string{"kind", "status", "target_type", "resource_types", "resource_type", "tag", "scim_enabled", "id"}

func isFiltered(q url.Values) bool {
	for _, k := range filterParams {
		if q.Has(k) {
			return true
		}
	}
	return false
}

// checkComplete refuses a listing that holds fewer objects than the server's
// last reported total_count.
func checkComplete(path string, last *ResultInfo, got int) error {
	if last != nil && last.TotalCount > got {
		return fmt.Errorf("GET %s: read %d objects but the API reports %d (objects moved between pages while they were read); run again", path, got, last.TotalCount)
	}
	return nil
}

// listAll reads a collection into a slice, dropping repeats of an id (an
// object created while the pages were read can push another onto the next page).
func listAll[T any](ctx context.Context, c *Client, base request, perPage int, id func(T) string) ([]T, error) {
	var all []T
	seen := map[string]bool{}
	err := c.listPages(ctx, base, perPage, func(req request, resp *response) (int, error) {
		var page []T
		if err := resp.decodeResult(req, &page); err != nil {
			return 0, err
		}
		fresh := 0
		for _, it := range page {
			if k := id(it); k != "" {
				if seen[k] {
					continue
				}
				seen[k] = true
			}
			all = append(all, it)
			fresh++
		}
		return fresh, nil
	}, func() int { return len(all) })
	return all, err
}

// unpaginated reads a collection the API documents as answering whole when
// page and per_page are both left out (the share lists: resource-sharing_page
// in access-subset.openapi.yaml; REFERENCE.md §1.4). Should the server report
// more objects than it returned (result_info.total_count, or total_pages above
// 1), it reads the collection page by page instead.
func unpaginated[T any](ctx context.Context, c *Client, base request, perPage int, id func(T) string) ([]T, error) {
	base.method = http.MethodGet
	base.retryAmbiguous = true
	var items []T
	resp, err := c.call(ctx, base, &items)
	if err != nil {
		return nil, err
	}
	if ri := resp.resultInfo; ri != nil && truncated(ri, len(items), isFiltered(base.query)) {
		return listAll(ctx, c, base, perPage, id)
	}
	if len(items) > c.maxListObjects {
		return nil, &LimitError{Method: http.MethodGet, Path: base.path, What: "listing", Limit: int64(c.maxListObjects), Unit: "objects", Page: 1}
	}
	return items, nil
}

// truncated says whether an unpaginated answer of n objects may hold less
// than the collection. For a filtered listing total_count counts what no
// filter narrowed, so only a full page (per_page reached) says more may follow.
func truncated(ri *ResultInfo, n int, filtered bool) bool {
	if ri.TotalPages > 1 {
		return true
	}
	if !filtered {
		return ri.TotalCount > n
	}
	return ri.TotalCount > n && ri.PerPage > 0 && n >= ri.PerPage
}

// The page sizes the listings ask for, for idpsync doctor, which asks the
// same so that a page cap the API enforces shows before a plan meets it.
const (
	IdPPageSize     = idpPerPage
	CertSetPageSize = certSetPerPage
	SharePageSize   = sharePerPage
	AppPageSize     = appPageSize
)
