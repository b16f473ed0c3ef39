package state

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// CertificateFingerprint is the SHA-256 of a certificate's DER bytes as colon-separated
// upper-case hex, the form IdP admin consoles show. pem may also be the bare
// base64 body of the certificate.
func CertificateFingerprint(pemText string) (string, error) {
	der, err := certificateDER(pemText)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(der)
	var b strings.Builder
	for i, x := range sum {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", x)
	}
	return b.String(), nil
}

func certificateDER(text string) ([]byte, error) {
	if block, _ := pem.Decode([]byte(text)); block != nil {
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block is %q, not CERTIFICATE", block.Type)
		}
		return block.Bytes, nil
	}
	bare := strings.Join(strings.Fields(text), "")
	if bare == "" {
		return nil, errors.New("empty certificate")
	}
	der, err := base64.StdEncoding.DecodeString(bare)
	if err != nil {
		return nil, errors.New("certificate is neither PEM nor base64 DER")
	}
	return der, nil
}
