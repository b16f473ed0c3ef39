package engine

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/idpsync/idpsync/apply"
	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan"
)

// pendingShares is an API whose share recipient never finishes associating;
// it closes interrupt (the first Ctrl-C) when it is first asked.
type pendingShares struct {
	apply.Client
	once      sync.Once
	interrupt chan struct{}
}

func (c *pendingShares) ListRecipients(context.Context, string, string) ([]cloudflare.Recipient, error) {
	c.once.Do(func() { close(c.interrupt) })
	return []cloudflare.Recipient{{ID: "r", AccountID: "b", AssociationStatus: idptype.Associating}}, nil
}

// The first interrupt ends the wait: the writes are all done, and nothing else
// would stop the polling before --wait-timeout.
func TestWaitStopsAtFirstInterrupt(t *testing.T) {
	c := &pendingShares{interrupt: make(chan struct{})}
	p := &plan.Plan{Actions: []plan.Action{{Address: "account[a].idp[Okta].share", Resource: plan.ResourceShare, Action: plan.Create, AccountID: "a"}}}
	res := &apply.Result{Shares: map[string]string{"account[a].idp[Okta].share": "s1"}}
	done := make(chan error, 1)
	go func() {
		done <- waitForShares(context.Background(), c, p, res, ApplyOptions{Stop: c.interrupt, WaitTimeout: time.Hour}, NopApplySink{})
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) && (err == nil || !bytes.Contains([]byte(err.Error()), []byte("pending"))) {
			t.Fatalf("err = %v, want the wait ended by the interrupt", err)
		}
	case <-time.After(time.Minute): // a hang guard, not a timing assertion
		t.Fatal("the wait kept polling after the first interrupt")
	}
}
