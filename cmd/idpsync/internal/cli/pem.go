package cli

import (
	"os"
	"path/filepath"
	"regexp"
)

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// WritePEM writes a public encryption certificate for the external IdP as
// DIR/<account id>-<IdP name>.pem, the one name apply --cert-out and certs
// --out agree on.
func WritePEM(dir, accountID, idpName, pem string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	name := unsafeFileChars.ReplaceAllString(accountID+"-"+idpName, "_") + ".pem"
	return os.WriteFile(filepath.Join(dir, name), []byte(pem), 0o644)
}
