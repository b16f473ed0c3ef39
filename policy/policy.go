package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/state"
)

// InputVersion is the version of the document Rego policies read as
// `input`. Keys are only added within a version.
const InputVersion = 1

// DefaultTimeout bounds one evaluation (or one test run) of a --policy
// directory when no timeout is given. It lives here, not with the Rego
// evaluator, so that the flags that default to it do not link OPA.
const DefaultTimeout = 10 * time.Second

// Options are what one check needs besides the plan.
type Options struct {
	// Desired is the desired state the plan was made from; nil for a saved
	// plan, whose own rules (Plan.PolicyRules) are then checked again.
	Desired *state.Desired
	// Rules, when set, are checked instead of the desired state's.
	Rules *plan.PolicyRules
	// Rego evaluates the --policy directory; nil when none was given.
	Rego Evaluator
	// Timeout bounds the Rego evaluation; zero means the evaluator's own
	// default.
	Timeout time.Duration
	// Now decides which waivers are in force.
	Now time.Time
}

// Evaluator evaluates the policies of a --policy directory against the
// document Input builds, within timeout (its own default when zero). The
// Rego evaluator is package policy/rego: this package does not import it,
// so that only the commands that take --policy link Open Policy Agent.
type Evaluator interface {
	Eval(ctx context.Context, input map[string]any, timeout time.Duration) ([]plan.PolicyResult, error)
}

// Check evaluates the built-in rules and the Rego policies against p and
// sets p.Policy (the findings, waivers applied, denies first) and
// p.PolicyRules (the built-in rules and waivers, which a saved plan
// carries). For a saved plan (Desired nil) the rules are the plan's own,
// and the plan's own Rego findings stand (with opts.Rego, fresh ones join them).
func Check(ctx context.Context, p *plan.Plan, opts Options) error {
	rules := p.PolicyRules
	switch {
	case opts.Rules != nil:
		rules = opts.Rules
	case opts.Desired != nil:
		rules = RulesOf(opts.Desired)
	}
	results := checkBuiltin(rules, p, opts.Desired)
	if opts.Desired == nil {
		// A saved plan keeps the Rego findings it was made with (the file is
		// authenticated): a policy may judge input.desired, which a saved
		// plan does not hold, so evaluating again could only lose them, and
		// leaving --policy out of the apply job must not let a denied plan
		// through. Evaluating again adds what the plan alone now shows.
		for _, r := range p.Policy {
			if strings.HasPrefix(r.Rule, idptype.RegoRulePrefix) {
				r.Waived, r.Waiver = false, nil
				results = append(results, r)
			}
		}
	}
	if opts.Rego != nil {
		input, err := Input(p, opts.Desired)
		if err != nil {
			return err
		}
		found, err := opts.Rego.Eval(ctx, input, opts.Timeout)
		if err != nil {
			return err
		}
		for _, f := range found {
			if !slices.ContainsFunc(results, func(r plan.PolicyResult) bool {
				return r.Rule == f.Rule && r.Level == f.Level && r.Address == f.Address && r.Message == f.Message
			}) {
				results = append(results, f)
			}
		}
	}
	if rules != nil {
		results = applyWaivers(results, rules.Waivers, opts.Now)
	}
	sortResults(results)
	p.Policy, p.PolicyRules = results, rules
	return nil
}

// DeniedError is the apply gate's refusal: denies no waiver excuses. It is
// one of apply's blockers, whose report already says nothing was changed.
type DeniedError struct {
	Denied []plan.PolicyResult
}

func (e *DeniedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "policy denies this plan (%d %s):", len(e.Denied), plural(len(e.Denied), "finding", "findings"))
	for _, r := range e.Denied {
		fmt.Fprintf(&b, "\n  %s: %s (%s)", r.Address, r.Message, r.Rule)
	}
	b.WriteString("\nfix the desired state, or add a waiver with a reason and an `until` date")
	return b.String()
}

