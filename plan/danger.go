package plan

import (
	"slices"
	"strings"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan/addr"
)

// BlockerCode is the stable kind of a Blocker.
type BlockerCode string

const (
	// BlockAllowDestroy: destructive actions that apply runs only with
	// --allow-destroy (or, for those that lock nobody out, prune: true).
	BlockAllowDestroy BlockerCode = "allow_destroy"
	// BlockSecretsOut: actions whose response carries a SCIM secret, handed
	// over once; apply refuses to start without --secrets-out DIR.
	BlockSecretsOut BlockerCode = "secrets_out"
	// BlockSecret: a secret the plan could not read (the plan job holds none
	// by design); apply refuses to start unless its job provides it.
	BlockSecret BlockerCode = "secret"
)

// BlockerCodes lists every code a plan may carry.
var BlockerCodes = []BlockerCode{BlockAllowDestroy, BlockSecretsOut, BlockSecret}

// Blocker is one reason apply would refuse this plan before its first write,
// and what lets it through. A plan lists them all, so that one look says
// whether apply will go through; apply checks every one again itself and
// never trusts a saved plan's list.
type Blocker struct {
	Code BlockerCode `json:"code"`
	// Addresses are the actions concerned, in plan order.
	Addresses []string `json:"addresses"`
	// Message says what apply would refuse, in plain words.
	Message string `json:"message"`
	// Resolve is what lets apply through: "--allow-destroy",
	// "--secrets-out DIR", "${env:NAME} set in the apply job".
	Resolve string `json:"resolve"`
	// Refs are the references a BlockSecret needs, as written
	// ("${env:OKTA_CLIENT_SECRET}").
	Refs []string `json:"refs,omitempty"`
	// Expected marks what the apply job is meant to provide by design
	// (a secret the read-only plan job never holds): informational in a
	// review, unlike a decision such as --allow-destroy.
	Expected bool `json:"expected,omitempty"`
}

// Decisions are the blockers a reviewer must decide on: all but the
// expected ones.
func Decisions(bs []Blocker) []Blocker {
	var out []Blocker
	for _, b := range bs {
		if !b.Expected {
			out = append(out, b)
		}
	}
	return out
}

// Waive drops the blockers that the given apply inputs let through:
// allowDestroy (--allow-destroy), secretsOut (--secrets-out DIR) and
// secrets (the apply itself, which reads the secrets and reports any it
// cannot).
func Waive(bs []Blocker, allowDestroy, secretsOut, secrets bool) []Blocker {
	out := bs[:0:0]
	for _, b := range bs {
		if b.Code == BlockAllowDestroy && allowDestroy || b.Code == BlockSecretsOut && secretsOut || b.Code == BlockSecret && secrets {
			continue
		}
		out = append(out, b)
	}
	return out
}

// DeferredSecretBlockers lists, as one BlockSecret blocker, every secret a
// write of p needs that was not available when the plan was made, with the
// actions that send them. Nil when there is none.
func DeferredSecretBlockers(p *Plan) []Blocker {
	var refs, addrs []string
	for _, a := range p.Actions {
		if a.Action == NoOp || a.Request == nil {
			continue
		}
		used := false
		for _, ref := range a.Request.Secrets {
			if !ref.Deferred {
				continue
			}
			used = true
			if !slices.Contains(refs, ref.Ref) {
				refs = append(refs, ref.Ref)
			}
		}
		if used {
			addrs = append(addrs, a.Address)
		}
	}
	if len(refs) == 0 {
		return nil
	}
	slices.Sort(refs)
	return []Blocker{{
		Code:      BlockSecret,
		Addresses: addrs,
		Message:   "secrets not available to this plan are read at apply: " + strings.Join(refs, ", "),
		Resolve:   "the apply job must provide " + strings.Join(refs, ", "),
		Refs:      refs,
		Expected:  true,
	}}
}

