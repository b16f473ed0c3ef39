package testcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Options shape a certificate; the zero value gives a certificate named
// "idpsync test" valid from 2025-01-01 to 2035-01-01 (UTC).
type Options struct {
	CommonName string
	// NotBefore and NotAfter bound the validity; a zero value takes the
	// default above.
	NotBefore, NotAfter time.Time
}

// Cert is one self-signed certificate; its private key is not kept.
type Cert struct {
	PEM string
	DER []byte
}

// Fataler is what New reports a failure to: a *testing.T or *testing.B, or
// a testscript.TestScript in a custom command.
type Fataler interface {
	Fatalf(format string, args ...any)
}

// New makes a fresh self-signed ECDSA P-256 certificate. Each call has a new
// key, so two certificates never share a fingerprint.
func New(f Fataler, o Options) Cert {
	if h, ok := f.(interface{ Helper() }); ok {
		h.Helper()
	}
	if o.CommonName == "" {
		o.CommonName = "idpsync test"
	}
	if o.NotBefore.IsZero() {
		o.NotBefore = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if o.NotAfter.IsZero() {
		o.NotAfter = time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatalf("testcert: key: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: o.CommonName},
		NotBefore:    o.NotBefore,
		NotAfter:     o.NotAfter,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		f.Fatalf("testcert: certificate: %v", err)
	}
	return Cert{PEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), DER: der}
}

// Fingerprint is the SHA-256 of der as upper-case hex pairs joined by
// colons, written out independently of the product's own code so that tests
// check that code against it.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}
