package engine_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/engine"
)

// barrierLive is a client that says it allows n requests in flight, and whose
// IdP listing returns only once n of them are under way at the same time: a
// reader that fans out less than the client allows never gets past it.
type barrierLive struct {
	fakeLive
	n       int
	mu      sync.Mutex
	waiting int
	open    chan struct{}
}

func (b *barrierLive) Concurrency() int { return b.n }

func (b *barrierLive) ListIdentityProviders(ctx context.Context, accountID string) ([]cloudflare.IdentityProvider, error) {
	b.mu.Lock()
	b.waiting++
	if b.waiting == b.n {
		close(b.open)
	}
	b.mu.Unlock()
	select {
	case <-b.open:
		return nil, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func TestReadLiveFansOutToTheClientsConcurrency(t *testing.T) {
	for _, n := range []int{8, 32} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			b := &barrierLive{n: n, open: make(chan struct{})}
			ids := make([]string, 2*n)
			for i := range ids {
				ids[i] = fmt.Sprintf("%032x", i)
			}
			// The deadline only ends a reader that would hang forever.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if _, err := engine.ReadLive(ctx, b, ids, engine.ReadOptions{}); err != nil {
				t.Fatalf("ReadLive did not have %d accounts' listings in flight at once: %v", n, err)
			}
		})
	}
}
