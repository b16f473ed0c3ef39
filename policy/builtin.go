package policy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/plan/addr"
	"github.com/idpsync/idpsync/state"
)

// RulesOf returns the built-in rules and waivers of the desired state in the
// form a plan carries, or nil when it declares no policy.
func RulesOf(d *state.Desired) *plan.PolicyRules {
	if d == nil || d.Policy == nil {
		return nil
	}
	out := &plan.PolicyRules{}
	for _, r := range d.Policy.Rules {
		out.Rules = append(out.Rules, plan.PolicyRule{
			ID: r.ID, Level: r.Level, All: r.Scope.All, Owners: slices.Clone(r.Scope.Owners),
			Types: slices.Clone(r.Types), Max: r.Max, Organization: r.Organization, Accounts: slices.Clone(r.Accounts),
		})
	}
	for _, w := range d.Policy.Waivers {
		out.Waivers = append(out.Waivers, plan.PolicyWaiver{Rule: w.Rule, Address: w.Address, Reason: w.Reason, Until: w.Until})
	}
	return out
}

func covers(r plan.PolicyRule, owner string) bool {
	return r.All || slices.Contains(r.Owners, owner)
}

// declaredRule reports whether the rule judges the desired state (rather
// than the plan): a saved plan holds no desired state, so apply takes these
// findings from the plan, where the file's authentication vouches for them.
func declaredRule(id string) bool {
	switch id {
	case idptype.RuleMaxDestroys, idptype.RuleForbidLockout:
		return false
	}
	_, ok := idptype.LookupPolicyRule(id)
	return ok
}

// checkBuiltin returns the findings of the built-in rules. d is nil for a
// saved plan: the rules about the declared state then keep the findings the
// plan recorded.
func checkBuiltin(rules *plan.PolicyRules, p *plan.Plan, d *state.Desired) []plan.PolicyResult {
	if rules == nil {
		return nil
	}
	var out []plan.PolicyResult
	for _, r := range rules.Rules {
		level := cmp.Or(r.Level, idptype.PolicyDeny)
		add := func(addr, format string, args ...any) {
			out = append(out, plan.PolicyResult{Rule: r.ID, Level: level, Address: addr, Message: fmt.Sprintf(format, args...)})
		}
		switch r.ID {
		case idptype.RuleMaxDestroys:
			checkMaxDestroys(r, p, add)
		case idptype.RuleForbidLockout:
			checkLockout(r, p, add)
		default:
			if d != nil {
				checkDeclared(r, d, add)
			}
		}
	}
	if d == nil && p != nil {
		// Findings about the declared state, as the saved plan recorded them,
		// for the rules it still carries.
		for _, res := range p.Policy {
			if declaredRule(res.Rule) && slices.ContainsFunc(rules.Rules, func(r plan.PolicyRule) bool { return r.ID == res.Rule }) {
				res.Waived, res.Waiver = false, nil
				out = append(out, res)
			}
		}
	}
	return out
}

type addFunc func(addr, format string, args ...any)

// checkDeclared runs a rule about the declared IdPs.
func checkDeclared(r plan.PolicyRule, d *state.Desired, add addFunc) {
	for _, a := range d.Accounts {
		if !covers(r, a.ID) {
			continue
		}
		for _, idp := range a.IdentityProviders {
			addr := plan.IdPAddress(a.ID, a.Label(), idp.Name)
			switch r.ID {
			case idptype.RuleRequireSAMLEncryption:
				if idp.Type == idptype.SAML && (idp.Encryption == nil || !idp.Encryption.Enabled) {
					if a.Zone {
						add(addr, "SAML identity provider %q does not encrypt its assertions: a zone-level IdP cannot, declare it under an account", idp.Name)
					} else {
						add(addr, "SAML identity provider %q does not encrypt its assertions: set `encryption.enabled: true`", idp.Name)
					}
				}
			case idptype.RuleRequireSignRequest:
				if idp.Type == idptype.SAML && idp.Config["sign_request"] != true {
					add(addr, "SAML identity provider %q does not sign its authentication requests: set `config.sign_request: true`", idp.Name)
				}
			case idptype.RuleForbidTypes:
				if slices.Contains(r.Types, idp.Type) {
					add(addr, "identity provider %q is of type %s, which policy forbids here", idp.Name, idp.Type)
				}
			case idptype.RuleRequireOIDCPKCE:
				if _, ok := idptype.Types[idp.Type].Field("pkce_enabled"); ok && idp.Config["pkce_enabled"] != true {
					add(addr, "%s identity provider %q does not use PKCE: set `config.pkce_enabled: true`", idp.Type, idp.Name)
				}
			case idptype.RuleRequireSCIMUserDeprovision:
				if idp.SCIM.Enabled() && idp.SCIM.Settings["user_deprovision"] != true {
					add(addr, "identity provider %q provisions users by SCIM without revoking the sessions of those it deprovisions: set `scim_config.user_deprovision: true`", idp.Name)
				}
			case idptype.RuleAllowedShareTargets:
				checkShareTargets(r, plan.IdPAt(a.ID, a.Label(), idp.Name), idp, add)
			}
		}
	}
}

