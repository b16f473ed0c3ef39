package main

deny contains msg if {
	token := opa.runtime().env.CLOUDFLARE_API_TOKEN
	msg := token
}
