package spmetadatacmd

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/emulator"
)

const (
	acct  = "023e105f4ecef8ad9ca31a8372d0c353"
	token = "sp-metadata-test-token"
	// The emulator's team domain for acct (emulator/access.go), on which it
	// also builds the IdPs' redirect_url.
	callback = "https://team-023e105f.cloudflareaccess.com/cdn-cgi/access/callback"
)

// metadata is what sp-metadata must write, read back with full namespace
// names so that a missing or wrong namespace fails.
type metadata struct {
	XMLName  xml.Name `xml:"urn:oasis:names:tc:SAML:2.0:metadata EntityDescriptor"`
	EntityID string   `xml:"entityID,attr"`
	SP       []struct {
		Protocols string `xml:"protocolSupportEnumeration,attr"`
		Keys      []struct {
			Use   string   `xml:"use,attr"`
			Certs []string `xml:"http://www.w3.org/2000/09/xmldsig# KeyInfo>X509Data>X509Certificate"`
		} `xml:"urn:oasis:names:tc:SAML:2.0:metadata KeyDescriptor"`
		ACS []struct {
			Binding  string `xml:"Binding,attr"`
			Location string `xml:"Location,attr"`
		} `xml:"urn:oasis:names:tc:SAML:2.0:metadata AssertionConsumerService"`
	} `xml:"urn:oasis:names:tc:SAML:2.0:metadata SPSSODescriptor"`
}

