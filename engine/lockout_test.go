package engine_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan"
)

// failingAccess is the real client, but one read of one account fails.
type failingAccess struct {
	*cloudflare.Client
	method, account string
}

var errDenied = errors.New("403 Forbidden: the token cannot read this")

func (f *failingAccess) fail(method, account string) error {
	if f.method == method && f.account == account {
		return errDenied
	}
	return nil
}

func (f *failingAccess) ListRecipients(ctx context.Context, accountID, shareID string) ([]cloudflare.Recipient, error) {
	if err := f.fail("ListRecipients", accountID); err != nil {
		return nil, err
	}
	return f.Client.ListRecipients(ctx, accountID, shareID)
}

func (f *failingAccess) ListAccessApplications(ctx context.Context, accountID string) ([]cloudflare.AccessApplication, error) {
	if err := f.fail("ListAccessApplications", accountID); err != nil {
		return nil, err
	}
	return f.Client.ListAccessApplications(ctx, accountID)
}

func (f *failingAccess) ListAccessApplicationPolicies(ctx context.Context, accountID, appID string) ([]cloudflare.AccessPolicy, error) {
	if err := f.fail("ListAccessApplicationPolicies", accountID); err != nil {
		return nil, err
	}
	return f.Client.ListAccessApplicationPolicies(ctx, accountID, appID)
}

func (f *failingAccess) ListAccessPolicies(ctx context.Context, accountID string) ([]cloudflare.AccessPolicy, error) {
	if err := f.fail("ListAccessPolicies", accountID); err != nil {
		return nil, err
	}
	return f.Client.ListAccessPolicies(ctx, accountID)
}

func (f *failingAccess) ListShares(ctx context.Context, accountID string, opts cloudflare.ListSharesOptions) ([]cloudflare.Share, error) {
	if err := f.fail("ListShares", accountID); err != nil {
		return nil, err
	}
	return f.Client.ListShares(ctx, accountID, opts)
}

func (f *failingAccess) ListIdentityProviders(ctx context.Context, accountID string) ([]cloudflare.IdentityProvider, error) {
	if err := f.fail("ListIdentityProviders", accountID); err != nil {
		return nil, err
	}
	return f.Client.ListIdentityProviders(ctx, accountID)
}