// Gate returns a *DeniedError when the plan's policy findings hold a deny
// that no waiver excuses.
func Gate(p *plan.Plan) error {
	if d := p.PolicyDenied(); len(d) > 0 {
		return &DeniedError{Denied: d}
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Input is the document a Rego policy reads as `input`:
//
//	version   InputVersion
//	plan      the plan as `plan --output json` writes it (format 1.x,
//	          schemas/plan.schema.json), without policy results
//	desired   the desired state in reference form: every value that came
//	          from ${env:} or ${file:} (or a metadata URL) is the reference
//	          as written, never the value; null for a saved plan
//	lockout   the plan's lockout findings, one per action and application
//	          or organization that loses a login option
func Input(p *plan.Plan, d *state.Desired) (map[string]any, error) {
	q := *p
	q.Policy, q.PolicyRules = nil, nil
	pv, err := toJSONValue(&q)
	if err != nil {
		return nil, fmt.Errorf("policy input: %w", err)
	}
	var lockout []any
	for _, a := range p.Actions {
		for _, l := range a.Lockout {
			lockout = append(lockout, map[string]any{
				"address": a.Address, "action": string(a.Action), "kind": l.Kind, "account_id": l.AccountID,
				"id": l.ID, "name": l.Name, "domain": l.Domain, "idp_id": l.IdPID, "only": l.Only,
			})
		}
	}
	if lockout == nil {
		lockout = []any{}
	}
	var dv any
	if d != nil {
		dv = desiredInput(d)
	}
	return map[string]any{"version": InputVersion, "plan": pv, "desired": dv, "lockout": lockout}, nil
}

func toJSONValue(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	err = json.Unmarshal(b, &out)
	return out, err
}

// desiredInput is the desired state in reference form.
func desiredInput(d *state.Desired) map[string]any {
	accounts := []any{}
	zones := []any{}
	for _, a := range d.Accounts {
		idps := []any{}
		for _, i := range a.IdentityProviders {
			idps = append(idps, idpInput(a, i))
		}
		m := map[string]any{
			"id": idptype.OwnerID(a.ID), "name": a.Name, "label": a.Label(), "prune": a.Prune,
			"address": plan.AccountAddress(a.ID, a.Label()), "identity_providers": idps,
		}
		if a.Zone {
			zones = append(zones, m)
		} else {
			m["organization"] = a.Organization
			accounts = append(accounts, m)
		}
	}
	return map[string]any{"accounts": accounts, "zones": zones}
}

func idpInput(a *state.Account, i *state.IdP) map[string]any {
	cfg := map[string]any{}
	for k, v := range i.Config {
		cfg[k] = v
	}
	for k, src := range i.Secrets {
		cfg[k] = src.Ref
	}
	// A sensitive key is always a reference (the schema refuses literals);
	// should one arrive without its source, it is masked all the same.
	if t, ok := idptype.Types[i.Type]; ok {
		for _, f := range t.Fields {
			if _, has := cfg[f.Name]; has && f.Sensitive {
				if _, ref := i.Secrets[f.Name]; !ref {
					cfg[f.Name] = plan.SensitiveValue
				}
			}
		}
	}
	m := map[string]any{
		"address": plan.IdPAddress(a.ID, a.Label(), i.Name), "name": i.Name, "type": i.Type, "config": cfg,
	}
	if i.ID != "" {
		m["id"] = i.ID
	}
	if i.SCIM != nil {
		m["scim_config"] = i.SCIM.Settings
	}
	if i.Encryption != nil {
		enc := map[string]any{"enabled": i.Encryption.Enabled}
		if i.Encryption.RotateWithin > 0 {
			enc["rotate_within_hours"] = i.Encryption.RotateWithin.Hours()
		}
		m["encryption"] = enc
	}
	if i.Federation != nil {
		accts := []any{}
		for _, r := range i.Federation.Accounts {
			accts = append(accts, r)
		}
		m["federation"] = map[string]any{"organization": i.Federation.Organization, "accounts": accts}
	}
	if i.Metadata != nil {
		md := map[string]any{}
		if i.Metadata.File != "" {
			md["file"] = i.Metadata.File
		} else {
			md["url"] = i.Metadata.URL
		}
		m["metadata"] = md
	}
	// The value is JSON-shaped already; a round trip makes its numbers and
	// maps what OPA expects.
	v, err := toJSONValue(m)
	if err != nil {
		return map[string]any{"address": m["address"], "name": i.Name, "type": i.Type}
	}
	return v.(map[string]any)
}
