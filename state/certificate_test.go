package state_test

import (
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/idpsync/idpsync/internal/testcert"
	"github.com/idpsync/idpsync/state"
)

var t0 = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func TestCertificateFingerprint(t *testing.T) {
	cert := testcert.New(t, testcert.Options{NotBefore: t0, NotAfter: t0.AddDate(1, 0, 0)})
	certPEM, der := cert.PEM, cert.DER
	bare := base64.StdEncoding.EncodeToString(der)
	tests := []struct {
		name, in, want, wantErr string
	}{
		{"pem", certPEM, testcert.Fingerprint(der), ""},
		{"pem with surrounding text", "subject=x\n" + certPEM, testcert.Fingerprint(der), ""},
		{"bare base64", bare[:40] + "\n" + bare[40:], testcert.Fingerprint(der), ""},
		{"not a certificate block", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}})), "", "not CERTIFICATE"},
		{"empty", "  ", "", "empty"},
		{"junk", "not a cert!", "", "neither PEM nor base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := state.CertificateFingerprint(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("CertificateFingerprint = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
