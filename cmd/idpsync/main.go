package main

import (
	"os"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/command/root"
)

func main() {
	os.Exit(root.Main())
}
