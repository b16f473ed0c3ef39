# Rego policies for idpsync, checked against every plan with
# `--policy examples/policy`. Conventions are conftest's: `deny` and `warn`
# sets of messages, each a string or an object with `msg` and an optional
# `address` (the finding's address; "plan" otherwise). Waive a finding of
# this package with `rule: rego:main`.
#
# input.plan     the JSON plan (schemas/plan.schema.json)
# input.desired  the desired state; a value from ${env:} or ${file:} is the
#                reference as written, never the value
# input.lockout  who loses a login option, one entry per action and application
package main

# An identity provider shared with other accounts carries every one of
# their logins: if it is SAML, its assertions are encrypted.
deny contains {"msg": sprintf("SAML identity provider %s is shared with other accounts without encrypting its assertions", [idp.name]), "address": idp.address} if {
	some acct in input.desired.accounts
	some idp in acct.identity_providers
	idp.type == "saml"
	idp.federation
	not idp.encryption.enabled
}

# Client secrets come from the CI secret store, never from a file in the
# repository.
deny contains {"msg": sprintf("%s reads its client secret from a file; use ${env:NAME}", [idp.name]), "address": idp.address} if {
	some acct in input.desired.accounts
	some idp in acct.identity_providers
	startswith(idp.config.client_secret, "${file:")
}

# A plan that removes identity providers asks for a second reviewer.
warn contains sprintf("the plan deletes %d identity providers: ask for a second review", [n]) if {
	n := count([a | some a in input.plan.actions; a.resource == "idp"; a.action in {"delete", "replace"}])
	n > 0
}
