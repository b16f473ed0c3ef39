package apply

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/plan/addr"
)

func rcpt(account string, status idptype.RecipientStatus) cloudflare.Recipient {
	return cloudflare.Recipient{ID: "r-" + account, AccountID: account, AssociationStatus: status}
}

func TestWaitForShares(t *testing.T) {
	pollFirst, pollMax = time.Millisecond, 2*time.Millisecond
	t.Cleanup(func() { pollFirst, pollMax = 500*time.Millisecond, 5*time.Second })

	okta := samlChain(acctA, "Okta", acctB, acctC)
	gone := act(plan.Delete, plan.ResourceShare, acctA, "Azure", ".share")
	removed := act(plan.Delete, plan.ResourceRecipient, acctB, "Entra", ".share.recipient[c3]")
	p := newPlan(okta, []plan.Action{gone, removed})
	ids := map[string]string{
		okta[4].Address: "s-okta",
		gone.Address:    "s-gone",
		removed.Address[:len(removed.Address)-len(".recipient[c3]")]: "s-entra",
		"account[zz].idp[Other].share":                               "s-other", // not the plan's: ignored
	}
	oktaRcpt := func(b, c idptype.RecipientStatus) []cloudflare.Recipient {
		return []cloudflare.Recipient{rcpt(acctB, b), rcpt(acctC, c)}
	}
	failed := rcpt(acctC, idptype.Associating)
	failed.Resources = []cloudflare.RecipientResource{{ResourceID: "g", Error: "idp limit reached", Terminal: true}}

	tests := []struct {
		name         string
		recipients   map[string][][]cloudflare.Recipient
		timeout      time.Duration
		wantProgress []int
		wantErr      []string
		wantDeadline bool
	}{
		{
			name: "settles",
			recipients: map[string][][]cloudflare.Recipient{
				"s-okta": {
					oktaRcpt(idptype.Associating, idptype.Associating),
					oktaRcpt(idptype.Associated, idptype.Associating),
					oktaRcpt(idptype.Associated, idptype.Associated),
				},
				"s-entra": {
					{rcpt(acctC, idptype.Disassociating)},
					{rcpt(acctC, idptype.Disassociated)},
				},
			},
			timeout:      10 * time.Second,
			wantProgress: []int{3, 1, 0},
		},
		{
			name: "times out",
			recipients: map[string][][]cloudflare.Recipient{
				"s-okta": {oktaRcpt(idptype.Associated, idptype.Associating)},
			},
			timeout:      30 * time.Millisecond,
			wantErr:      []string{"shares still settling after 30ms", "account[a1].idp[Okta].share.recipient[c3]: associating"},
			wantDeadline: true,
		},
		{
			name: "terminal error",
			recipients: map[string][][]cloudflare.Recipient{
				"s-okta": {{rcpt(acctB, idptype.Associated), failed}},
			},
			timeout:      10 * time.Second,
			wantProgress: []int{0},
			wantErr:      []string{"account[a1].idp[Okta].share.recipient[c3]: idp limit reached"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeClient{recipients: tt.recipients}
			var progress []int
			err := WaitForShares(context.Background(), f, p, ids, tt.timeout, func(pending []Pending) {
				progress = append(progress, len(pending))
				for _, pd := range pending {
					if pd.Status != idptype.Associating && pd.Status != idptype.Disassociating {
						t.Errorf("pending in status %q", pd.Status)
					}
				}
			})
			if tt.wantErr == nil && err != nil {
				t.Fatalf("err = %v", err)
			}
			for _, w := range tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want it to contain %q", err, w)
				}
			}
			if got := errors.Is(err, context.DeadlineExceeded); got != tt.wantDeadline {
				t.Errorf("deadline error = %v, want %v", got, tt.wantDeadline)
			}
			if tt.wantProgress != nil && !slices.Equal(progress, tt.wantProgress) {
				t.Errorf("progress = %v, want %v", progress, tt.wantProgress)
			}
			for _, c := range f.find("ListRecipients") {
				if c.ID == "s-other" {
					t.Error("polled a share the plan does not touch")
				}
				if c.Account != acctA && c.Account != acctB {
					t.Errorf("polled in account %q", c.Account)
				}
			}
		})
	}
}

func TestWaitForSharesNothingToWaitFor(t *testing.T) {
	f := &fakeClient{}
	if err := WaitForShares(context.Background(), f, newPlan(samlChain(acctA, "Okta")), nil, time.Second, nil); err != nil {
		t.Fatal(err)
	}
	if len(f.log()) != 0 {
		t.Errorf("calls = %v", ops(f.log()))
	}
}

// The share of a recipient and the recipients of a share are found through
// typed addresses, whatever the IdP's name holds.
func TestShareAndRecipientAddresses(t *testing.T) {
	for _, name := range []string{"Okta", "x.share.recipient[y]", "a].grant"} {
		at := plan.IdPAt("0123", "platform", name)
		idp := at.String()
		share := at.Child(addr.Share, "").String()
		rec := at.Child(addr.Recipient, "b").String()
		if got := shareAddress(&plan.Action{Address: rec, IdP: idp}); got != share {
			t.Errorf("%q: shareAddress = %q, want %q", name, got, share)
		}
		if got := shareAddress(&plan.Action{Address: share, IdP: idp}); got != share {
			t.Errorf("%q: shareAddress of the share = %q", name, got)
		}
		if got := recipientAddress(share, "b"); got != rec {
			t.Errorf("%q: recipientAddress = %q, want %q", name, got, rec)
		}
		// A duplicate share's recipients are named under the share's
		// plain address, as the plan names a kept share's.
		if got := recipientAddress(at.Child(addr.Share, "").AsDuplicate("s2").String(), "b"); got != rec {
			t.Errorf("%q: recipientAddress of a duplicate share = %q, want %q", name, got, rec)
		}
	}
	// Addresses no plan of this version holds are kept as they are, the
	// same on both sides of Result.Shares.
	odd := &plan.Action{Address: "x", IdP: "y"}
	if got := shareAddress(odd); got != "y" {
		t.Errorf("shareAddress of an unparsable action = %q, want its IdP", got)
	}
	if got := recipientAddress("y", "b"); got != "y" {
		t.Errorf("recipientAddress of an unparsable share = %q, want it kept", got)
	}
}
