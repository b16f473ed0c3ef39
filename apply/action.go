package apply

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/plan/addr"
)

type executor struct {
	client Client
	plan   *plan.Plan
	opts   Options
	graph  *graph
	ids    *records

	mu       sync.Mutex // guards certs, shares, warnings and scim
	certs    map[string]*AppliedCertificateSet
	shares   map[string]string
	warnings []string
	scim     []AppliedSCIMSecret
}

// do runs one action. Its summary counts what the action achieved, which for
// a replace that fails half way is the delete alone.
func (x *executor) do(ctx context.Context, a *plan.Action) (plan.Summary, error) {
	var err error
	switch a.Resource {
	case plan.ResourceIdP:
		return x.doIdP(ctx, a)
	case plan.ResourceCertificateSet:
		err = x.doCertificateSet(ctx, a)
	case plan.ResourceEncryption:
		err = x.doEncryption(ctx, a)
	case plan.ResourceGrant:
		err = x.doGrant(ctx, a)
	case plan.ResourceShare:
		return x.doShare(ctx, a)
	case plan.ResourceRecipient:
		err = x.doRecipient(ctx, a)
	case plan.ResourceSCIMSecret:
		err = x.doSCIMSecret(ctx, a)
	default:
		err = fmt.Errorf("%s: unknown resource %q", a.Address, a.Resource)
	}
	if err != nil {
		return plan.Summary{}, err
	}
	return kindSummary(a.Action), nil
}

func kindSummary(k plan.Kind) plan.Summary {
	switch k {
	case plan.Create:
		return plan.Summary{Add: 1}
	case plan.Update, plan.Rotate:
		return plan.Summary{Change: 1}
	case plan.Delete:
		return plan.Summary{Destroy: 1}
	case plan.Replace:
		return plan.Summary{Add: 1, Destroy: 1}
	}
	return plan.Summary{}
}

func unsupported(a *plan.Action) error {
	return fmt.Errorf("%s: %s is not an action on %s", a.Address, a.Action, a.Resource)
}

// gone treats a 404 on a delete as success: the object is already gone, which
// is where a re-run after an interrupted apply finds it.
func gone(err error) error {
	if cloudflare.IsNotFound(err) {
		return nil
	}
	return err
}

func (x *executor) doIdP(ctx context.Context, a *plan.Action) (plan.Summary, error) {
	var none plan.Summary
	switch a.Action {
	case plan.Create:
		if err := x.createIdP(ctx, a); err != nil {
			return none, err
		}
		return plan.Summary{Add: 1}, nil
	case plan.Update:
		id := x.ids.target(a.IdP, fIdP, a.IDs.IdP)
		if id == "" {
			return none, fmt.Errorf("%s: update identity provider: no identity provider id", a.Address)
		}
		body, err := x.body(a, a.Request)
		if err != nil {
			return none, fmt.Errorf("%s: update identity provider: %w", a.Address, err)
		}
		var ticket string
		if a.SCIMSecret {
			if ticket, err = x.expectSCIM(ctx, a, id); err != nil {
				return none, fmt.Errorf("%s: update identity provider: %w", a.Address, err)
			}
		}
		got, err := x.client.UpdateIdentityProvider(ctx, a.AccountID, id, body)
		if err != nil {
			return none, fmt.Errorf("%s: update identity provider: %w", a.Address, err)
		}
		if a.SCIMSecret {
			if err := x.captureSCIM(ctx, a, id, got, false, ticket); err != nil {
				return none, fmt.Errorf("%s: %w", a.Address, err)
			}
		}
		return plan.Summary{Change: 1}, nil
	case plan.Delete:
		if err := x.deleteIdP(ctx, a); err != nil {
			return none, err
		}
		return plan.Summary{Destroy: 1}, nil
	case plan.Replace:
		// Build the body first: a secret that cannot be resolved must not
		// leave the IdP deleted and not recreated.
		if _, err := x.body(a, a.Request); err != nil {
			return none, fmt.Errorf("%s: create identity provider: %w", a.Address, err)
		}
		if err := x.deleteIdP(ctx, a); err != nil {
			return none, err
		}
		if err := x.createIdP(ctx, a); err != nil {
			return plan.Summary{Destroy: 1}, err
		}
		return plan.Summary{Add: 1, Destroy: 1}, nil
	}
	return none, unsupported(a)
}

