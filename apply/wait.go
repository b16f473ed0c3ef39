package apply

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/plan/addr"
)

// Pending is a recipient of a share still associating or disassociating.
type Pending struct {
	// Address is account[a].idp[n].share.recipient[<account id>].
	Address string
	// AccountID owns the share; Recipient is the recipient's account id.
	AccountID string
	Recipient string
	ShareID   string
	Status    idptype.RecipientStatus
}

// Poll pacing of WaitForShares. Recipients settle in seconds to minutes, so
// polling backs off from a quick first look.
var (
	pollFirst = 500 * time.Millisecond
	pollMax   = 5 * time.Second
)

// WaitForShares polls the recipients of the plan's shares until none is
// associating or disassociating, calling progress after each round with what
// is still pending. ids maps share addresses to share ids (Result.Shares);
// shares the plan has no action for are ignored, as is a share that is gone.
// The error names what is still pending at the timeout, and every recipient
// whose association failed for good.
func WaitForShares(ctx context.Context, c Client, p *plan.Plan, ids map[string]string, timeout time.Duration, progress func(pending []Pending)) error {
	if c == nil || p == nil {
		return errors.New("apply: nil client or plan")
	}
	type share struct{ addr, account, id string }
	owner := map[string]string{} // share address → owning account
	for _, a := range p.Actions {
		if info, ok := addr.Info(a.Resource); !ok || !info.Waits {
			continue
		}
		switch a.Resource {
		case plan.ResourceShare:
			owner[a.Address] = a.AccountID
		case plan.ResourceRecipient:
			owner[shareAddress(&a)] = a.AccountID
		case plan.ResourceIdP, plan.ResourceCertificateSet, plan.ResourceEncryption, plan.ResourceGrant, plan.ResourceSCIMSecret:
			// No transitions to wait for (addr.KindInfo.Waits).
		}
	}
	var shares []share
	for _, addr := range slices.Sorted(maps.Keys(ids)) {
		if acc, ok := owner[addr]; ok && ids[addr] != "" {
			shares = append(shares, share{addr, acc, ids[addr]})
		}
	}
	if len(shares) == 0 {
		return nil
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}

	var (
		pending []Pending             // as of the last complete round
		failed  = map[string]string{} // recipient address → terminal error
	)
	delay := pollFirst
	for {
		var (
			mu  sync.Mutex
			cur []Pending
		)
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(concurrencyOf(c))
		for _, s := range shares {
			g.Go(func() error {
				rs, err := c.ListRecipients(gctx, s.account, s.id)
				if cloudflare.IsNotFound(err) {
					return nil // the share is gone, and so is every association
				}
				if err != nil {
					return fmt.Errorf("%s: list recipients: %w", s.addr, err)
				}
				mu.Lock()
				defer mu.Unlock()
				for _, r := range rs {
					addr := recipientAddress(s.addr, r.AccountID)
					if msg := terminalError(r); msg != "" {
						failed[addr] = msg
						continue
					}
					if r.AssociationStatus == idptype.Associating || r.AssociationStatus == idptype.Disassociating {
						cur = append(cur, Pending{Address: addr, AccountID: s.account, Recipient: r.AccountID, ShareID: s.id, Status: r.AssociationStatus})
					}
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			if ctx.Err() != nil {
				return waitError(ctx, timeout, pending, failed)
			}
			return err
		}
		slices.SortFunc(cur, func(a, b Pending) int { return strings.Compare(a.Address, b.Address) })
		pending = cur
		if progress != nil {
			progress(slices.Clone(pending))
		}
		if len(pending) == 0 {
			return failures(failed)
		}
		select {
		case <-ctx.Done():
			return waitError(ctx, timeout, pending, failed)
		case <-time.After(delay):
			delay = min(delay*2, pollMax)
		}
	}
}

// terminalError is a recipient's final association error, if any.
func terminalError(r cloudflare.Recipient) string {
	for _, res := range r.Resources {
		if res.Terminal && res.Error != "" {
			return res.Error
		}
	}
	return ""
}

func failures(failed map[string]string) error {
	if len(failed) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("shares: association failed for good:")
	for _, addr := range slices.Sorted(maps.Keys(failed)) {
		fmt.Fprintf(&b, "\n  %s: %s", addr, failed[addr])
	}
	return errors.New(b.String())
}

func waitError(ctx context.Context, timeout time.Duration, pending []Pending, failed map[string]string) error {
	var b strings.Builder
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		fmt.Fprintf(&b, "shares still settling after %s:", timeout)
	} else {
		b.WriteString("stopped waiting for shares:")
	}
	if len(pending) == 0 {
		b.WriteString(" (not yet read)")
	}
	for _, p := range pending {
		fmt.Fprintf(&b, "\n  %s: %s", p.Address, p.Status)
	}
	if f := failures(failed); f != nil {
		b.WriteString("\n" + f.Error())
	}
	return fmt.Errorf("%s: %w", b.String(), ctx.Err())
}

// recipientAddress is the address of the recipient account of the share at
// shareAddr. A share address that does not parse (no plan of this version
// holds one) names the recipient's share instead.
func recipientAddress(shareAddr, accountID string) string {
	if x, err := addr.Parse(shareAddr); err == nil && x.Kind == addr.Share {
		return x.Child(addr.Recipient, accountID).String()
	}
	return shareAddr
}
