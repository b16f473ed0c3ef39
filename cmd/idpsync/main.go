// Command idpsync manages Cloudflare Access identity providers, their SAML
// encryption and their federation across accounts, declaratively.
package main

import (
	"os"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/command/root"
)

func main() {
	os.Exit(root.Main())
}