// SecretsOutBlockers is the BlockSecretsOut blocker of p, or nil.
func SecretsOutBlockers(p *Plan) []Blocker {
	need := p.NeedsSecretsOut()
	if len(need) == 0 {
		return nil
	}
	return []Blocker{{
		Code:      BlockSecretsOut,
		Addresses: need,
		Message:   "the API returns a SCIM secret only once, and apply refuses to start without somewhere to write it",
		Resolve:   "--secrets-out DIR",
	}}
}

// DangerKind is the stable kind of a Danger.
type DangerKind string

const (
	DangerDestroy DangerKind = "destroy" // an IdP, grant, share or recipient removed
	DangerLockout DangerKind = "lockout" // users lose a login they rely on
	// DangerSCIMSecret: a SCIM secret is handed over once and must reach the
	// external IdP.
	DangerSCIMSecret DangerKind = "scim_secret"
	// DangerBlocker: apply will refuse the plan as it stands.
	DangerBlocker DangerKind = "blocker"
	// DangerPolicy: a policy deny no waiver excuses; apply refuses the plan.
	DangerPolicy DangerKind = "policy_deny"
	// DangerSCIMUndelivered: a SCIM secret the API handed out once never
	// reached --secrets-out, so nobody holds it (UndeliveredSCIMSecret).
	DangerSCIMUndelivered DangerKind = "scim_secret_undelivered"
)

// Danger is one thing a reviewer must not miss, in the order views show
// them: they open every view, and a view cut to fit keeps them all.
type Danger struct {
	Kind    DangerKind `json:"kind"`
	Address string     `json:"address"`
	// Message is plain words without the address.
	Message string `json:"message"`
	// Lockout is set for a DangerLockout.
	Lockout *Lockout `json:"lockout,omitempty"`
	// Blocker is set for a DangerBlocker.
	Blocker *Blocker `json:"blocker,omitempty"`
}

// DangerSource adds the dangers of one kind of finding. Dangers calls every
// source in DangerSources, in order: a new finding (a policy that denies,
// a secret not delivered) becomes visible in every view by adding one.
type DangerSource func(p *Plan) []Danger

// DangerSources feed Dangers, in the order the views show them.
var DangerSources = []DangerSource{
	destroyDangers,
	lockoutDangers,
	scimSecretDangers,
	undeliveredSCIMDangers,
	policyDangers,
	blockerDangers,
}

// Dangers lists what a reviewer must not miss in p: destroys, lockouts,
// SCIM secrets to hand over and the blockers that stop apply.
func (p *Plan) Dangers() []Danger {
	if p == nil {
		return nil
	}
	var out []Danger
	for _, src := range DangerSources {
		out = append(out, src(p)...)
	}
	return out
}

func destroyDangers(p *Plan) []Danger {
	var out []Danger
	for _, a := range p.Actions {
		if !removes(&a) {
			continue
		}
		msg := "will be destroyed"
		if a.Action == Replace {
			msg = "must be replaced (destroyed, then created again)"
		}
		if len(a.LosesAccess) > 0 {
			msg += "; " + strings.Join(a.LosesAccess, ", ")
			if len(a.LosesAccess) == 1 {
				msg += " loses this login option at once"
			} else {
				msg += " lose this login option at once"
			}
		}
		out = append(out, Danger{Kind: DangerDestroy, Address: a.Address, Message: msg})
	}
	return out
}

// removes mirrors apply.Destructive: what takes away something that exists,
// read from the same row of the kinds table (addr.KindInfo.ReplaceDestroys).
func removes(a *Action) bool {
	switch a.Action {
	case Delete:
		return true
	case Replace:
		info, ok := addr.Info(a.Resource)
		return !ok || info.ReplaceDestroys
	}
	return false
}

func lockoutDangers(p *Plan) []Danger {
	var out []Danger
	for _, a := range p.Actions {
		for i := range a.Lockout {
			l := a.Lockout[i]
			out = append(out, Danger{Kind: DangerLockout, Address: a.Address, Message: LockoutMessage(&a, l), Lockout: &l})
		}
		// What the analysis could not read may be a lockout too: it is one
		// until read, and apply treats it so.
		for _, u := range a.LockoutUnread {
			out = append(out, Danger{Kind: DangerLockout, Address: a.Address, Message: UnreadMessage(u)})
		}
	}
	return out
}

