package engine_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/samlmeta"
	"github.com/idpsync/idpsync/state"
)

// countingFetcher answers every URL with an entity id of its own and counts
// the fetches; fail makes the next fetch of a URL fail once.
type countingFetcher struct {
	mu   sync.Mutex
	hits map[string]int
	fail map[string]bool
}

func (f *countingFetcher) Fetch(_ context.Context, url string) (*samlmeta.IdP, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hits[url]++
	if f.fail[url] {
		delete(f.fail, url)
		return nil, errors.New("HTTP status 503")
	}
	return &samlmeta.IdP{EntityID: "urn:" + url}, nil
}

func TestMetadataOnceFetchesEachURLOnce(t *testing.T) {
	f := &countingFetcher{hits: map[string]int{}, fail: map[string]bool{"https://b.example/md": true}}
	once := engine.NewMetadataOnce(f)
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if m, err := once.Fetch(ctx, "https://a.example/md"); err != nil || m.EntityID != "urn:https://a.example/md" {
				t.Errorf("Fetch = %v, %v", m, err)
			}
		})
	}
	wg.Wait()
	// A failure is not kept: the next call fetches again.
	if _, err := once.Fetch(ctx, "https://b.example/md"); err == nil {
		t.Fatal("the first fetch of b should fail")
	}
	if _, err := once.Fetch(ctx, "https://b.example/md"); err != nil {
		t.Fatalf("the second fetch of b: %v", err)
	}
	if _, err := once.Fetch(ctx, "https://b.example/md"); err != nil {
		t.Fatalf("the third fetch of b: %v", err)
	}
	if f.hits["https://a.example/md"] != 1 || f.hits["https://b.example/md"] != 2 {
		t.Errorf("hits = %v, want a once and b twice", f.hits)
	}
	if got := once.Fetches(); got != 3 {
		t.Errorf("Fetches() = %d, want 3", got)
	}
}

func TestTargetedKeepsTheIdPsATargetCovers(t *testing.T) {
	acct := &state.Account{ID: "023e105f4ecef8ad9ca31a8372d0c353", Name: "platform"}
	zone := &state.Account{ID: idptype.ZoneKey("d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0"), Name: "docs", Zone: true}
	okta, okta2 := &state.IdP{Name: "Okta"}, &state.IdP{Name: "Okta2"}
	tests := []struct {
		name    string
		targets []string
		owner   *state.Account
		idp     *state.IdP
		want    bool
	}{
		{"the IdP", []string{"account[platform].idp[Okta]"}, acct, okta, true},
		{"another IdP", []string{"account[platform].idp[Okta]"}, acct, okta2, false},
		{"a child of the IdP", []string{"account[platform].idp[Okta].encryption"}, acct, okta, true},
		{"its account whole", []string{"account[platform]"}, acct, okta2, true},
		{"another account", []string{"account[other]"}, acct, okta, false},
		{"a zone by its label", []string{"zone[docs].idp[Okta]"}, zone, okta, true},
		{"an account of the zone's label", []string{"account[docs]"}, zone, okta, false},
		{"one of several", []string{"account[other]", "zone[docs]"}, zone, okta2, true},
		{"an IdP whose name starts with its name", []string{"account[platform].idp[Okta2]"}, acct, okta, false},
		{"a recipient of its share", []string{"account[platform].idp[Okta].share.recipient[0123]"}, acct, okta, true},
		{"its deposed grant", []string{"account[platform].idp[Okta].grant (deposed)"}, acct, okta, true},
		{"a copy of it", []string{"account[platform].idp[Okta] (duplicate 9f)"}, acct, okta, true},
		{"not an address", []string{"Okta"}, acct, okta, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := engine.Targeted(tt.targets)(tt.owner, tt.idp); got != tt.want {
				t.Errorf("targeted(%v)(%s, %s) = %v, want %v", tt.targets, tt.owner.Label(), tt.idp.Name, got, tt.want)
			}
		})
	}
	if engine.Targeted(nil) != nil {
		t.Error("no target must keep every IdP (a nil filter)")
	}
}
