package state_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/idpsync/idpsync/state"
)

var t0 = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func testCertPEM(t testing.TB) (string, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "idpsync test"}, NotBefore: t0, NotAfter: t0.AddDate(1, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), der
}

func fingerprintOf(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

func TestCertificateFingerprint(t *testing.T) {
	certPEM, der := testCertPEM(t)
	bare := base64.StdEncoding.EncodeToString(der)
	tests := []struct {
		name, in, want, wantErr string
	}{
		{"pem", certPEM, fingerprintOf(der), ""},
		{"pem with surrounding text", "subject=x\n" + certPEM, fingerprintOf(der), ""},
		{"bare base64", bare[:40] + "\n" + bare[40:], fingerprintOf(der), ""},
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
