# Unit tests of idp.rego: idpsync policy test examples/policy
package main_test

import data.main

saml := {"name": "Okta", "address": "account[prod].idp[Okta]", "type": "saml", "config": {}}

desired(idp) := {"accounts": [{"identity_providers": [idp]}]}

test_shared_saml_without_encryption_denied if {
	some f in main.deny with input as {"desired": desired(object.union(saml, {"federation": {"organization": true}}))}
	f.address == "account[prod].idp[Okta]"
}

test_shared_saml_with_encryption_allowed if {
	count(main.deny) == 0 with input as {"desired": desired(object.union(saml, {"federation": {"organization": true}, "encryption": {"enabled": true}}))}
}

test_secret_from_file_denied if {
	idp := {"name": "GitHub", "address": "account[prod].idp[GitHub]", "type": "github", "config": {"client_secret": "${file:secret.txt}"}}
	count(main.deny) == 1 with input as {"desired": desired(idp)}
}

test_secret_from_env_allowed if {
	idp := {"name": "GitHub", "address": "account[prod].idp[GitHub]", "type": "github", "config": {"client_secret": "${env:GITHUB_SECRET}"}}
	count(main.deny) == 0 with input as {"desired": desired(idp)}
}

test_deletes_warned if {
	main.warn == {"the plan deletes 1 identity providers: ask for a second review"} with input as {"plan": {"actions": [{"resource": "idp", "action": "delete"}]}}
}
