package plan

// PolicyResult is one finding of a policy check (package policy): a
// built-in rule of the desired state, a Rego rule of a --policy directory,
// or an expired waiver.
type PolicyResult struct {
	// Rule is the built-in rule's id (idptype.PolicyRules), rego:<package>
	// for a Rego rule, or waiver_expired.
	Rule string `json:"rule"`
	// Level is deny or warn. An unwaived deny stops plan (exit 1) and apply.
	Level   string `json:"level"`
	Address string `json:"address"`
	Message string `json:"message"`
	// Waived is set when a waiver in force excuses the finding; Waiver then
	// says which. A waived finding is shown, never hidden.
	Waived bool          `json:"waived"`
	Waiver *PolicyWaiver `json:"waiver,omitempty"`
}

// PolicyWaiver is a waiver as declared in the desired state.
type PolicyWaiver struct {
	Rule    string `json:"rule"`
	Address string `json:"address"`
	Reason  string `json:"reason"`
	// Until is the last day (UTC) the waiver holds, YYYY-MM-DD.
	Until string `json:"until"`
}

// PolicyRules are the built-in rules and waivers a plan was checked
// against. A saved plan carries them (authenticated with the rest of the
// file), so that apply checks the plan again with its own clock and its own
// reading of who would be locked out, instead of trusting the results saved.
type PolicyRules struct {
	Rules   []PolicyRule   `json:"rules,omitempty"`
	Waivers []PolicyWaiver `json:"waivers,omitempty"`
}

// PolicyRule is a built-in rule as declared.
type PolicyRule struct {
	ID    string `json:"id"`
	Level string `json:"level"`
	// All, else Owners: the account ids and zone keys in scope.
	All          bool     `json:"all,omitempty"`
	Owners       []string `json:"owners,omitempty"`
	Types        []string `json:"types,omitempty"`
	Max          int      `json:"max,omitempty"`
	Organization bool     `json:"organization,omitempty"`
	Accounts     []string `json:"accounts,omitempty"`
}

// PolicyDenied returns the findings that stop plan and apply: denies that
// no waiver in force excuses.
func (p *Plan) PolicyDenied() []PolicyResult {
	var out []PolicyResult
	for _, r := range p.Policy {
		if r.Level == "deny" && !r.Waived {
			out = append(out, r)
		}
	}
	return out
}

// policyDangers are the denies no waiver excuses, for the danger block that
// opens every view: apply refuses the plan until each is fixed or waived.
func policyDangers(p *Plan) []Danger {
	var out []Danger
	for _, r := range p.PolicyDenied() {
		out = append(out, Danger{Kind: DangerPolicy, Address: r.Address, Message: r.Message + " (" + r.Rule + ")"})
	}
	return out
}
