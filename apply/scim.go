package apply

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/plan"
)

// SCIMSecret is a SCIM secret the API just returned, with what the person
// configuring the external IdP needs beside it. It goes to a SCIMSecretSink
// and nowhere else: no Result, event, error or log holds Secret.
type SCIMSecret struct {
	AccountID string
	// Account is the account's label; IdP the IdP's address, IdPName its name.
	Account string
	IdP     string
	IdPName string
	// BaseURL is the SCIM base URL the external IdP pushes to.
	BaseURL string
	Secret  string
}

// SCIMSecretSink keeps SCIM secrets; the CLI's writes each to a file under
// --secrets-out. It returns where the secret went, which may be printed.
type SCIMSecretSink interface {
	WriteSCIMSecret(ctx context.Context, s SCIMSecret) (where string, err error)
}

// AppliedSCIMSecret says where the SCIM secret of an IdP was written.
type AppliedSCIMSecret struct {
	AccountID string
	Account   string
	IdP       string
	IdPName   string
	BaseURL   string
	// Where is what the sink returned: the file's path.
	Where string
	// Rotated is set when the secret came from refresh_scim_secret on request.
	Rotated bool
}

// errNoSink is returned when an action yields a SCIM secret and no sink was
// given: engine.Apply refuses such a plan before the first write, so this
// is a guard.
var errNoSink = errors.New("the API returns the SCIM secret only now and there is nowhere to write it (use --secrets-out DIR)")

// captureSCIM hands the SCIM secret of an action's answer to the sink. When
// the answer carries none (a create that was read back after a lost answer,
// or SCIM switched on again, for which the API need not return the secret),
// it asks for a new one through refresh_scim_secret rather than leave the
// external IdP without one.
func (x *executor) captureSCIM(ctx context.Context, a *plan.Action, id string, got *cloudflare.IdentityProvider, rotated bool) error {
	if x.opts.SCIMSecrets == nil {
		return errNoSink
	}
	if got == nil || got.SCIMSecret == "" {
		var err error
		got, err = x.client.RefreshSCIMSecret(ctx, a.AccountID, id)
		if err != nil {
			return fmt.Errorf("refresh SCIM secret: %w", err)
		}
		if got == nil || got.SCIMSecret == "" {
			return errors.New("refresh SCIM secret: the API returned no secret")
		}
	}
	baseURL, _ := got.SCIMConfig["scim_base_url"].(string)
	s := SCIMSecret{AccountID: a.AccountID, Account: a.Account, IdP: a.IdP, IdPName: a.IdPName, BaseURL: baseURL, Secret: got.SCIMSecret}
	where, err := x.opts.SCIMSecrets.WriteSCIMSecret(ctx, s)
	if err != nil {
		// The sink's error names the file, never the secret. The secret is
		// lost with this run: a rotation makes a new one.
		return fmt.Errorf("write SCIM secret: %w; run again with --rotate-scim-secret %s", err, a.IdP)
	}
	x.mu.Lock()
	x.scim = append(x.scim, AppliedSCIMSecret{
		AccountID: a.AccountID, Account: a.Account, IdP: a.IdP, IdPName: a.IdPName,
		BaseURL: baseURL, Where: where, Rotated: rotated,
	})
	x.mu.Unlock()
	return nil
}

// doSCIMSecret regenerates an IdP's SCIM secret on request.
func (x *executor) doSCIMSecret(ctx context.Context, a *plan.Action) error {
	if a.Action != plan.Rotate {
		return unsupported(a)
	}
	id := x.ids.parent(a.IdP, fIdP, a.IDs.IdP)
	if id == "" {
		return fmt.Errorf("%s: rotate SCIM secret: no identity provider id", a.Address)
	}
	if x.opts.SCIMSecrets == nil {
		return fmt.Errorf("%s: rotate SCIM secret: %w", a.Address, errNoSink)
	}
	got, err := x.client.RefreshSCIMSecret(ctx, a.AccountID, id)
	if err != nil {
		return fmt.Errorf("%s: rotate SCIM secret: %w", a.Address, err)
	}
	if got == nil || got.SCIMSecret == "" {
		return fmt.Errorf("%s: rotate SCIM secret: the API returned no secret", a.Address)
	}
	if err := x.captureSCIM(ctx, a, id, got, true); err != nil {
		return fmt.Errorf("%s: %w", a.Address, err)
	}
	return nil
}

func sortSCIM(s []AppliedSCIMSecret) {
	sort.Slice(s, func(i, j int) bool { return s[i].IdP < s[j].IdP })
}
