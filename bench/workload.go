package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// secretEnv names the variable the workload's OAuth client secrets come from,
// so that the secret path (reference, hash in the plan, resolve at apply) is
// exercised without a secret ever being written to a file.
const secretEnv = "IDPSYNC_BENCH_GITHUB_CLIENT_SECRET"

// Per account the workload declares four IdPs. Two are SAML with assertion
// encryption; two are federated to up to three other accounts of the run.
// Okta carries the longest dependency chain of the plan: IdP, certificate set,
// encryption switch, grant, share.
const (
	idpsPerAccount   = 4
	sharesPerAccount = 2
	// actionsPerAccount is the least work an apply from scratch can do per
	// account: 4 IdP creates, 2 certificate set creates, 2 encryption PUTs,
	// 2 grant creates and 2 share creates (a share create carries its recipients).
	actionsPerAccount = idpsPerAccount + 2 + 2 + sharesPerAccount + sharesPerAccount
	// listingsPerAccount are the IdP (one page of up to 1000), grant and share
	// (with resources) listings. The organizations (for the pre-flight
	// checks) come from the account listing: orgReads.
	listingsPerAccount = 3
	// accountsPerPage is the page size of the account listing (GET
	// /accounts), the documented maximum.
	accountsPerPage = 50
	// apiChain is the longest chain of requests the API itself forces on an
	// apply from scratch: the certificate set needs the IdP id, the encryption
	// PUT needs the set uid; the grant needs the IdP id and the share the grant id.
	apiChain      = 3
	maxRecipients = 3
)

// workload is N accounts of the four-IdP layout.
type workload struct {
	Accounts int
	// Pruned declares each account with prune on and only its Passkeys IdP:
	// applied over the full layout it deletes three IdPs per account with
	// their certificate sets, grants and shares.
	Pruned bool
	// Plain declares the four IdPs without federation and without SAML
	// encryption: the layout of issue 26's side-by-side measurement with
	// Terraform, whose apply from scratch made 4 requests per account (the
	// four IdP creates: no encryption, no share).
	Plain bool
	// InlineCert writes the certificate into the YAML once, under an anchor
	// every other SAML IdP aliases, instead of referencing idp.pem: a load
	// reads at most state.MaxReferencedTotal through references, counted per
	// reference, which 25,000 references of one certificate exceed.
	InlineCert string
}

// accountID is a stable, valid 32-hex account id.
func accountID(i int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "idpsync-bench-account-%d", i))
	return hex.EncodeToString(sum[:16])
}

// recipients are the next accounts of the run, wrapping around.
func (w workload) recipients(i int) []string {
	n := min(maxRecipients, w.Accounts-1)
	out := make([]string, 0, n)
	for k := 1; k <= n; k++ {
		out = append(out, accountID((i+k)%w.Accounts))
	}
	return out
}

// IdPs is the number of IdPs declared.
func (w workload) IdPs() int { return w.Accounts * idpsPerAccount }

// federatedShares is how many shares the workload declares (zero with a
// single account: there is nobody to share with).
func (w workload) federatedShares() int {
	if w.Accounts < 2 {
		return 0
	}
	return w.Accounts * sharesPerAccount
}

// MinApplyActions is the least number of writes an apply from scratch needs.
func (w workload) MinApplyActions() int {
	if w.Plain {
		return w.IdPs()
	}
	return w.Accounts*(actionsPerAccount-2*sharesPerAccount) + 2*w.federatedShares()
}

// orgReads is the least number of requests that read the organizations of
// n accounts: one details read for a single account, else the pages of the
// account listing, which holds the run's accounts and no others.
func orgReads(n int) int {
	if n < 2 {
		return n
	}
	return (n + accountsPerPage - 1) / accountsPerPage
}

// MinPlanRequests is the least number of requests that read the live state.
// With federation: three listings per account, the account listing for the
// organizations and, once the shares exist, one recipient listing per share.
// Without (Plain, or a single account, which has nobody to share with): the
// IdP and grant listings of each account, and the IdP
// listing alone while an account has no IdP (an account without IdPs has no
// grant); nothing in such a file needs shares or an organization.
func (w workload) MinPlanRequests(applied bool) int {
	if w.Plain || w.Accounts < 2 {
		if applied {
			return 2 * w.Accounts
		}
		return w.Accounts
	}
	n := w.Accounts*listingsPerAccount + orgReads(w.Accounts)
	if applied {
		n += w.federatedShares()
	}
	return n
}

// readDepth is how many round trips a read needs one after the other: the
// recipients listing needs the share id from the share listing.
func readDepth(applied bool) int {
	if applied {
		return 2
	}
	return 1
}

// YAML renders the desired state. The certificate is referenced, not inlined,
// as real files do.
func (w workload) YAML() string {
	var b strings.Builder
	b.Grow(w.Accounts * 1400)
	b.WriteString("version: 1\naccounts:\n")
	anchored := false
	certs := func() string {
		if w.InlineCert == "" {
			return `["${file:idp.pem}"]`
		}
		if !anchored {
			anchored = true
			q, _ := json.Marshal(w.InlineCert)
			return "[&cert " + string(q) + "]"
		}
		return "[*cert]"
	}
	for i := range w.Accounts {
		fmt.Fprintf(&b, "  - id: %s\n    name: acct-%05d\n    identity_providers:\n", accountID(i), i)
		if w.Pruned {
			b.WriteString("      - name: Passkeys\n        type: passkeys\n        config:\n          login_page_auto_prompt: true\n")
			b.WriteString("    prune: true\n")
			continue
		}
		rec := w.recipients(i)
		if w.Plain {
			rec = nil
		}
		enc := "        encryption:\n          enabled: true\n"
		if w.Plain {
			enc = ""
		}
		fed := func() {
			if len(rec) == 0 {
				return
			}
			b.WriteString("        federation:\n          share_with:\n")
			for _, r := range rec {
				fmt.Fprintf(&b, "            - account: %s\n", r)
			}
		}
		fmt.Fprintf(&b, `      - name: Okta
        type: saml
        config:
          issuer_url: http://www.okta.com/exk%05d
          sso_target_url: https://example-%05d.okta.com/app/access/sso/saml
          idp_public_certs: %s
          sign_request: true
          email_attribute_name: email
%s`, i, i, certs(), enc)
		fed()
		fmt.Fprintf(&b, `      - name: Entra
        type: saml
        config:
          issuer_url: https://sts.windows.net/%05d/
          sso_target_url: https://login.microsoftonline.com/%05d/saml2
          idp_public_certs: %s
%s      - name: GitHub
        type: github
        config:
          client_id: Iv1.%016d
          client_secret: "${env:%s}"
`, i, i, certs(), enc, i, secretEnv)
		fed()
		b.WriteString(`      - name: Passkeys
        type: passkeys
        config:
          login_page_auto_prompt: true
`)
	}
	return b.String()
}

// Write puts the desired state and the certificate it references into dir
// and returns the YAML file's path.
func (w workload) Write(dir string, certPEM []byte) (string, error) {
	if err := os.WriteFile(filepath.Join(dir, "idp.pem"), certPEM, 0o644); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "idp.yaml")
	return path, os.WriteFile(path, []byte(w.YAML()), 0o644)
}

// idpCertificate is a self-signed certificate standing for the external
// IdP's signing certificate.
func idpCertificate() ([]byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now().Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "idpsync benchmark IdP"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(2 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}
