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