// TestAnalyzeLockoutFailsClosed: whatever read of the analysis fails, the
// action that needed it says what and why, and the destroy gate refuses it
// without --allow-destroy even where the account prunes; with every read
// answering, the recipient's application is found through the share.
func TestAnalyzeLockoutFailsClosed(t *testing.T) {
	const src, rcpt = "0000000000000000000000000000a0a0", "0000000000000000000000000000b0b0"
	ctx := context.Background()
	srv := startEmulator(t)
	c := newClient(t, srv, cloudflare.RateLimit{Requests: 100000, Window: time.Minute})
	idp, err := c.CreateIdentityProvider(ctx, src, cloudflare.IdentityProvider{Name: "Fed", Type: "github", Config: map[string]any{"client_id": "a", "client_secret": "b"}})
	if err != nil {
		t.Fatal(err)
	}
	grant, err := c.CreateGrant(ctx, src, idp.ID)
	if err != nil {
		t.Fatal(err)
	}
	share, err := c.CreateShare(ctx, src, cloudflare.CreateShareRequest{
		Name:       plan.ShareName("Fed"),
		Recipients: []cloudflare.RecipientRequest{{RecipientAccountID: rcpt}},
		Resources:  []cloudflare.ResourceRequest{{ResourceID: grant.ID, ResourceType: idptype.ResourceFederationGrant, ResourceAccountID: src, Meta: map[string]any{}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var conn string
	for range 50 {
		idps, err := c.ListIdentityProviders(ctx, rcpt)
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range idps {
			if i.ReadOnly && i.Name == "Fed" {
				conn = i.ID
			}
		}
		if conn != "" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if conn == "" {
		t.Fatal("the recipient never received the connection")
	}
	if _, err := c.CreateAccessApplication(ctx, rcpt, cloudflare.NewAccessApplication{Name: "Payroll", Domain: "pay.example.com", Type: "self_hosted", AllowedIdPs: []string{conn}}); err != nil {
		t.Fatal(err)
	}
	newPlan := func() *plan.Plan {
		return &plan.Plan{
			Accounts: []plan.AccountRef{{ID: src, Label: "src", Prune: true}},
			Actions: []plan.Action{
				{Address: "account[src].idp[Fed].share", Action: plan.Delete, Resource: plan.ResourceShare, AccountID: src, IdPName: "Fed", Destructive: true,
					IDs: plan.IDs{IdP: idp.ID, Grant: grant.ID, Share: share.ID}},
				{Address: "account[src].idp[Fed].grant", Action: plan.Delete, Resource: plan.ResourceGrant, AccountID: src, IdPName: "Fed", Destructive: true,
					IDs: plan.IDs{IdP: idp.ID, Grant: grant.ID}},
			},
		}
	}

	t.Run("every read answers", func(t *testing.T) {
		p := newPlan()
		if err := engine.AnalyzeLockout(ctx, &failingAccess{Client: c}, p, nil); err != nil {
			t.Fatal(err)
		}
		for _, a := range p.Actions {
			if len(a.Lockout) != 1 || a.Lockout[0].Name != "Payroll" || !a.Lockout[0].Only || a.Lockout[0].IdPID != conn || a.LockoutBlind() {
				t.Errorf("%s: lockout %+v, unread %+v", a.Address, a.Lockout, a.LockoutUnread)
			}
		}
	})

	for _, tt := range []struct {
		method, account, what string
	}{
		{"ListRecipients", src, "the recipients of share " + share.ID},
		{"ListAccessApplications", rcpt, "the Access applications"},
		{"ListAccessApplicationPolicies", rcpt, "the policies of Access application Payroll"},
		{"ListAccessPolicies", rcpt, "the reusable Access policies"},
		{"ListShares", rcpt, "the received shares"},
		{"ListIdentityProviders", rcpt, "the identity providers"},
	} {
		t.Run(tt.method+" fails", func(t *testing.T) {
			p := newPlan()
			if err := engine.AnalyzeLockout(ctx, &failingAccess{Client: c, method: tt.method, account: tt.account}, p, nil); err != nil {
				t.Fatalf("a failed read failed the analysis: %v", err)
			}
			a := p.Actions[0]
			found := false
			for _, u := range a.LockoutUnread {
				found = found || u.AccountID == tt.account && strings.HasPrefix(u.What, tt.what) && strings.Contains(u.Why, "403 Forbidden")
			}
			if !found {
				t.Fatalf("unread = %+v, want %q of %s with the error", a.LockoutUnread, tt.what, tt.account)
			}
			err := engine.CheckApply(p, nil, nil, engine.GateOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.what) || !strings.Contains(err.Error(), "prune: true does not cover") {
				t.Fatalf("gate with prune: true = %v, want a refusal naming %q", err, tt.what)
			}
			if err := engine.CheckApply(p, nil, nil, engine.GateOptions{AllowDestroy: true}); err != nil {
				t.Fatalf("gate with --allow-destroy = %v", err)
			}
		})
	}

	t.Run("a policy rule of unknown form is not read", func(t *testing.T) {
		// The client sends no policy writes; the request goes straight to the emulator.
		body := `{"name":"Odd","decision":"allow","include":[{"login_method":"` + conn + `"}]}`
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/accounts/"+rcpt+"/access/policies", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+emuToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("seeding the policy: %s", resp.Status)
		}
		p := newPlan()
		if err := engine.AnalyzeLockout(ctx, c, p, nil); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, u := range p.Actions[0].LockoutUnread {
			found = found || strings.HasPrefix(u.What, "reusable policy Odd") && strings.Contains(u.Why, "not an object of one key")
		}
		if !found {
			t.Fatalf("unread = %+v", p.Actions[0].LockoutUnread)
		}
	})

	t.Run("a cancelled context is an error", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := engine.AnalyzeLockout(cctx, c, newPlan(), nil); err == nil {
			t.Fatal("a cancelled analysis reported success")
		}
	})
}
