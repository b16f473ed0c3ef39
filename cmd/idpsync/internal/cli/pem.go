package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"
)

var unsafeFileChars = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^A-Za-z0-9._-]+`) })

// PEMFileName is the file apply --cert-out and certs --out write an IdP's
// encryption certificate to: <account id>-<IdP name>.pem. An IdP name with
// characters unsafe in a file name has them replaced and gains a short hash
// of the exact name, so that "x/y" and "x_y" get different files.
func PEMFileName(accountID, idpName string) string {
	raw := accountID + "-" + idpName
	name := unsafeFileChars().ReplaceAllString(raw, "_")
	if name != raw {
		sum := sha256.Sum256([]byte(raw))
		name += "-" + hex.EncodeToString(sum[:4])
	}
	return name + ".pem"
}

// PEMWriter writes the certificates of one run into a directory. It refuses
// to write one file twice in a run, so no certificate silently replaces
// another; a file left by an earlier run is the same IdP's, and is updated.
type PEMWriter struct {
	Dir     string
	written map[string]string
}

// Write writes the certificate of an IdP.
func (w *PEMWriter) Write(accountID, idpName, pem string) error {
	name := PEMFileName(accountID, idpName)
	if prev, dup := w.written[name]; dup {
		return fmt.Errorf("the certificates of %s and of %s would both go to %s; nothing more was written", prev, idpName, filepath.Join(w.Dir, name))
	}
	if err := CheckOutDir("", w.Dir); err != nil {
		return err
	}
	if err := os.MkdirAll(w.Dir, 0o755); err != nil {
		return err
	}
	if err := WriteFile(filepath.Join(w.Dir, name), []byte(pem), 0o644); err != nil {
		return err
	}
	if w.written == nil {
		w.written = map[string]string{}
	}
	w.written[name] = idpName
	return nil
}
