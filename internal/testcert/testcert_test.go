package testcert

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"regexp"
	"testing"
	"time"
)

func TestNew(t *testing.T) {
	from := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name             string
		o                Options
		cn               string
		notBefore, until time.Time
	}{
		{"defaults", Options{}, "idpsync test", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"given", Options{CommonName: "idp.example", NotBefore: from, NotAfter: from.AddDate(1, 0, 0)}, "idp.example", from, from.AddDate(1, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(t, tt.o)
			block, _ := pem.Decode([]byte(c.PEM))
			if block == nil || block.Type != "CERTIFICATE" || string(block.Bytes) != string(c.DER) {
				t.Fatalf("PEM does not hold the DER: %q", c.PEM)
			}
			x, err := x509.ParseCertificate(c.DER)
			if err != nil {
				t.Fatal(err)
			}
			if x.Subject.CommonName != tt.cn || !x.NotBefore.Equal(tt.notBefore) || !x.NotAfter.Equal(tt.until) {
				t.Errorf("got CN %q valid %v..%v, want %q %v..%v", x.Subject.CommonName, x.NotBefore, x.NotAfter, tt.cn, tt.notBefore, tt.until)
			}
			if err := x.CheckSignature(x.SignatureAlgorithm, x.RawTBSCertificate, x.Signature); err != nil {
				t.Errorf("not self-signed: %v", err)
			}
		})
	}
	if a, b := New(t, Options{}), New(t, Options{}); Fingerprint(a.DER) == Fingerprint(b.DER) {
		t.Error("two certificates share a fingerprint")
	}
}

type recorder struct{ msg string }

func (r *recorder) Fatalf(format string, args ...any) { r.msg = fmt.Sprintf(format, args...) }

func TestNewReportsFailure(t *testing.T) {
	var r recorder
	// A NotAfter beyond what GeneralizedTime can hold makes x509 refuse;
	// the failure must reach any Fataler, not only a *testing.T.
	New(&r, Options{NotAfter: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)})
	if r.msg == "" {
		t.Error("New did not report the failure")
	}
}

func TestFingerprint(t *testing.T) {
	got := Fingerprint([]byte("abc"))
	// SHA-256("abc") from FIPS 180-2, appendix B.1.
	const want = "BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD"
	if got != want {
		t.Errorf("Fingerprint = %s, want %s", got, want)
	}
	if !regexp.MustCompile(`^([0-9A-F]{2}:){31}[0-9A-F]{2}$`).MatchString(got) {
		t.Errorf("not colon-separated upper-case hex: %s", got)
	}
}
