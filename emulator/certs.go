package emulator

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/idpsync/idpsync/idptype"
)

const (
	certValidity     = 365 * 24 * time.Hour
	autoRotateBefore = 30 * 24 * time.Hour
)

var certPages = pageSpec{defPerPage: 25, maxPerPage: 100, lenientMax: 1000}

// The RSA key is generated once per process: SAML key transport needs RSA,
// and generating a 2048-bit key per certificate would make tests slow. Each
// certificate still has its own serial, subject and validity.
var (
	certKeyOnce sync.Once
	certKey     *rsa.PrivateKey
	certKeyErr  error
)

func signingKey() (*rsa.PrivateKey, error) {
	certKeyOnce.Do(func() { certKey, certKeyErr = rsa.GenerateKey(rand.Reader, 2048) })
	return certKey, certKeyErr
}

// newCertificate issues a self-signed certificate valid one year from now
// (the emulator clock), to whole seconds as X.509 records it.
func newCertificate(now time.Time) (*Certificate, error) {
	key, err := signingKey()
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	uid := uuid.NewString()
	notBefore := now.Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			CommonName:   "Cloudflare Access SAML encryption " + uid,
			Organization: []string{"Cloudflare Access (idpsync emulator)"},
		},
		NotBefore:             notBefore,
		NotAfter:              notBefore.Add(certValidity),
		KeyUsage:              x509.KeyUsageKeyEncipherment | x509.KeyUsageDataEncipherment | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	return &Certificate{
		UID:               uid,
		PublicCertificate: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		NotAfter:          tmpl.NotAfter.UTC(),
	}, nil
}

// rotate makes a new current certificate, moves the current one to previous
// and drops the older previous one.
func rotate(s *CertificateSet, now time.Time) error {
	cert, err := newCertificate(now)
	if err != nil {
		return err
	}
	s.Previous, s.Current, s.UpdatedAt = s.Current, cert, now
	return nil
}

func renderCert(c *Certificate, current bool) *wireCert {
	if c == nil {
		return nil
	}
	return &wireCert{UID: c.UID, PublicCertificate: c.PublicCertificate, NotAfter: c.NotAfter, IsCurrent: current}
}

func renderCertSet(s *CertificateSet) wireCertSet {
	return wireCertSet{
		UID: s.UID, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
		CurrentCertificate:  renderCert(s.Current, true),
		PreviousCertificate: renderCert(s.Previous, false),
	}
}

func createCertSet(c *call) reply {
	p, fed, err := c.lookupIdP()
	if err != nil {
		return fail(err)
	}
	if fed != nil || p.ReadOnly {
		return fail(errf(http.StatusForbidden, CodeReadOnlyIdP, "identity provider %s is read-only and cannot be changed through the API", c.r.PathValue("identity_provider_id")))
	}
	if p.Type != idptype.SAML {
		return fail(badRequest(CodeNotSAML, "SAML encryption certificates are only for identity providers of type saml; %s is %s", p.ID, p.Type))
	}
	if p.SAMLCertificateSetID != "" {
		if s := c.e.findCertSet(c.account.ID, p.SAMLCertificateSetID); s != nil {
			return ok(http.StatusOK, renderCertSet(s))
		}
	}
	cert, cerr := newCertificate(c.now)
	if cerr != nil {
		return fail(errf(http.StatusInternalServerError, CodeInternal, "Internal server error: could not issue a certificate"))
	}
	s := CertificateSet{AccountID: c.account.ID, IdPID: p.ID, UID: uuid.NewString(), CreatedAt: c.now, UpdatedAt: c.now, Current: cert}
	p.SAMLCertificateSetID = s.UID // before the append below, which may move the IdP
	c.e.data.CertificateSets = append(c.e.data.CertificateSets, s)
	c.e.noteDue(cert.NotAfter.Add(-autoRotateBefore))
	c.dirty = true
	return ok(http.StatusCreated, renderCertSet(&s))
}

func listCertSets(c *call) reply {
	var want map[string]bool
	if ids := c.query("id"); ids != "" {
		want = map[string]bool{}
		for _, id := range strings.Split(ids, ",") {
			want[strings.TrimSpace(id)] = true
		}
	}
	var items []wireCertSet
	all := c.e.certSetsOf(c.account.ID)
	for _, s := range all {
		if want != nil && !want[s.UID] {
			continue
		}
		items = append(items, renderCertSet(s))
	}
	return listFiltered(c, items, len(all), certPages)
}

func (c *call) lookupCertSet() (*CertificateSet, *apiError) {
	id := c.r.PathValue("saml_cert_set_id")
	if s := c.e.findCertSet(c.account.ID, id); s != nil {
		return s, nil
	}
	return nil, notFound(CodeCertSetNotFound, "SAML certificate set %s does not exist in account %s", id, c.account.ID)
}

func getCertSet(c *call) reply {
	s, err := c.lookupCertSet()
	if err != nil {
		return fail(err)
	}
	return ok(http.StatusOK, renderCertSet(s))
}

func getPEM(c *call) reply {
	s, err := c.lookupCertSet()
	if err != nil {
		return fail(err)
	}
	if s.Current == nil {
		return fail(notFound(CodeCertSetNotFound, "SAML certificate set %s has no current certificate", s.UID))
	}
	return reply{
		status: http.StatusOK, raw: []byte(s.Current.PublicCertificate), contentType: "application/x-pem-file",
		header: map[string]string{"Content-Disposition": `attachment; filename="saml_certificate.pem"`},
	}
}

func rotateCertSet(c *call) reply {
	s, err := c.lookupCertSet()
	if err != nil {
		return fail(err)
	}
	if rerr := rotate(s, c.now); rerr != nil {
		return fail(errf(http.StatusInternalServerError, CodeInternal, "Internal server error: could not issue a certificate"))
	}
	c.e.noteDue(s.Current.NotAfter.Add(-autoRotateBefore))
	c.dirty = true
	return ok(http.StatusOK, renderCertSet(s))
}
