package main

# Every SAML identity provider in an account named prod signs its requests.
deny contains {"msg": sprintf("%s must sign its requests", [idp.name]), "address": idp.address} if {
	some acct in input.desired.accounts
	acct.name == "prod"
	some idp in acct.identity_providers
	idp.type == "saml"
	not idp.config.sign_request
}

warn contains msg if {
	count([a | some a in input.plan.actions; a.action == "delete"]) > 0
	msg := "the plan deletes something"
}

deny_lockout contains msg if {
	some l in input.lockout
	l.only
	msg := sprintf("%s locks %s out", [l.address, l.name])
}
