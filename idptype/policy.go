package idptype

// PolicyRule describes one built-in policy rule: the id written in the
// desired state's `policy.rules`, and the parameters it takes.
type PolicyRule struct {
	ID string
	// Description says what the rule finds, for the schema and the help.
	Description string
	// Params are the keys the rule takes besides id, level and scope;
	// Required are those it cannot do without.
	Params   []string
	Required []string
}

// Policy levels: a deny stops plan (exit 1) and apply; a warn is reported.
const (
	PolicyDeny = "deny"
	PolicyWarn = "warn"
)

// Built-in policy rule ids.
const (
	RuleRequireSAMLEncryption        = "require_saml_encryption"
	RuleRequireSignRequest           = "require_sign_request"
	RuleForbidTypes                  = "forbid_types"
	RuleRequireOIDCPKCE              = "require_oidc_pkce"
	RuleRequireSCIMUserDeprovision   = "require_scim_user_deprovision"
	RuleMaxDestroys                  = "max_destroys"
	RuleForbidLockout                = "forbid_lockout"
	RuleAllowedShareTargets          = "allowed_share_targets"
	RuleWaiverExpired                = "waiver_expired"
	RegoRulePrefix                   = "rego:"
	policyParamTypes, policyParamMax = "types", "max"
)

// PolicyRules are the built-in rules, in the order the documentation lists them.
var PolicyRules = []PolicyRule{
	{ID: RuleRequireSAMLEncryption, Description: "Every SAML identity provider in scope encrypts its assertions (`encryption.enabled: true`)."},
	{ID: RuleRequireSignRequest, Description: "Every SAML identity provider in scope signs its authentication requests (`config.sign_request: true`)."},
	{ID: RuleForbidTypes, Description: "No identity provider in scope is of one of `types`, e.g. onetimepin.", Params: []string{policyParamTypes}, Required: []string{policyParamTypes}},
	{ID: RuleRequireOIDCPKCE, Description: "Every identity provider in scope that supports PKCE (oidc) turns it on (`config.pkce_enabled: true`)."},
	{ID: RuleRequireSCIMUserDeprovision, Description: "Every identity provider in scope whose SCIM is enabled also sets `scim_config.user_deprovision: true`."},
	{ID: RuleMaxDestroys, Description: "The plan destroys at most `max` objects in scope (a replace counts as one).", Params: []string{policyParamMax}, Required: []string{policyParamMax}},
	{ID: RuleForbidLockout, Description: "No change in scope removes the only way into an Access application or organization (the plan's lockout findings)."},
	{ID: RuleAllowedShareTargets, Description: "Federated identity providers in scope are shared only with the targets allowed: the whole organization (`organization: true`) and the `accounts` listed.", Params: []string{"organization", "accounts"}},
}

// PolicyRuleIDs are the ids of PolicyRules.
func PolicyRuleIDs() []string {
	ids := make([]string, len(PolicyRules))
	for i, r := range PolicyRules {
		ids[i] = r.ID
	}
	return ids
}

// LookupPolicyRule returns the built-in rule with this id.
func LookupPolicyRule(id string) (PolicyRule, bool) {
	for _, r := range PolicyRules {
		if r.ID == id {
			return r, true
		}
	}
	return PolicyRule{}, false
}
