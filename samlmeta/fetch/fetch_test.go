package fetch

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/idpsync/idpsync/internal/testcert"
	"github.com/idpsync/idpsync/samlmeta"
)

const canary = "CANARY-body-5e1d"

func metadata(t *testing.T) []byte {
	t.Helper()
	der := testcert.New(t, testcert.Options{CommonName: "idp"}).DER
	return []byte(`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="urn:idp">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>` + base64.StdEncoding.EncodeToString(der) + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`)
}

func TestFetch(t *testing.T) {
	md := metadata(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { w.Write(md) })
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	mux.HandleFunc("/missing", func(w http.ResponseWriter, r *http.Request) { http.Error(w, canary, http.StatusNotFound) })
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "2000000")
		w.Write(bytes.Repeat([]byte(" "), 2000000))
	})
	mux.HandleFunc("/huge-chunked", func(w http.ResponseWriter, r *http.Request) {
		for range 40 {
			w.Write(bytes.Repeat([]byte(" "), 32<<10))
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/malformed", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"" + canary + "\">\n  <md:SPSSODescriptor/>\n</md:EntityDescriptor>"))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	plain := httptest.NewServer(mux)
	defer plain.Close()
	tlsSrv := httptest.NewTLSServer(mux)
	defer tlsSrv.Close()
	mux.HandleFunc("/to-http", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+"/ok", http.StatusFound)
	})
	mux.HandleFunc("/to-https", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, tlsSrv.URL+"/ok", http.StatusFound)
	})
	roots := x509.NewCertPool()
	roots.AddCert(tlsSrv.Certificate())

	tests := []struct {
		name    string
		url     string
		timeout time.Duration
		want    string // the error, "" for success
		status  int
		at      samlmeta.Position
		noRoots bool
	}{
		{name: "https", url: tlsSrv.URL + "/ok"},
		{name: "http to loopback", url: plain.URL + "/ok"},
		{name: "same-scheme redirect", url: tlsSrv.URL + "/redirect"},
		{name: "http to a public host", url: "http://example.com/metadata", want: "metadata from http://example.com/metadata: plain http is allowed only to a loopback address; use https"},
		{name: "http to a private address", url: "http://10.0.0.1/metadata", want: "plain http is allowed only to a loopback address"},
		{name: "other scheme", url: "file:///etc/passwd", want: "not an absolute URL with a host"},
		{name: "ftp", url: "ftp://idp.example/md.xml", want: "the scheme must be https"},
		{name: "credentials", url: "https://user:pw@idp.example/md.xml", want: "credentials in the URL are not allowed"},
		{name: "redirect https to http", url: tlsSrv.URL + "/to-http", want: "redirect to another scheme refused"},
		{name: "redirect http to https", url: plain.URL + "/to-https", want: "redirect to another scheme refused"},
		{name: "not found", url: tlsSrv.URL + "/missing", want: "metadata from " + tlsSrv.URL + "/missing: HTTP status 404", status: 404},
		{name: "size cap", url: tlsSrv.URL + "/huge", want: "response larger than 1024 KiB"},
		{name: "size cap without length", url: plain.URL + "/huge-chunked", want: "response larger than 1024 KiB"},
		{name: "timeout", url: tlsSrv.URL + "/slow", timeout: 50 * time.Millisecond, want: "metadata from " + tlsSrv.URL + "/slow: timed out"},
		{name: "untrusted certificate", url: tlsSrv.URL + "/ok", noRoots: true, want: "metadata from " + tlsSrv.URL + "/ok: TLS handshake failed"},
		{name: "malformed", url: plain.URL + "/malformed", want: "1:1: the EntityDescriptor has no IDPSSODescriptor", at: samlmeta.Position{Line: 1, Column: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			f := &Fetcher{RootCAs: roots, Timeout: tt.timeout, Logger: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))}
			if tt.noRoots {
				f.RootCAs = x509.NewCertPool()
			}
			idp, err := f.Fetch(context.Background(), tt.url)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if idp.EntityID != "urn:idp" || idp.SSOURL != "https://idp.example/sso" || len(idp.SigningCerts) != 1 {
					t.Errorf("got %+v", idp)
				}
				if !strings.Contains(log.String(), "metadata fetch") || !strings.Contains(log.String(), "status=200") {
					t.Errorf("fetch not logged: %s", log.String())
				}
				return
			}
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want a *fetch.Error", err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "metadata from ") {
				t.Errorf("got %q, want …%s…", err, tt.want)
			}
			if fe.Status != tt.status {
				t.Errorf("status %d, want %d", fe.Status, tt.status)
			}
			if tt.at != (samlmeta.Position{}) && (fe.Metadata == nil || fe.Metadata.Position != tt.at) {
				t.Errorf("metadata error %v, want at %v", fe.Metadata, tt.at)
			}
			if strings.Contains(err.Error(), canary) || strings.Contains(log.String(), canary) {
				t.Errorf("the response leaked into %q or the log", err)
			}
		})
	}
}

func TestFetchCancelled(t *testing.T) {
	started := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	_, err := (&Fetcher{}).Fetch(ctx, srv.URL)
	if !errors.Is(err, context.Canceled) || !strings.HasSuffix(err.Error(), ": cancelled") {
		t.Errorf("got %v, want a cancelled fetch", err)
	}
}
