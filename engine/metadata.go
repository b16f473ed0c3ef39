package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/plan/addr"
	"github.com/idpsync/idpsync/samlmeta"
	"github.com/idpsync/idpsync/samlmeta/fetch"
	"github.com/idpsync/idpsync/state"
)

// MetadataFetcher fetches and parses an IdP's SAML metadata from a URL
// (samlmeta/fetch.Fetcher: https only, or http to loopback; size cap;
// timeout). Its errors name the URL and the status, never the response.
type MetadataFetcher interface {
	Fetch(ctx context.Context, url string) (*samlmeta.IdP, error)
}

// metadataConcurrency bounds fetches in flight; each URL is fetched once.
const metadataConcurrency = 8

// fetchMetadata fetches the metadata URL of every declared SAML IdP that has
// one and that keep accepts (all when keep is nil), in parallel, and fills
// the keys it gives (state.IdP.FillMetadata). An IdP filled already (a second
// plan of the same Desired) is not fetched again. It returns how many URLs it
// fetched.
func fetchMetadata(ctx context.Context, f MetadataFetcher, d *state.Desired, keep func(*state.Account, *state.IdP) bool) (int, error) {
	if f == nil {
		f = &fetch.Fetcher{}
	}
	byURL := map[string][]*state.IdP{}
	var urls []string
	for _, a := range d.Accounts {
		for _, i := range a.IdentityProviders {
			if i.Metadata == nil || i.Metadata.URL == "" || len(i.Sources) > 0 {
				continue
			}
			if keep != nil && !keep(a, i) {
				continue
			}
			if _, seen := byURL[i.Metadata.URL]; !seen {
				urls = append(urls, i.Metadata.URL)
			}
			byURL[i.Metadata.URL] = append(byURL[i.Metadata.URL], i)
		}
	}
	if len(urls) == 0 {
		return 0, nil
	}
	slices.Sort(urls)
	results := make([]*samlmeta.IdP, len(urls))
	errs := make([]error, len(urls))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(metadataConcurrency)
	for n, u := range urls {
		g.Go(func() error {
			m, err := f.Fetch(gctx, u)
			if err != nil {
				// The IdPs that use it are named with where they say so.
				first := byURL[u][0]
				errs[n] = fmt.Errorf("identity provider `%s` (metadata at %s): %w", first.Name, first.Metadata.Pos, err)
				return nil // every failing URL is reported, not only the first
			}
			results[n] = m
			return nil
		})
	}
	g.Wait()
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := errors.Join(errs...); err != nil {
		return len(urls), err
	}
	for n, u := range urls {
		for _, i := range byURL[u] {
			i.FillMetadata(results[n])
		}
	}
	return len(urls), nil
}

// FetchMetadata fetches again the metadata a plan's secret values came from
// (state.SecretSource.MetadataURL), so that Resolve can hand apply the
// values the plan was made with, or refuse when the IdP has changed them
// since. Call it before CheckAll; each URL is fetched once.
func (r *SecretResolver) FetchMetadata(ctx context.Context, p *plan.Plan, f MetadataFetcher) error {
	if f == nil {
		f = &fetch.Fetcher{}
	}
	var urls []string
	for _, a := range p.Actions {
		if a.Request == nil || a.Action == plan.NoOp {
			continue
		}
		for _, ref := range a.Request.Secrets {
			if ref.MetadataURL != "" && !slices.Contains(urls, ref.MetadataURL) {
				urls = append(urls, ref.MetadataURL)
			}
		}
	}
	if len(urls) == 0 {
		return nil
	}
	results := make([]*samlmeta.IdP, len(urls))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(metadataConcurrency)
	for n, u := range urls {
		g.Go(func() (err error) {
			results[n], err = f.Fetch(gctx, u)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.metadata == nil {
		r.metadata = map[string]*samlmeta.IdP{}
	}
	for n, u := range urls {
		r.metadata[u] = results[n]
	}
	return nil
}

// metadataValue is the value of a key that came from metadata at a URL, as
// fetched by FetchMetadata.
func (r *SecretResolver) metadataValue(ref plan.SecretRef) (string, error) {
	r.mu.Lock()
	m := r.metadata[ref.MetadataURL]
	r.mu.Unlock()
	if m == nil {
		return "", fmt.Errorf("%s (%s) was not fetched before apply", ref.Key, ref.Ref)
	}
	v, ok := state.MetadataValue(m, ref.Key)
	if !ok {
		return "", fmt.Errorf("%s is not a key metadata gives", ref.Key)
	}
	return v, nil
}

// targeted returns whether a declared IdP is covered by the --target
// addresses: its account or zone targeted whole, or the address of the IdP,
// of one of its objects or of a copy of it (plan.Target follows
// dependencies only within one IdP). It errs towards true: an IdP kept
// needlessly costs a fetch, one left out would plan without its metadata.
func targeted(targets []string) func(*state.Account, *state.IdP) bool {
	if len(targets) == 0 {
		return nil
	}
	parsed := make([]addr.Address, 0, len(targets))
	for _, t := range targets {
		// A target that does not parse names nothing: plan.Target refuses it.
		if a, err := addr.Parse(t); err == nil {
			parsed = append(parsed, a)
		}
	}
	return func(a *state.Account, i *state.IdP) bool {
		// Read back the way plan.Target reads the plan's addresses, so that
		// a label holding brackets is split the same way on both sides.
		idp, err := addr.Parse(plan.IdPAddress(a.ID, a.Label(), i.Name))
		if err != nil {
			return true
		}
		for _, t := range parsed {
			if t.IsOwner() && t == idp.OwnerAddress() {
				return true
			}
			if ti, ok := t.IdPAddress(); ok && ti == idp {
				return true
			}
		}
		return false
	}
}

// MetadataOnce fetches each metadata URL at most once in a process, and
// counts what it fetched. Apply without a saved plan fetches at plan time;
// its check of the values the plan took from a URL
// (SecretResolver.FetchMetadata) exists for saved plans, fetched in another
// process, and here finds the plan's own response: fetching again could only
// race a change made in between and refuse a plan made a moment ago.
type MetadataOnce struct {
	Fetcher MetadataFetcher

	mu      sync.Mutex
	calls   map[string]*onceCall
	fetches int
}

type onceCall struct {
	done chan struct{}
	m    *samlmeta.IdP
	err  error
}

// NewMetadataOnce wraps f (nil: a samlmeta/fetch.Fetcher with its defaults).
func NewMetadataOnce(f MetadataFetcher) *MetadataOnce {
	if f == nil {
		f = &fetch.Fetcher{}
	}
	return &MetadataOnce{Fetcher: f}
}

// Fetch returns what the first successful fetch of url returned, fetching
// it now if none has. Calls made while a fetch is under way share its
// outcome; a failed fetch is not kept, so a later call tries again.
func (o *MetadataOnce) Fetch(ctx context.Context, url string) (*samlmeta.IdP, error) {
	o.mu.Lock()
	if o.calls == nil {
		o.calls = map[string]*onceCall{}
	}
	if c, ok := o.calls[url]; ok {
		o.mu.Unlock()
		select {
		case <-c.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return c.m, c.err
	}
	c := &onceCall{done: make(chan struct{})}
	o.calls[url] = c
	o.fetches++
	o.mu.Unlock()

	c.m, c.err = o.Fetcher.Fetch(ctx, url)
	if c.err != nil {
		o.mu.Lock()
		delete(o.calls, url)
		o.mu.Unlock()
	}
	close(c.done)
	return c.m, c.err
}

// Fetches is how many fetches went out so far.
func (o *MetadataOnce) Fetches() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.fetches
}
