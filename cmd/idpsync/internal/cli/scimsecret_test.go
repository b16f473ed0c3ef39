package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/idpsync/idpsync/apply"
)

func TestSCIMSecretFileName(t *testing.T) {
	tests := []struct {
		label, name, id, want string
	}{
		{"platform", "Okta", "11a53b8e-5f16-4296-9d27-498621224353", "platform-Okta.11a53b8e-5f16-4296-9d27-498621224353.scim-secret"},
		{"platform", "Okta", "22b6", "platform-Okta.22b6.scim-secret"},
		{"plat/form", "Ok ta", "id", "plat_form-Ok_ta.id.scim-secret"},
		// An id the API should never send is hashed, never a path.
		{"platform", "Okta", "../../etc/passwd", "platform-Okta.h"},
	}
	for _, tt := range tests {
		got := SCIMSecretFileName(tt.label, tt.name, tt.id)
		if !strings.HasPrefix(got, tt.want) || strings.ContainsAny(got, `/\`) {
			t.Errorf("SCIMSecretFileName(%q, %q, %q) = %q, want %q…", tt.label, tt.name, tt.id, got, tt.want)
		}
		if id, ok := secretFileID(got); !ok || id != fileID(tt.id) {
			t.Errorf("secretFileID(%q) = %q, %v; want %q", got, id, ok, fileID(tt.id))
		}
	}
	if SCIMSecretFileName("a", "Okta", "id-1") == SCIMSecretFileName("a", "Okta", "id-2") {
		t.Error("two copies of one IdP share a file")
	}
}

func pendingNames(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*"+scimPendingSuffix))
	if err != nil {
		t.Fatal(err)
	}
	for i := range m {
		m[i] = filepath.Base(m[i])
	}
	slices.Sort(m)
	return m
}

// The record goes before the request and holds no secret; the secret's file
// comes with the answer, and takes the record, and those of earlier requests
// for the same IdP, with it. A later request's record stays.
func TestSCIMSecretWriterRecords(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "out")
	w := &SCIMSecretWriter{Dir: dir}
	okta := apply.SCIMSecret{AccountID: "acc", Account: "platform", IdP: "account[platform].idp[Okta]", IdPName: "Okta"}
	other := apply.SCIMSecret{AccountID: "acc", Account: "platform", IdP: "account[platform].idp[Entra]", IdPName: "Entra"}

	earlier, err := w.ExpectSCIMSecret(ctx, okta)
	if err != nil {
		t.Fatal(err)
	}
	ticket, err := w.ExpectSCIMSecret(ctx, okta)
	if err != nil {
		t.Fatal(err)
	}
	otherTicket, _ := w.ExpectSCIMSecret(ctx, other)
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("directory: %v %v", st, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, ticket))
	if err != nil {
		t.Fatal(err)
	}
	var rec pendingRecord
	if err := json.Unmarshal(b, &rec); err != nil || rec.IdPName != "Okta" || rec.PID != os.Getpid() {
		t.Fatalf("record = %s (%v)", b, err)
	}
	// A request started after ours, for the same IdP, still in flight.
	time.Sleep(2 * time.Millisecond)
	later, _ := w.ExpectSCIMSecret(ctx, okta)

	s := okta
	s.IdPID, s.Secret, s.Ticket = "idp-1", "s3cr3t-CANARY", ticket
	where, err := w.WriteSCIMSecret(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(where) != "platform-Okta.idp-1.scim-secret" {
		t.Errorf("written to %s", where)
	}
	if b, _ := os.ReadFile(where); string(b) != "s3cr3t-CANARY\n" {
		t.Errorf("file holds %q", b)
	}
	if st, _ := os.Stat(where); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode().Perm())
	}
	want := []string{later, otherTicket}
	slices.Sort(want)
	if got := pendingNames(t, dir); !slices.Equal(got, want) {
		t.Errorf("records left %v, want %v (not %s)", got, want, earlier)
	}
	for _, name := range pendingNames(t, dir) {
		if b, _ := os.ReadFile(filepath.Join(dir, name)); strings.Contains(string(b), "CANARY") {
			t.Errorf("%s holds the secret", name)
		}
	}

	// A second copy of the IdP gets a file of its own.
	s2 := okta
	s2.IdPID, s2.Secret, s2.Ticket = "idp-2", "other-CANARY", later
	if _, err := w.WriteSCIMSecret(ctx, s2); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(where); string(b) != "s3cr3t-CANARY\n" {
		t.Errorf("the first copy's file was overwritten: %q", b)
	}
	// Deleting a copy drops its file only.
	w.ForgetSCIMSecret(ctx, "idp-2")
	if _, err := os.Stat(filepath.Join(dir, "platform-Okta.idp-2.scim-secret")); !os.IsNotExist(err) {
		t.Errorf("the deleted copy's file is still there: %v", err)
	}
	if _, err := os.Stat(where); err != nil {
		t.Errorf("the kept copy's file went: %v", err)
	}
}

func writeRecord(t *testing.T, dir, name string, rec pendingRecord) {
	t.Helper()
	b, _ := json.Marshal(rec)
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestReadSCIMDeliveries(t *testing.T) {
	if d, err := ReadSCIMDeliveries(filepath.Join(t.TempDir(), "none")); err != nil || len(d.Delivered)+len(d.Pending) != 0 {
		t.Fatalf("a directory not made yet: %+v, %v", d, err)
	}
	dir := t.TempDir()
	host, _ := os.Hostname()
	now := time.Now()
	os.WriteFile(filepath.Join(dir, "platform-Okta.idp-1.scim-secret"), []byte("x\n"), 0o600)
	os.WriteFile(filepath.Join(dir, ".platform-Okta.idp-9.scim-secret.tmp-1"), []byte("x\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o600)
	// A killed run: its process is gone.
	writeRecord(t, dir, "platform-Partners.aa.scim-pending", pendingRecord{AccountID: "acc", IdPName: "Partners", Host: host, PID: 1 << 30, Started: now})
	// A run on another machine (CI): nothing says it is alive.
	writeRecord(t, dir, "platform-Entra.bb.scim-pending", pendingRecord{AccountID: "acc", IdPName: "Entra", IdPID: "idp-3", Host: host + "-elsewhere", PID: os.Getpid(), Started: now})
	// This process, waiting for its answer.
	writeRecord(t, dir, "platform-Okta.cc.scim-pending", pendingRecord{AccountID: "acc", IdPName: "Okta", Host: host, PID: os.Getpid(), Started: now})

	d, err := ReadSCIMDeliveries(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := d.Delivered["idp-1"]; len(d.Delivered) != 1 || !ok {
		t.Errorf("delivered = %v, want idp-1 only", d.Delivered)
	}
	var got []string
	for _, p := range d.Pending {
		got = append(got, p.Record+"="+p.IdPName+"/"+p.IdPID)
	}
	slices.Sort(got)
	if want := []string{"platform-Entra.bb.scim-pending=Entra/idp-3", "platform-Partners.aa.scim-pending=Partners/"}; !slices.Equal(got, want) {
		t.Errorf("pending = %v, want %v", got, want)
	}

	// A record that is not one fails closed, naming the file only.
	os.WriteFile(filepath.Join(dir, "x\x1b[31m.scim-pending"), []byte("{not json SECRET-CANARY"), 0o600)
	_, err = ReadSCIMDeliveries(dir)
	if err == nil || !strings.Contains(err.Error(), "x_31m.scim-pending") || strings.Contains(err.Error(), "CANARY") || strings.Contains(err.Error(), "\x1b") {
		t.Errorf("err = %v, want the sanitised name and nothing of the content", err)
	}
}