func (x *executor) createIdP(ctx context.Context, a *plan.Action) error {
	body, err := x.body(a, a.Request)
	if err != nil {
		return fmt.Errorf("%s: create identity provider: %w", a.Address, err)
	}
	var ticket string
	if a.SCIMSecret {
		if ticket, err = x.expectSCIM(ctx, a, ""); err != nil {
			return fmt.Errorf("%s: create identity provider: %w", a.Address, err)
		}
	}
	got, err := x.client.CreateIdentityProvider(ctx, a.AccountID, body)
	if err != nil {
		return fmt.Errorf("%s: create identity provider: %w", a.Address, err)
	}
	if got == nil || got.ID == "" {
		return fmt.Errorf("%s: create identity provider: the API returned no id", a.Address)
	}
	x.ids.record(a.IdP, fIdP, got.ID)
	if a.SCIMSecret {
		if err := x.captureSCIM(ctx, a, got.ID, got, false, ticket); err != nil {
			return fmt.Errorf("%s: %w", a.Address, err)
		}
	}
	return nil
}

func (x *executor) deleteIdP(ctx context.Context, a *plan.Action) error {
	id := x.ids.target(a.IdP, fIdP, a.IDs.IdP)
	if id == "" {
		return fmt.Errorf("%s: delete identity provider: no identity provider id", a.Address)
	}
	if err := gone(x.client.DeleteIdentityProvider(ctx, a.AccountID, id)); err != nil {
		return fmt.Errorf("%s: delete identity provider: %w", a.Address, err)
	}
	x.forgetSCIM(ctx, id)
	return nil
}

func (x *executor) doCertificateSet(ctx context.Context, a *plan.Action) error {
	switch a.Action {
	case plan.Create:
		idpID := x.ids.parent(a.IdP, fIdP, a.IDs.IdP)
		if idpID == "" {
			return fmt.Errorf("%s: create certificate set: no identity provider id", a.Address)
		}
		set, _, err := x.client.CreateSAMLCertificate(ctx, a.AccountID, idpID)
		if err != nil {
			return fmt.Errorf("%s: create certificate set: %w", a.Address, err)
		}
		if set == nil || set.UID == "" {
			return fmt.Errorf("%s: create certificate set: the API returned no set uid", a.Address)
		}
		x.ids.record(a.IdP, fSet, set.UID)
		x.noteSet(a, set, func(c *AppliedCertificateSet) { c.Created = true })
		return nil
	case plan.Rotate:
		uid := x.ids.target(a.IdP, fSet, a.IDs.CertificateSet)
		if uid == "" {
			return fmt.Errorf("%s: rotate certificate set: no certificate set uid", a.Address)
		}
		set, err := x.client.RotateCertificateSet(ctx, a.AccountID, uid)
		if err != nil {
			return fmt.Errorf("%s: rotate certificate set: %w", a.Address, err)
		}
		if set == nil {
			set = &cloudflare.CertificateSet{UID: uid}
		}
		x.noteSet(a, set, func(c *AppliedCertificateSet) { c.Rotated = true })
		return nil
	}
	return unsupported(a)
}

func (x *executor) doEncryption(ctx context.Context, a *plan.Action) error {
	if a.Action != plan.Update {
		return unsupported(a)
	}
	verb := "disable encryption"
	if a.Request != nil && a.Request.EnableEncryption {
		verb = "enable encryption"
	}
	id := x.ids.parent(a.IdP, fIdP, a.IDs.IdP)
	if id == "" {
		return fmt.Errorf("%s: %s: no identity provider id", a.Address, verb)
	}
	body, err := x.body(a, a.Request)
	if err != nil {
		return fmt.Errorf("%s: %s: %w", a.Address, verb, err)
	}
	if !a.Request.EnableEncryption {
		body.Config["enable_encryption"] = false
		body.SAMLCertificateSetID = ""
	}
	got, err := x.client.UpdateIdentityProvider(ctx, a.AccountID, id, body)
	if err != nil {
		return fmt.Errorf("%s: %s: %w", a.Address, verb, err)
	}
	if a.Request.EnableEncryption {
		x.noteEnabled(ctx, a, body.SAMLCertificateSetID, got)
	}
	return nil
}

