package engine

import (
	"errors"
	"fmt"
	"sync"

	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/samlmeta"
	"github.com/idpsync/idpsync/state"
)

// SecretResolver resolves a plan's secret references again at apply time and
// checks each is the value the plan was made with.
//
// Each reference is read once: CheckAll reads them all before the first
// write, and the executor then gets exactly the values that were checked, even
// if a ${file:...} changes on disk in the middle of the apply.
type SecretResolver struct {
	key    []byte
	getenv func(string) (string, bool)

	mu     sync.Mutex
	values map[state.SecretSource]string
	// metadata is what SecretResolver.FetchMetadata fetched, by URL.
	metadata map[string]*samlmeta.IdP
}

// NewSecretResolver returns a resolver for the plan whose secret hashes are
// keyed by key, reading ${env:...} through getenv.
func NewSecretResolver(key []byte, getenv func(string) (string, bool)) *SecretResolver {
	return &SecretResolver{key: key, getenv: getenv}
}

// Resolve returns the value of ref, or an error that names the reference but
// never a value when it no longer matches the plan.
func (r *SecretResolver) Resolve(ref plan.SecretRef) (string, error) {
	src := state.SecretSource{Ref: ref.Ref, BaseDir: ref.BaseDir, Root: ref.Root, MetadataURL: ref.MetadataURL}
	r.mu.Lock()
	v, ok := r.values[src]
	r.mu.Unlock()
	if !ok && ref.MetadataURL != "" {
		var err error
		if v, err = r.metadataValue(ref); err != nil {
			return "", err
		}
	} else if !ok {
		var err error
		if v, err = state.ResolveSecret(src, r.getenv); err != nil {
			return "", err
		}
		r.mu.Lock()
		if r.values == nil {
			r.values = map[state.SecretSource]string{}
		}
		r.values[src] = v
		r.mu.Unlock()
	}
	// A secret the plan deferred has no hash to check: the plan never saw it.
	if !ref.Deferred && plan.SecretHash(r.key, v) != ref.Hash {
		return "", fmt.Errorf("%s (%s) has changed since the plan was made; plan again", ref.Key, ref.Ref)
	}
	return v, nil
}

// CheckAll resolves every secret of p's changing actions before the first
// write, so a missing variable fails the apply before anything changed.
func (r *SecretResolver) CheckAll(p *plan.Plan) error {
	var errs []error
	for _, a := range p.Actions {
		if a.Request == nil || a.Action == plan.NoOp {
			continue
		}
		for _, ref := range a.Request.Secrets {
			if _, err := r.Resolve(ref); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", a.Address, err))
			}
		}
	}
	return errors.Join(errs...)
}
