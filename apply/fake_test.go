package apply

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan"
)

// The real client must satisfy the executor's interface.
var _ Client = (*cloudflare.Client)(nil)

// call is one request the fake received.
type call struct {
	Seq     int
	Op      string
	Account string
	// ID is the path id the call works on (IdP, set, grant, share), and Sub
	// the recipient id of RemoveRecipient.
	ID    string
	Sub   string
	IdP   *cloudflare.IdentityProvider
	Share *cloudflare.CreateShareRequest
	Rcpt  *cloudflare.RecipientRequest
	At    time.Time
}

// fakeClient is an in-memory Client. It records every call, can fail chosen
// calls, sleep to model latency, and hold calls until released.
type fakeClient struct {
	latency time.Duration
	// fail, when set, may fail a call before it takes effect.
	fail func(c call) error
	// hold, when set, makes each call wait for it to be closed or for ctx.
	hold chan struct{}
	// entered receives each call as it starts, when set.
	entered chan call
	// recipients hands out the answers of ListRecipients by share id, one
	// slice per call; the last one repeats.
	recipients map[string][][]cloudflare.Recipient
	// certPEM is the public certificate of every set the fake creates.
	certPEM string
	// noSCIMSecret makes creates answer without the SCIM secret, as a create
	// that was read back after a lost answer does.
	noSCIMSecret bool
	// emptyRefresh makes refresh_scim_secret answer without a secret, as an
	// empty 2xx would.
	emptyRefresh bool

	mu          sync.Mutex
	calls       []call
	inflight    int
	maxInflight int
	lists       map[string]int
	// slept is the total time spent in latency sleeps, which the scheduler
	// of a loaded machine stretches beyond latency.
	slept time.Duration
}

func notFound() error {
	return &cloudflare.APIError{Status: http.StatusNotFound, Method: "DELETE", Path: "/x", Errors: []cloudflare.Message{{Code: 1003, Message: "not found"}}}
}

func (f *fakeClient) enter(ctx context.Context, c call) error {
	f.mu.Lock()
	c.Seq = len(f.calls)
	c.At = time.Now()
	f.calls = append(f.calls, c)
	f.inflight++
	f.maxInflight = max(f.maxInflight, f.inflight)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inflight--
		f.mu.Unlock()
	}()
	if f.entered != nil {
		f.entered <- c
	}
	if f.hold != nil {
		select {
		case <-f.hold:
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", c.Op, ctx.Err())
		}
	}
	if f.latency > 0 {
		t := time.Now()
		time.Sleep(f.latency)
		d := time.Since(t)
		f.mu.Lock()
		f.slept += d
		f.mu.Unlock()
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", c.Op, err)
	}
	if f.fail != nil {
		return f.fail(c)
	}
	return nil
}

func (f *fakeClient) set(uid string) *cloudflare.CertificateSet {
	pemText := f.certPEM
	if pemText == "" {
		pemText = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"
	}
	return &cloudflare.CertificateSet{
		UID: uid,
		CurrentCertificate: &cloudflare.Certificate{
			UID: "cert-" + uid, PublicCertificate: pemText, IsCurrent: true,
			NotAfter: time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC),
		},
	}
}

func cloneIdP(idp cloudflare.IdentityProvider) *cloudflare.IdentityProvider {
	b, _ := json.Marshal(idp)
	var out cloudflare.IdentityProvider
	_ = json.Unmarshal(b, &out)
	return &out
}

func (f *fakeClient) CreateIdentityProvider(ctx context.Context, account string, idp cloudflare.IdentityProvider) (*cloudflare.IdentityProvider, error) {
	if err := f.enter(ctx, call{Op: "CreateIdentityProvider", Account: account, IdP: cloneIdP(idp)}); err != nil {
		return nil, err
	}
	out := cloneIdP(idp)
	out.ID = "idp-" + idp.Name
	if idp.SCIMConfig["enabled"] == true && !f.noSCIMSecret {
		out.SCIMSecret = "created-secret-" + idp.Name
		out.SCIMConfig = map[string]any{"enabled": true, "scim_base_url": "https://scim.example/" + out.ID}
	}
	return out, nil
}

func (f *fakeClient) RefreshSCIMSecret(ctx context.Context, account, id string) (*cloudflare.IdentityProvider, error) {
	if err := f.enter(ctx, call{Op: "RefreshSCIMSecret", Account: account, ID: id}); err != nil {
		return nil, err
	}
	if f.emptyRefresh {
		return &cloudflare.IdentityProvider{}, nil
	}
	return &cloudflare.IdentityProvider{ID: id, SCIMSecret: "refreshed-secret-" + id,
		SCIMConfig: map[string]any{"enabled": true, "scim_base_url": "https://scim.example/" + id}}, nil
}