func (x *executor) doGrant(ctx context.Context, a *plan.Action) error {
	switch a.Action {
	case plan.Create:
		idpID := x.ids.parent(a.IdP, fIdP, a.IDs.IdP)
		if idpID == "" {
			return fmt.Errorf("%s: create grant: no identity provider id", a.Address)
		}
		g, err := x.client.CreateGrant(ctx, a.AccountID, idpID)
		if err != nil {
			return fmt.Errorf("%s: create grant: %w", a.Address, err)
		}
		if g == nil || g.ID == "" {
			return fmt.Errorf("%s: create grant: the API returned no id", a.Address)
		}
		x.ids.record(a.IdP, fGrant, g.ID)
		return nil
	case plan.Delete:
		id := x.ids.target(a.IdP, fGrant, a.IDs.Grant)
		if id == "" {
			return fmt.Errorf("%s: delete grant: no grant id", a.Address)
		}
		if err := gone(x.client.DeleteGrant(ctx, a.AccountID, id)); err != nil {
			return fmt.Errorf("%s: delete grant: %w", a.Address, err)
		}
		return nil
	}
	return unsupported(a)
}

func (x *executor) doShare(ctx context.Context, a *plan.Action) (plan.Summary, error) {
	var none plan.Summary
	switch a.Action {
	case plan.Create:
		if err := x.createShare(ctx, a); err != nil {
			return none, err
		}
		return plan.Summary{Add: 1}, nil
	case plan.Delete:
		if err := x.deleteShare(ctx, a); err != nil {
			return none, err
		}
		return plan.Summary{Destroy: 1}, nil
	case plan.Replace:
		// Check the create first, so that a share is not deleted when its
		// replacement cannot even be built.
		if _, err := x.shareRequest(a); err != nil {
			return none, fmt.Errorf("%s: create share: %w", a.Address, err)
		}
		if err := x.deleteShare(ctx, a); err != nil {
			return none, err
		}
		if err := x.createShare(ctx, a); err != nil {
			return plan.Summary{Destroy: 1}, err
		}
		return plan.Summary{Add: 1, Destroy: 1}, nil
	}
	return none, unsupported(a)
}

func (x *executor) shareRequest(a *plan.Action) (cloudflare.CreateShareRequest, error) {
	var req cloudflare.CreateShareRequest
	if a.Share == nil {
		return req, errors.New("the plan has no share request")
	}
	grant := x.ids.parent(a.IdP, fGrant, a.IDs.Grant)
	if grant == "" {
		return req, errors.New("no grant id")
	}
	req.Name = a.Share.Name
	if a.Share.Organization {
		// A recipient with neither field targets the caller's organization;
		// a declared organization is named so the API checks it.
		req.Recipients = []cloudflare.RecipientRequest{{OrganizationID: a.Share.OrganizationID}}
	} else {
		if len(a.Share.Accounts) == 0 {
			return req, errors.New("the share has no recipients")
		}
		for _, acc := range a.Share.Accounts {
			req.Recipients = append(req.Recipients, cloudflare.RecipientRequest{RecipientAccountID: acc})
		}
	}
	req.Resources = []cloudflare.ResourceRequest{{
		ResourceID:        grant,
		ResourceType:      idptype.ResourceFederationGrant,
		ResourceAccountID: a.AccountID,
		Meta:              map[string]any{},
	}}
	return req, nil
}

func (x *executor) createShare(ctx context.Context, a *plan.Action) error {
	req, err := x.shareRequest(a)
	if err != nil {
		return fmt.Errorf("%s: create share: %w", a.Address, err)
	}
	s, err := x.client.CreateShare(ctx, a.AccountID, req)
	if err != nil {
		return fmt.Errorf("%s: create share: %w", a.Address, err)
	}
	if s == nil || s.ID == "" {
		return fmt.Errorf("%s: create share: the API returned no id", a.Address)
	}
	x.ids.record(a.IdP, fShare, s.ID)
	x.noteShare(a.Address, s.ID)
	return nil
}

func (x *executor) deleteShare(ctx context.Context, a *plan.Action) error {
	id := x.ids.target(a.IdP, fShare, a.IDs.Share)
	if id == "" {
		return fmt.Errorf("%s: delete share: no share id", a.Address)
	}
	if _, err := x.client.DeleteShare(ctx, a.AccountID, id); gone(err) != nil {
		return fmt.Errorf("%s: delete share: %w", a.Address, err)
	}
	if a.Action == plan.Delete {
		// The share goes away in the background; its recipients disassociate.
		x.noteShare(a.Address, id)
	}
	return nil
}

