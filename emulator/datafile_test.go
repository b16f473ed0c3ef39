package emulator

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The data file holds the secrets applied to the sandbox: an error about a
// damaged file says where, never what it read; and only a regular file is
// read.
func TestDataFileErrorsQuoteNothing(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"type":   `{"default_organization_id": 98765432123456789}`,
		"syntax": `{"clock_offset": "98765432123456789" x}`,
		// Valid JSON that Load refuses: its errors name the entry, not
		// the value.
		"clock":       `{"clock_offset": "98765432123456789"}`,
		"org id":      `{"organizations": [{"id": "98765432123456789"}]}`,
		"default org": `{"default_organization_id": "98765432123456789"}`,
		"account id":  `{"accounts": [{"id": "98765432123456789"}]}`,
		"account org": `{"accounts": [{"id": "0123456789abcdef0123456789abcdef", "organization_id": "98765432123456789"}]}`,
		"zone id":     `{"zones": [{"id": "98765432123456789"}]}`,
		"idp owner":   `{"identity_providers": [{"id": "98765432123456789", "account_id": "98765432123456789", "type": "github"}]}`,
		"grant owner": `{"grants": [{"id": "98765432123456789", "account_id": "98765432123456789"}]}`,
		"share owner": `{"shares": [{"id": "98765432123456789", "account_id": "98765432123456789"}]}`,
		"app owner":   `{"access_applications": [{"id": "98765432123456789", "name": "98765432123456789", "account_id": "98765432123456789"}]}`,
		"org owner":   `{"access_organizations": [{"auth_domain": "98765432123456789", "account_id": "98765432123456789"}]}`,
	} {
		path := filepath.Join(dir, name+".json")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := New(Options{DataFile: path})
		if err == nil || strings.Contains(err.Error(), "98765432123456789") {
			t.Errorf("%s: err = %v, want one that does not quote the file", name, err)
		}
	}
	if _, err := New(Options{DataFile: dir}); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a directory as data file: err = %v", err)
	}
}