func (f *fakeClient) UpdateIdentityProvider(ctx context.Context, account, id string, idp cloudflare.IdentityProvider) (*cloudflare.IdentityProvider, error) {
	if err := f.enter(ctx, call{Op: "UpdateIdentityProvider", Account: account, ID: id, IdP: cloneIdP(idp)}); err != nil {
		return nil, err
	}
	out := cloneIdP(idp)
	out.ID = id
	return out, nil
}

func (f *fakeClient) DeleteIdentityProvider(ctx context.Context, account, id string) error {
	return f.enter(ctx, call{Op: "DeleteIdentityProvider", Account: account, ID: id})
}

func (f *fakeClient) GetIdentityProvider(ctx context.Context, account, id string) (*cloudflare.IdentityProvider, error) {
	if err := f.enter(ctx, call{Op: "GetIdentityProvider", Account: account, ID: id}); err != nil {
		return nil, err
	}
	return &cloudflare.IdentityProvider{ID: id}, nil
}

func (f *fakeClient) CreateSAMLCertificate(ctx context.Context, account, idpID string) (*cloudflare.CertificateSet, bool, error) {
	if err := f.enter(ctx, call{Op: "CreateSAMLCertificate", Account: account, ID: idpID}); err != nil {
		return nil, false, err
	}
	return f.set("set-" + idpID), true, nil
}

func (f *fakeClient) RotateCertificateSet(ctx context.Context, account, setID string) (*cloudflare.CertificateSet, error) {
	if err := f.enter(ctx, call{Op: "RotateCertificateSet", Account: account, ID: setID}); err != nil {
		return nil, err
	}
	return f.set(setID), nil
}

func (f *fakeClient) GetCertificateSet(ctx context.Context, account, setID string) (*cloudflare.CertificateSet, error) {
	if err := f.enter(ctx, call{Op: "GetCertificateSet", Account: account, ID: setID}); err != nil {
		return nil, err
	}
	return f.set(setID), nil
}

func (f *fakeClient) CreateGrant(ctx context.Context, account, idpID string) (*cloudflare.Grant, error) {
	if err := f.enter(ctx, call{Op: "CreateGrant", Account: account, ID: idpID}); err != nil {
		return nil, err
	}
	return &cloudflare.Grant{ID: "grant-" + idpID, IdPID: idpID}, nil
}

func (f *fakeClient) DeleteGrant(ctx context.Context, account, id string) error {
	return f.enter(ctx, call{Op: "DeleteGrant", Account: account, ID: id})
}

func (f *fakeClient) CreateShare(ctx context.Context, account string, req cloudflare.CreateShareRequest) (*cloudflare.Share, error) {
	if err := f.enter(ctx, call{Op: "CreateShare", Account: account, Share: &req}); err != nil {
		return nil, err
	}
	id := "share-"
	if len(req.Resources) > 0 {
		id += req.Resources[0].ResourceID
	}
	return &cloudflare.Share{ID: id, Name: req.Name, AccountID: account, Status: idptype.ShareActive}, nil
}

func (f *fakeClient) DeleteShare(ctx context.Context, account, id string) (*cloudflare.Share, error) {
	if err := f.enter(ctx, call{Op: "DeleteShare", Account: account, ID: id}); err != nil {
		return nil, err
	}
	return &cloudflare.Share{ID: id, Status: idptype.ShareDeleting}, nil
}

func (f *fakeClient) ListRecipients(ctx context.Context, account, shareID string) ([]cloudflare.Recipient, error) {
	if err := f.enter(ctx, call{Op: "ListRecipients", Account: account, ID: shareID}); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	answers, ok := f.recipients[shareID]
	if !ok {
		return nil, notFound()
	}
	if f.lists == nil {
		f.lists = map[string]int{}
	}
	n := min(f.lists[shareID], len(answers)-1)
	f.lists[shareID]++
	return answers[n], nil
}

func (f *fakeClient) AddRecipient(ctx context.Context, account, shareID string, r cloudflare.RecipientRequest) (*cloudflare.Recipient, error) {
	if err := f.enter(ctx, call{Op: "AddRecipient", Account: account, ID: shareID, Rcpt: &r}); err != nil {
		return nil, err
	}
	return &cloudflare.Recipient{ID: "rcpt-" + r.RecipientAccountID, AccountID: r.RecipientAccountID, AssociationStatus: idptype.Associating}, nil
}

func (f *fakeClient) RemoveRecipient(ctx context.Context, account, shareID, recipientID string) (*cloudflare.Recipient, error) {
	if err := f.enter(ctx, call{Op: "RemoveRecipient", Account: account, ID: shareID, Sub: recipientID}); err != nil {
		return nil, err
	}
	return &cloudflare.Recipient{ID: recipientID, AssociationStatus: idptype.Disassociating}, nil
}