func (x *executor) doRecipient(ctx context.Context, a *plan.Action) error {
	shareAddr := shareAddress(a)
	switch a.Action {
	case plan.Create:
		share := x.ids.parent(a.IdP, fShare, a.IDs.Share)
		if share == "" {
			return fmt.Errorf("%s: add recipient: no share id", a.Address)
		}
		if _, err := x.client.AddRecipient(ctx, a.AccountID, share, cloudflare.RecipientRequest{RecipientAccountID: a.RecipientAccount}); err != nil {
			return fmt.Errorf("%s: add recipient: %w", a.Address, err)
		}
		x.noteShare(shareAddr, share)
		return nil
	case plan.Delete:
		share := x.ids.target(a.IdP, fShare, a.IDs.Share)
		if share == "" || a.IDs.Recipient == "" {
			return fmt.Errorf("%s: remove recipient: no share or recipient id", a.Address)
		}
		if _, err := x.client.RemoveRecipient(ctx, a.AccountID, share, a.IDs.Recipient); gone(err) != nil {
			return fmt.Errorf("%s: remove recipient: %w", a.Address, err)
		}
		x.noteShare(shareAddr, share)
		return nil
	}
	return unsupported(a)
}

// shareAddress is the address of the share a recipient action belongs to:
// its address's parent, else the share of its IdP. An IdP address that does
// not parse (no plan of this version holds one) stands for its share as it
// is, so that Result.Shares and WaitForShares still agree on the key.
func shareAddress(a *plan.Action) string {
	if x, err := addr.Parse(a.Address); err == nil && x.Kind == addr.Recipient {
		if share, ok := x.Parent(); ok {
			return share.String()
		}
	}
	if x, err := addr.Parse(a.IdP); err == nil {
		if idp, ok := x.IdPAddress(); ok {
			return idp.Child(addr.Share, "").String()
		}
	}
	return a.IdP
}

func (x *executor) noteShare(addr, id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.shares[addr] = id
}

func (x *executor) warn(format string, args ...any) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.warnings = append(x.warnings, fmt.Sprintf(format, args...))
}

// body builds the IdP request body of an action. It copies the plan's config
// (the plan must stay as reviewed, and must never hold a secret) and puts in
// the resolved secrets and, when encryption stays or goes on, the set uid.
func (x *executor) body(a *plan.Action, r *plan.IdPRequest) (cloudflare.IdentityProvider, error) {
	var b cloudflare.IdentityProvider
	if r == nil {
		return b, errors.New("the plan has no request body")
	}
	b.Name = r.Name
	b.Type = r.Type
	b.Config = deepCopyMap(r.Config)
	if b.Config == nil {
		b.Config = map[string]any{}
	}
	if r.SCIMConfig != nil {
		b.SCIMConfig = deepCopyMap(r.SCIMConfig)
	}
	for _, ref := range r.Secrets {
		if x.opts.Secrets == nil {
			return b, fmt.Errorf("config.%s: no secret resolver", ref.Key)
		}
		v, err := x.opts.Secrets.Resolve(ref)
		if err != nil {
			return b, fmt.Errorf("config.%s: resolve %s: %w", ref.Key, ref.Ref, err)
		}
		if x.opts.Redact != nil {
			x.opts.Redact(v)
		}
		b.Config[ref.Key] = v
	}
	// Sending the placeholder would overwrite a real secret with its mask.
	for _, k := range sortedKeys(b.Config) {
		if s, ok := b.Config[k].(string); ok && s == plan.SensitiveValue {
			return b, fmt.Errorf("config.%s: sensitive value has no secret reference", k)
		}
	}
	if r.EnableEncryption {
		uid := x.ids.parent(a.IdP, fSet, a.IDs.CertificateSet)
		if uid == "" {
			return b, errors.New("encryption is on but no certificate set uid is known")
		}
		b.Config["enable_encryption"] = true
		b.SAMLCertificateSetID = uid
	}
	return b, nil
}

func sortedKeys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}

func deepCopyMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = deepCopy(v)
	}
	return out
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return deepCopyMap(t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = deepCopy(e)
		}
		return out
	case []string:
		return append([]string(nil), t...)
	case map[string]string:
		return maps.Clone(t)
	}
	return v
}
