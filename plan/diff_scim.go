package plan

import (
	"fmt"
	"maps"
	"slices"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan/addr"
	"github.com/idpsync/idpsync/state"
)

// ReasonRotateRequested: --rotate-scim-secret asked for a new SCIM secret.
const ReasonRotateRequested Reason = "rotate_requested"

// SCIMSecretAddress is the address of an IdP's SCIM secret.
func SCIMSecretAddress(idpAddress string) string {
	return childAddress(idpAddress, addr.SCIMSecret, "")
}

// scimSecretNote says what happens to the secret an action makes the API return.
const scimSecretNote = "SCIM is switched on: the API returns the SCIM secret once, in this response; " +
	"apply writes it to a file under --secrets-out DIR (and refuses to start without that flag, as the secret would be lost)"

// scimChanges compares the declared scim_config keys with the live ones.
// Only declared keys count, and a key the read leaves out has the API's
// default, so server defaults are never changes.
func scimChanges(d *state.SCIM, live map[string]any) []Change {
	if d == nil {
		return nil
	}
	var out []Change
	for _, k := range slices.Sorted(maps.Keys(d.Settings)) {
		dv := d.Settings[k]
		lv, present := live[k]
		if !present || lv == nil {
			lv = idptype.SCIMDefault(k)
		}
		if equalValue(dv, lv) {
			continue
		}
		out = append(out, Change{Path: "scim_config." + k, Before: lv, After: dv})
	}
	return out
}

// scimCreateChanges lists every declared scim_config key of a new IdP.
func scimCreateChanges(d *state.SCIM) []Change {
	if d == nil {
		return nil
	}
	var out []Change
	for _, k := range slices.Sorted(maps.Keys(d.Settings)) {
		out = append(out, Change{Path: "scim_config." + k, After: d.Settings[k]})
	}
	return out
}

// scimRequest is the scim_config an IdP body carries: the live settings less
// what the server computes, overlaid with the declared keys. Undeclared, the
// live settings are still sent back unchanged. The update is a PUT, which
// replaces the whole object (as updateRequest's config), and the documents do
// not say whether a PUT that leaves scim_config out keeps it or resets it to
// its defaults (cloudflare-go v7.9.0 zero_trust.IdentityProviderUpdateParams
// only marks it optional); sending back what was read is right either way, so
// SCIM that someone enabled outside idpsync is never switched off by an
// unrelated update. A create, having nothing live, sends only what is declared.
func scimRequest(d *state.SCIM, live map[string]any) map[string]any {
	if d == nil && len(live) == 0 {
		return nil
	}
	out := make(map[string]any, len(live)+4)
	for k, v := range live {
		if f, ok := idptype.SCIMField(k); ok && f.ReadOnly || v == nil {
			continue
		}
		out[k] = v
	}
	if d != nil {
		maps.Copy(out, d.Settings)
	}
	return out
}

// liveSCIMEnabled reports whether the live IdP has SCIM on.
func liveSCIMEnabled(l *state.LiveIdP) bool {
	if l == nil {
		return false
	}
	on, _ := l.SCIMConfig["enabled"].(bool)
	return on
}

// scimSecretAction plans the rotation of an IdP's SCIM secret, when asked.
func (d *differ) scimSecretAction(s *idpState) error {
	if !d.rotateSCIM[s.addr] {
		return nil
	}
	d.usedSCIM[s.addr] = true
	switch {
	case s.fresh:
		return fmt.Errorf("rotate SCIM secret: %s is created by this plan, and its creation returns the secret; rotate it later", s.addr)
	case !liveSCIMEnabled(s.l):
		return fmt.Errorf("rotate SCIM secret: %s has SCIM switched off; enable it with `scim_config: {enabled: true}` (which returns a secret)", s.addr)
	}
	a := s.action(SCIMSecretAddress(s.addr), ResourceSCIMSecret, Rotate, ReasonRotateRequested)
	a.SCIMSecret = true
	a.Notes = []string{"the SCIM secret is regenerated (POST .../identity_providers/{id}/refresh_scim_secret): the old one stops working at once, so give the new one to the external IdP; " +
		"apply writes it to a file under --secrets-out DIR"}
	d.add(a, s.node)
	return nil
}

// NeedsSecretsOut lists the addresses of the actions whose response carries a
// SCIM secret: apply must have somewhere to write it before it starts.
func (p *Plan) NeedsSecretsOut() []string {
	var out []string
	for _, a := range p.Actions {
		if a.SCIMSecret && a.Action != NoOp {
			out = append(out, a.Address)
		}
	}
	return out
}