// UnreadMessage says what the lockout analysis could not read for an action.
func UnreadMessage(u LockoutUnread) string {
	return "who loses a login is unknown: " + u.String()
}

// LockoutMessage says what a Lockout means for its users, in plain words.
func LockoutMessage(a *Action, l Lockout) string {
	var b strings.Builder
	switch l.Kind {
	case LockoutOrganization:
		b.WriteString("the Access organization " + l.Name)
	case LockoutPolicy:
		b.WriteString("Access policy " + l.Name)
		if l.Application != "" {
			b.WriteString(" of application " + l.Application)
		} else {
			b.WriteString(" (reusable)")
		}
	default:
		b.WriteString("Access " + lockoutNoun(l.Kind) + " " + l.Name)
	}
	if l.Domain != "" {
		b.WriteString(" (" + l.Domain + ")")
	}
	if l.AccountID != a.AccountID {
		b.WriteString(" in " + ownerWord(l.AccountID))
	}
	b.WriteString(" " + LockoutVerb(l, strings.Join(l.Rules, ", ")))
	return b.String()
}

// LockoutVerb says what a Lockout loses; rules is how the views show the
// policy's rule kinds.
func LockoutVerb(l Lockout, rules string) string {
	switch {
	case l.Kind == LockoutOrganization:
		return "redirects every login straight to this IdP, its only login method: users can no longer sign in"
	case l.Kind == LockoutPolicy && l.Only:
		return "loses its ONLY way in (" + rules + " rule): it can no longer match anyone"
	case l.Kind == LockoutPolicy:
		return "loses one of several ways in (" + rules + " rule)"
	case l.Only && ByPolicies(l):
		return "loses its ONLY way in: no policy can match once this IdP is gone, its users can no longer sign in"
	case l.Only:
		return "loses its ONLY allowed IdP: its users can no longer sign in"
	}
	return "loses one of its allowed IdPs"
}

// ByPolicies reports whether an application's lockout comes from its
// policies alone: allowed_idps does not list the login option.
func ByPolicies(l Lockout) bool {
	return l.Kind == LockoutApplication && len(l.Rules) > 0 && !slices.Contains(l.Rules, "allowed_idps")
}

func lockoutNoun(kind string) string {
	if kind == "" {
		return LockoutApplication
	}
	return strings.ReplaceAll(kind, "_", " ")
}

func scimSecretDangers(p *Plan) []Danger {
	var out []Danger
	for _, a := range p.Actions {
		if !a.SCIMSecret || a.Action == NoOp {
			continue
		}
		out = append(out, Danger{Kind: DangerSCIMSecret, Address: a.Address,
			Message: "returns a new SCIM secret once: apply writes it under --secrets-out DIR, and it must then be given to the external IdP"})
	}
	return out
}

// undeliveredSCIMDangers are the SCIM secrets an apply asked for and never
// wrote down: the external IdP cannot provision users, and no later run
// fixes it by itself, so it is as loud as what this plan changes.
func undeliveredSCIMDangers(p *Plan) []Danger {
	var out []Danger
	for _, u := range p.UndeliveredSCIM {
		msg := "SCIM is on and its secret was handed out once and never delivered: nobody holds it, so the external IdP cannot provision users; deliver a new one with "
		if u.Command != "" {
			msg += u.Command
		} else {
			msg += "apply --rotate-scim-secret '" + u.Address + "' --secrets-out DIR"
		}
		out = append(out, Danger{Kind: DangerSCIMUndelivered, Address: u.Address, Message: msg})
	}
	return out
}

func blockerDangers(p *Plan) []Danger {
	var out []Danger
	for i := range p.Blockers {
		b := p.Blockers[i]
		if b.Expected {
			continue
		}
		// The actions are named by the dangers above; a blocker says what
		// lets apply through.
		out = append(out, Danger{Kind: DangerBlocker,
			Message: b.Message + "; apply needs " + b.Resolve, Blocker: &b})
	}
	return out
}

func ownerWord(id string) string { return idptype.OwnerName(id) }
