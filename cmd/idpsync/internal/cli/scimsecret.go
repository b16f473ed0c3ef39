package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/idpsync/idpsync/apply"
)

// SCIMSecretFileName is the file an IdP's SCIM secret is written to:
// <account label>-<IdP name>-<hash>.scim-secret. The label and name are made
// safe for a file name, and the hash of the account id and exact IdP name
// keeps two IdPs from ever sharing a file, whatever their labels.
func SCIMSecretFileName(accountID, accountLabel, idpName string) string {
	sum := sha256.Sum256([]byte(accountID + "\x00" + idpName))
	base := unsafeFileChars.ReplaceAllString(accountLabel+"-"+idpName, "_")
	if len(base) > 100 {
		base = base[:100]
	}
	return base + "-" + hex.EncodeToString(sum[:4]) + ".scim-secret"
}

// SCIMSecretWriter is the apply.SCIMSecretSink of --secrets-out: one file per
// IdP, mode 0600, in a directory it creates with mode 0700. It is safe for
// concurrent use, as apply runs actions at once.
type SCIMSecretWriter struct {
	Dir string

	mu      sync.Mutex
	written map[string]string
}

// Prepare creates the directory, so that a directory that cannot be made
// fails the apply before its first write rather than after the secret came.
func (w *SCIMSecretWriter) Prepare() error {
	if err := CheckOutDir("--secrets-out", w.Dir); err != nil {
		return err
	}
	if err := os.MkdirAll(w.Dir, 0o700); err != nil {
		return fmt.Errorf("--secrets-out: %w", err)
	}
	st, err := os.Stat(w.Dir)
	if err != nil {
		return fmt.Errorf("--secrets-out: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("--secrets-out: %s is not a directory", w.Dir)
	}
	return nil
}

// WriteSCIMSecret writes one secret and returns the file's path. Its errors
// name the file, never the secret.
func (w *SCIMSecretWriter) WriteSCIMSecret(_ context.Context, s apply.SCIMSecret) (string, error) {
	name := SCIMSecretFileName(s.AccountID, s.Account, s.IdPName)
	path := filepath.Join(w.Dir, name)
	w.mu.Lock()
	defer w.mu.Unlock()
	if prev, dup := w.written[name]; dup {
		return "", fmt.Errorf("the SCIM secrets of %s and of %s would both go to %s", prev, s.IdP, path)
	}
	if err := w.Prepare(); err != nil {
		return "", err
	}
	// WriteFile replaces whatever is at path (a planted link included)
	// rather than writing through it.
	if err := WriteFile(path, []byte(s.Secret+"\n"), 0o600); err != nil {
		return "", err
	}
	if w.written == nil {
		w.written = map[string]string{}
	}
	w.written[name] = s.IdP
	return path, nil
}
