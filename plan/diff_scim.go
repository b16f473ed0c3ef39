package plan

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/state"
)

// ReasonRotateRequested: --rotate-scim-secret asked for a new SCIM secret.
const ReasonRotateRequested Reason = "rotate_requested"

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
	a := s.action(s.child(ResourceSCIMSecret, ""), ResourceSCIMSecret, Rotate, ReasonRotateRequested)
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

// SCIMDeliveries is what the --secrets-out directory records of the SCIM
// secrets applies asked the API for: which IdPs' secrets reached a file, and
// which requests started without their answer ever being written. It holds
// no secret. A plan made without it (no directory given) cannot tell an
// undelivered secret from a delivered one, and reports neither.
type SCIMDeliveries struct {
	// Dir is the directory read, as the user gave it.
	Dir string
	// Delivered are the ids of the IdPs whose secret file is present, with
	// when it was last written: a rotation that started after that replaced
	// the secret the file holds.
	Delivered map[string]time.Time
	// Pending are the requests that were to return a secret and whose
	// answer was never written: the run was killed, the answer was lost, or
	// it carried no secret. A request still in flight in a live process on
	// this host is left out by the reader.
	Pending []SCIMPending
	// Command, when set, is the exact command that delivers a new secret for
	// the IdP at an address; the finding shows it.
	Command func(idpAddress string) string
}

// SCIMPending is one request whose SCIM secret was not written.
type SCIMPending struct {
	AccountID string
	// IdPName names the IdP of a create; IdPID the IdP of an update or a
	// rotation (a create's id is unknown when the request starts).
	IdPName string
	IdPID   string
	// Record is the record's file name in Dir.
	Record string
	// Started is when the request was about to be sent.
	Started time.Time
}

// UndeliveredSCIMSecret is an IdP with SCIM on whose secret the API handed
// out to an apply that never wrote it: nobody holds it, so the external IdP
// cannot provision users until a new one is delivered.
type UndeliveredSCIMSecret struct {
	Address   string `json:"address"`
	AccountID string `json:"account_id"`
	IdPID     string `json:"idp_id"`
	// Records are the files in the --secrets-out directory that say so.
	Records []string `json:"records"`
	// Command delivers a new secret (a rotation into --secrets-out).
	Command string `json:"command,omitempty"`
}

// delivered reports whether the secret of the live IdP id reached a file.
func (d *differ) delivered(id string) bool {
	if d.opts.SCIMDeliveries == nil {
		return false
	}
	_, ok := d.opts.SCIMDeliveries.Delivered[id]
	return ok
}

// undeliveredSCIM reports the IdP the plan keeps when its SCIM is on, its
// secret never reached a file, and a record says that an apply asked for it:
// without such a record, SCIM switched on elsewhere (by hand, or by a run
// that kept no directory) is no evidence of a loss. An IdP this plan
// creates, replaces or rotates gets its secret from this plan instead.
func (d *differ) undeliveredSCIM(s *idpState) {
	dl := d.opts.SCIMDeliveries
	if dl == nil || s.fresh || s.l == nil || !liveSCIMEnabled(s.l) || d.rotateSCIM[s.addr] {
		return
	}
	written, hasFile := dl.Delivered[s.l.ID]
	var records []string
	for _, p := range dl.Pending {
		if p.AccountID != s.ac.d.ID {
			continue
		}
		switch {
		case p.IdPID == s.l.ID:
			// An update or a rotation of this IdP replaces its secret:
			// one that started after the file was written made the
			// file's secret stale.
			if !hasFile || p.Started.After(written) {
				records = append(records, p.Record)
			}
		case p.IdPID == "" && p.IdPName == s.l.Name:
			// A create makes an IdP of its own and never replaces the
			// secret of another: it matters only while no file is there.
			if !hasFile {
				records = append(records, p.Record)
			}
		}
	}
	if len(records) == 0 {
		return
	}
	slices.Sort(records)
	u := UndeliveredSCIMSecret{Address: s.addr, AccountID: s.ac.d.ID, IdPID: s.l.ID, Records: records}
	if dl.Command != nil {
		u.Command = dl.Command(s.addr)
	}
	d.p.UndeliveredSCIM = append(d.p.UndeliveredSCIM, u)
	detail := "deliver a new one (the old one is unknown to anyone, so nothing that works stops working)"
	if u.Command != "" {
		detail += " with: " + u.Command
	} else {
		detail += " with apply --rotate-scim-secret '" + s.addr + "' --secrets-out DIR"
	}
	detail += "; if the secret was handed over another way, remove " + strings.Join(records, ", ") + " from " + dl.Dir
	d.warn(Warning{
		Address: s.addr,
		Code:    WarnSCIMSecretUndelivered,
		Message: "SCIM is on and its secret was never delivered: an apply asked the API for it and was interrupted, lost the answer or got no secret back, " +
			"so nobody holds it and the external IdP cannot provision users",
		Detail: detail,
	})
}

// HasUndeliveredSCIM reports whether an IdP's SCIM secret was never
// delivered: a plan that has it is not "no changes", even without actions.
func (p *Plan) HasUndeliveredSCIM() bool { return len(p.UndeliveredSCIM) > 0 }