func TestSPMetadata(t *testing.T) {
	// The account has its Access organization (sp-metadata needs its team
	// domain); the strict emulator has none until it is created.
	srv, err := emulator.Start(emulator.Options{Tokens: []string{token}, Keys: []emulator.APIKey{{Email: "ops@example.com", Key: token + "-key"}}, AutoAccounts: true}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := createAccessOrganization(srv, acct); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := cloudflare.New(cloudflare.Options{BaseURL: srv.URL, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections() // before srv.Close: see cloudflare.Client.CloseIdleConnections
	samlConfig := map[string]any{"issuer_url": "https://idp.example/e", "sso_target_url": "https://idp.example/sso", "idp_public_certs": []any{}}
	plain, err := c.CreateIdentityProvider(ctx, acct, cloudflare.IdentityProvider{Name: "Plain", Type: "saml", Config: samlConfig})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := c.CreateIdentityProvider(ctx, acct, cloudflare.IdentityProvider{Name: "Encrypted", Type: "saml", Config: samlConfig})
	if err != nil {
		t.Fatal(err)
	}
	set, _, err := c.CreateSAMLCertificate(ctx, acct, enc.ID)
	if err != nil {
		t.Fatal(err)
	}
	encConfig := map[string]any{"enable_encryption": true}
	for k, v := range samlConfig {
		encConfig[k] = v
	}
	if _, err := c.UpdateIdentityProvider(ctx, acct, enc.ID, cloudflare.IdentityProvider{Name: "Encrypted", Type: "saml", Config: encConfig, SAMLCertificateSetID: set.UID}); err != nil {
		t.Fatal(err)
	}
	// A set without encryption switched on is not given to the IdP.
	if _, _, err := c.CreateSAMLCertificate(ctx, acct, plain.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateIdentityProvider(ctx, acct, cloudflare.IdentityProvider{Name: "GitHub", Type: "github", Config: map[string]any{"client_id": "x", "client_secret": "y"}}); err != nil {
		t.Fatal(err)
	}

	// certs are the set's certificates as the API serves them, current first.
	certs := func() [][]byte {
		s, err := c.GetCertificateSet(ctx, acct, set.UID)
		if err != nil {
			t.Fatal(err)
		}
		var out [][]byte
		for _, cert := range []*cloudflare.Certificate{s.CurrentCertificate, s.PreviousCertificate} {
			if cert != nil {
				b, _ := pem.Decode([]byte(cert.PublicCertificate))
				out = append(out, b.Bytes)
			}
		}
		return out
	}

	dir := t.TempDir()
	yaml := filepath.Join(dir, "idp.yaml")
	if err := os.WriteFile(yaml, []byte("version: 1\naccounts:\n  - id: "+acct+"\n    name: platform\nzones:\n  - id: d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0\n    name: docs\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		account string
		idp     string
		clock   time.Duration // emulator time to pass first
		out     bool
		keys    int // KeyDescriptors expected
		wantErr string
	}{
		{name: "without encryption", account: acct, idp: "Plain"},
		{name: "with encryption, by account name, to a file", account: "platform", idp: "Encrypted", out: true, keys: 1},
		// Cloudflare rotates 30 days before expiry; the previous certificate
		// stays until the rotation completes, and the IdP must know both.
		{name: "during a rotation", account: acct, idp: "Encrypted", clock: 340 * 24 * time.Hour, keys: 2},
		{name: "no such IdP", account: acct, idp: "Nope", wantErr: `has no identity provider named "Nope"`},
		{name: "not SAML", account: acct, idp: "GitHub", wantErr: "is of type github; service-provider metadata exists for saml only"},
		{name: "a zone's name", account: "docs", idp: "Plain", wantErr: "--account docs: names zone d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0; sp-metadata covers account-level IdPs only"},
		{name: "undeclared account name", account: "staging", idp: "Plain", wantErr: "--account staging: no such account or zone is declared"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.Emulator.AdvanceClock(tt.clock)
			ios, _, stdout, _ := cli.Test()
			f := &cli.Factory{IO: ios, Version: "test", Now: time.Now, Getenv: func(k string) (string, bool) {
				// A token alone: sp-metadata reads no share, so the share
				// endpoints' refusal of tokens does not concern it.
				if k == "CLOUDFLARE_API_TOKEN" {
					return token, true
				}
				return "", false
			}}
			opts := &Options{F: f, Account: tt.account, IdP: tt.idp, Paths: []string{yaml}}
			opts.API.URL, opts.API.RateLimit, opts.API.Concurrency, opts.API.Timeout = srv.URL, "1200/5m", 4, 10*time.Second
			if tt.out {
				opts.Out = filepath.Join(dir, "sp.xml")
			}
			err := Run(ctx, opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want …%s…", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			out := stdout.Bytes()
			if tt.out {
				if len(out) != 0 {
					t.Errorf("--out also wrote to stdout")
				}
				if out, err = os.ReadFile(opts.Out); err != nil {
					t.Fatal(err)
				}
			}
			var md metadata
			d := xml.NewDecoder(bytes.NewReader(out))
			d.Strict = true
			if err := d.Decode(&md); err != nil {
				t.Fatalf("not namespaced SAML metadata: %v\n%s", err, out)
			}
			if md.EntityID != callback {
				t.Errorf("entityID %q, want %q", md.EntityID, callback)
			}
			if len(md.SP) != 1 {
				t.Fatalf("%d SPSSODescriptors", len(md.SP))
			}
			sp := md.SP[0]
			if sp.Protocols != "urn:oasis:names:tc:SAML:2.0:protocol" {
				t.Errorf("protocolSupportEnumeration %q", sp.Protocols)
			}
			if len(sp.ACS) != 1 || sp.ACS[0].Location != callback || sp.ACS[0].Binding != "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" {
				t.Errorf("AssertionConsumerService %+v", sp.ACS)
			}
			if len(sp.Keys) != tt.keys {
				t.Fatalf("%d KeyDescriptors, want %d\n%s", len(sp.Keys), tt.keys, out)
			}
			if tt.keys == 0 {
				return
			}
			want := certs()
			if len(want) != tt.keys {
				t.Fatalf("the API has %d certificates in the set, the case expects %d", len(want), tt.keys)
			}
			for i, k := range sp.Keys {
				der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(strings.Join(k.Certs, "")), ""))
				if k.Use != "encryption" || len(k.Certs) != 1 || err != nil || !bytes.Equal(der, want[i]) {
					t.Errorf("KeyDescriptor %d: use %q, %d certificates, not certificate %d of the set", i, k.Use, len(k.Certs), i)
				}
			}
		})
	}
}

// createAccessOrganization sets up Zero Trust for an account of srv, as its
// onboarding does: POST .../access/organizations with the default team name.
func createAccessOrganization(srv *emulator.Server, account string) error {
	body := `{"name":"team-` + account[:8] + `","auth_domain":"team-` + account[:8] + `.cloudflareaccess.com"}`
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/accounts/"+account+"/access/organizations", strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		return fmt.Errorf("create the Access organization: status %d", res.StatusCode)
	}
	return nil
}