func checkShareTargets(r plan.PolicyRule, at addr.Address, idp *state.IdP, add addFunc) {
	f := idp.Federation
	if f == nil {
		return
	}
	if f.Organization && !r.Organization {
		add(at.Child(addr.Share, "").String(), "identity provider %q is shared with the whole organization, which policy does not allow here", idp.Name)
	}
	for _, acct := range f.Accounts {
		if !slices.Contains(r.Accounts, acct) {
			add(at.Child(addr.Recipient, acct).String(), "identity provider %q is shared with account %s, which is not among the share targets policy allows", idp.Name, acct)
		}
	}
}

// destroys is how many objects an action destroys: a replace destroys one,
// as Plan.Summary counts it.
func destroys(a *plan.Action) int {
	if a.Action == plan.Delete || a.Action == plan.Replace {
		return 1
	}
	return 0
}

func checkMaxDestroys(r plan.PolicyRule, p *plan.Plan, add addFunc) {
	if p == nil {
		return
	}
	n := 0
	var addrs []string
	for i := range p.Actions {
		a := &p.Actions[i]
		if covers(r, a.AccountID) && destroys(a) > 0 {
			n++
			addrs = append(addrs, a.Address)
		}
	}
	if n <= r.Max {
		return
	}
	shown := addrs
	if len(shown) > 5 {
		shown = append(slices.Clone(shown[:5]), fmt.Sprintf("and %d more", len(addrs)-5))
	}
	add("plan", "the plan destroys %d objects in scope, more than the %d allowed: %s", n, r.Max, strings.Join(shown, ", "))
}

func checkLockout(r plan.PolicyRule, p *plan.Plan, add addFunc) {
	if p == nil {
		return
	}
	for i := range p.Actions {
		a := &p.Actions[i]
		var lost []string
		for _, l := range a.Lockout {
			if !l.Only || !covers(r, l.AccountID) {
				continue
			}
			switch l.Kind {
			case plan.LockoutOrganization:
				lost = append(lost, fmt.Sprintf("the Access organization %q (auto-redirect to its only login) of account %s", l.Name, idptype.OwnerID(l.AccountID)))
			case plan.LockoutPolicy:
				what := fmt.Sprintf("policy %q", l.Name)
				if l.Application != "" {
					what += fmt.Sprintf(" of application %q", l.Application)
				}
				lost = append(lost, what)
			default:
				what := fmt.Sprintf("application %q", l.Name)
				if l.Domain != "" {
					what += " (" + l.Domain + ")"
				}
				lost = append(lost, what)
			}
		}
		if len(lost) > 0 {
			add(a.Address, "this %s leaves %s without a way in", a.Action, strings.Join(lost, ", "))
		}
	}
}

// applyWaivers marks the findings a waiver in force excuses, and reports
// each expired waiver as a finding of its own. A waiver holds through the
// whole of its `until` day, UTC.
func applyWaivers(results []plan.PolicyResult, waivers []plan.PolicyWaiver, now time.Time) []plan.PolicyResult {
	today := now.UTC().Format(time.DateOnly)
	for _, w := range waivers {
		expired := w.Until < today // YYYY-MM-DD compares as it reads
		matched := false
		for i := range results {
			r := &results[i]
			if r.Rule != w.Rule || !addr.Match(w.Address, r.Address) {
				continue
			}
			matched = true
			if !expired && !r.Waived {
				r.Waived = true
				wc := w
				r.Waiver = &wc
			}
		}
		if expired {
			what := "it waives nothing now"
			if matched {
				what = "what it waived is reported again"
			}
			wc := w
			results = append(results, plan.PolicyResult{
				Rule: idptype.RuleWaiverExpired, Level: idptype.PolicyWarn, Address: w.Address,
				Message: fmt.Sprintf("the waiver of %s expired on %s (%s): %s; renew `until` or fix the finding", w.Rule, w.Until, w.Reason, what),
				Waiver:  &wc,
			})
		}
	}
	return results
}

// sortResults orders findings for every view: denies, then warns, then by
// address and rule.
func sortResults(rs []plan.PolicyResult) {
	rank := func(r plan.PolicyResult) int {
		switch {
		case r.Level == idptype.PolicyDeny && !r.Waived:
			return 0
		case r.Level == idptype.PolicyDeny:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(rs, func(a, b plan.PolicyResult) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a.Address, b.Address), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Message, b.Message))
	})
}
