package main

deny[msg] {
	msg := "v0 syntax"
}
