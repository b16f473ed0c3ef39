package tfimport

import (
	"fmt"
	"strings"
)

// RemovedBlocks is the Terraform file that makes Terraform forget every
// imported resource without destroying it: one removed block per resource
// (Terraform ≥ 1.7 and OpenTofu ≥ 1.7; from takes no instance key, so one
// block covers every count or for_each instance, and a resource of a child
// module is named through the module path, module.NAME.TYPE.NAME).
func RemovedBlocks(r *Result) []byte {
	var b strings.Builder
	b.WriteString("# Written by idpsync import --from-terraform.\n")
	b.WriteString("#\n")
	b.WriteString("# Put this file in the root module of the Terraform configuration, delete the\n")
	b.WriteString("# resource blocks it names (a removed block refuses a resource that is still\n")
	b.WriteString("# declared), and run terraform plan: it must show only \"will no longer be\n")
	b.WriteString("# managed by Terraform\", nothing destroyed. Requires Terraform or OpenTofu 1.7+.\n")
	for _, from := range r.Removed() {
		fmt.Fprintf(&b, "\nremoved {\n  from = %s\n\n  lifecycle {\n    destroy = false\n  }\n}\n", from)
	}
	return []byte(b.String())
}

// StateRmCommands are the shell commands that do the same with Terraform
// before 1.7: one terraform state rm per instance, each address one quoted
// word.
func StateRmCommands(r *Result) []string {
	addrs := r.StateRm()
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = "terraform state rm " + ShellQuote(a)
	}
	return out
}
