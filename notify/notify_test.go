package notify

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCheckURL(t *testing.T) {
	for _, tt := range []struct {
		url string
		ok  bool
	}{
		{"https://hooks.slack.com/services/T/B/SECRETPATH", true},
		{"http://127.0.0.1:8080/hook", true},
		{"http://[::1]:8080/hook", true},
		{"http://hooks.example.com/SECRETPATH", false},
		{"http://localhost.evil.example/SECRETPATH", false},
		{"https://user:SECRETPATH@hooks.example.com/x", false},
		{"ftp://hooks.example.com/SECRETPATH", false},
		{"hooks.example.com/SECRETPATH", false},
		{"", false},
	} {
		_, err := CheckURL(tt.url)
		if (err == nil) != tt.ok {
			t.Errorf("CheckURL(%q): err %v, want ok %v", tt.url, err, tt.ok)
		}
		if err != nil && strings.Contains(err.Error(), "SECRETPATH") {
			t.Errorf("CheckURL(%q): the error quotes the URL: %v", tt.url, err)
		}
	}
}

// TestPost sends the body as JSON, follows no redirect, and never names the
// URL, whose path is a credential, in its errors.
func TestPost(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/SECRETPATH/ok":
			b, _ := io.ReadAll(r.Body)
			got = r.Method + " " + r.Header.Get("Content-Type") + " " + string(b)
		case "/SECRETPATH/redirect":
			http.Redirect(w, r, "/SECRETPATH/ok", http.StatusTemporaryRedirect)
		default:
			http.Error(w, "SECRETPATH no", http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	if err := Post(ctx, srv.URL+"/SECRETPATH/ok", []byte(`{"text":"hi"}`)); err != nil {
		t.Fatal(err)
	}
	if got != `POST application/json {"text":"hi"}` {
		t.Errorf("received %q", got)
	}
	got = ""
	err := Post(ctx, srv.URL+"/SECRETPATH/redirect", []byte(`{}`))
	if err == nil || got != "" {
		t.Errorf("redirect: err %v, received %q; want the redirect refused, not followed", err, got)
	}
	for _, u := range []string{srv.URL + "/SECRETPATH/fail", "http://127.0.0.1:1/SECRETPATH"} {
		err := Post(ctx, u, []byte(`{}`))
		if err == nil || strings.Contains(err.Error(), "SECRETPATH") {
			t.Errorf("Post(%s): err %v, want an error that does not quote the URL", u, err)
		}
	}
}
