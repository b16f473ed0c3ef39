package main_test

import data.main

test_unsigned_saml_denied if {
	main.deny with input as {"desired": {"accounts": [{"name": "prod", "identity_providers": [{"name": "X", "address": "a", "type": "saml", "config": {}}]}]}, "plan": {"actions": []}, "lockout": []}
}

test_signed_saml_allowed if {
	count(main.deny) == 0 with input as {"desired": {"accounts": [{"name": "prod", "identity_providers": [{"name": "X", "address": "a", "type": "saml", "config": {"sign_request": true}}]}]}, "plan": {"actions": []}, "lockout": []}
}