// log returns the calls in the order they were made.
func (f *fakeClient) log() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

// find returns the calls of op.
func (f *fakeClient) find(op string) []call {
	var out []call
	for _, c := range f.log() {
		if c.Op == op {
			out = append(out, c)
		}
	}
	return out
}

// failWhen fails calls of op whose ID is id (any id when id is "").
func failWhen(op, id string, err error) func(call) error {
	return func(c call) error {
		if c.Op == op && (id == "" || c.ID == id) {
			return err
		}
		return nil
	}
}

// resolver resolves every reference to a fixed value per key.
type resolver map[string]string

func (r resolver) Resolve(ref plan.SecretRef) (string, error) {
	v, ok := r[ref.Key]
	if !ok {
		return "", fmt.Errorf("%s is not set", ref.Ref)
	}
	return v, nil
}

// --- plan builders -------------------------------------------------------

const acctA, acctB, acctC = "a1", "b2", "c3"

func idpAddr(account, name string) string { return fmt.Sprintf("account[%s].idp[%s]", account, name) }

func act(kind plan.Kind, res plan.Resource, account, name, suffix string, deps ...string) plan.Action {
	idp := idpAddr(account, name)
	return plan.Action{
		Address:   idp + suffix,
		Action:    kind,
		Resource:  res,
		AccountID: account,
		Account:   account,
		IdP:       idp,
		IdPName:   name,
		DependsOn: deps,
	}
}

func samlRequest(name string) *plan.IdPRequest {
	return &plan.IdPRequest{
		Name: name,
		Type: "saml",
		Config: map[string]any{
			"issuer_url":      "https://idp.example.com/" + name,
			"sso_target_url":  "https://idp.example.com/sso",
			"idp_public_cert": "MIIB",
			"attributes":      []any{"email", "groups"},
			"header_attributes": []any{
				map[string]any{"attribute_name": "email", "header_name": "X-Email"},
			},
		},
	}
}

func oidcRequest(name string) *plan.IdPRequest {
	return &plan.IdPRequest{
		Name: name,
		Type: "oidc",
		Config: map[string]any{
			"client_id":     "client-" + name,
			"client_secret": plan.SensitiveValue,
			"auth_url":      "https://idp.example.com/auth",
			"scopes":        []any{"openid", "email"},
		},
		Secrets: []plan.SecretRef{{Key: "client_secret", Ref: "${env:SECRET}", Hash: "abc"}},
	}
}

// samlChain is the plan for one new SAML IdP with encryption, federated to
// recipients (no federation when recipients is empty).
func samlChain(account, name string, recipients ...string) []plan.Action {
	idp := act(plan.Create, plan.ResourceIdP, account, name, "")
	idp.Request = samlRequest(name)
	set := act(plan.Create, plan.ResourceCertificateSet, account, name, ".encryption.certificate_set", idp.Address)
	enc := act(plan.Update, plan.ResourceEncryption, account, name, ".encryption", set.Address)
	enc.Request = samlRequest(name)
	enc.Request.EnableEncryption = true
	acts := []plan.Action{idp, set, enc}
	if len(recipients) > 0 {
		grant := act(plan.Create, plan.ResourceGrant, account, name, ".grant", idp.Address)
		share := act(plan.Create, plan.ResourceShare, account, name, ".share", grant.Address)
		share.Share = &plan.ShareRequest{Name: "Identity provider: " + name, Accounts: recipients}
		acts = append(acts, grant, share)
	}
	return acts
}

func newPlan(groups ...[]plan.Action) *plan.Plan {
	p := &plan.Plan{FormatVersion: plan.FormatVersion}
	seen := map[string]bool{}
	for _, g := range groups {
		for _, a := range g {
			if !seen[a.AccountID] {
				seen[a.AccountID] = true
				p.Accounts = append(p.Accounts, plan.AccountRef{ID: a.AccountID, Label: a.Account})
			}
		}
		p.Actions = append(p.Actions, g...)
	}
	return p
}

// eventLog collects events and checks that OnEvent is never called concurrently.
type eventLog struct {
	t      *testing.T
	mu     sync.Mutex
	busy   bool
	events []Event
}

func (l *eventLog) on(e Event) {
	l.mu.Lock()
	if l.busy {
		l.t.Errorf("OnEvent called concurrently")
	}
	l.busy = true
	l.mu.Unlock()
	time.Sleep(10 * time.Microsecond) // widen the window an overlap would need
	l.mu.Lock()
	l.events = append(l.events, e)
	l.busy = false
	l.mu.Unlock()
}

func (l *eventLog) of(kind EventKind) []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Event
	for _, e := range l.events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}
