package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/idpsync/idpsync/plan"
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

// FetchMetadata fetches the metadata URL of every declared SAML IdP that has
// one, in parallel, and fills the keys it gives (state.IdP.FillMetadata).
// An IdP filled already (a second plan of the same Desired) is not fetched
// again. It returns how many URLs it fetched.
func FetchMetadata(ctx context.Context, f MetadataFetcher, d *state.Desired) (int, error) {
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
