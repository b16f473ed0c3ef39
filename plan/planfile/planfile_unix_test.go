//go:build unix

package planfile

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestReadRefusesFIFO: a FIFO is refused before it is opened, which would
// block the run until a writer came.
func TestReadRefusesFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo.plan")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := TokenKey("tok")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Read(fifo, k, testEndpoint); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a FIFO: err = %v", err)
	}
}
