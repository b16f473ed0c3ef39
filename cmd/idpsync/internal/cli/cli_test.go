package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/state"
)

func TestExitCode(t *testing.T) {
	tests := []struct {
		err      error
		code     int
		reported bool
	}{
		{nil, ExitOK, false},
		{errors.New("boom"), ExitError, false},
		{Exit(ExitChanges), ExitChanges, true},
		{fmt.Errorf("wrapped: %w", Exit(ExitError)), ExitError, true},
		{&ExitCodeError{Code: 2, Err: errors.New("drift")}, 2, false},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.err); got != tt.code {
			t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.code)
		}
		if got := Reported(tt.err); got != tt.reported {
			t.Errorf("Reported(%v) = %v, want %v", tt.err, got, tt.reported)
		}
	}
}

func TestSelectAccounts(t *testing.T) {
	d := &state.Desired{Accounts: []*state.Account{{ID: "bb", Name: "two"}, {ID: "aa", Name: "one"}}}
	tests := []struct {
		ids     []string
		want    []string
		wantErr string
	}{
		{nil, []string{"bb", "aa"}, ""},
		{[]string{"two", "aa"}, []string{"aa", "bb"}, ""},
		{[]string{"aa", "one"}, []string{"aa"}, ""},
		{[]string{"cc"}, nil, "--account cc: no such account or zone is declared"},
	}
	for _, tt := range tests {
		got, err := SelectAccounts(d, tt.ids)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("SelectAccounts(%v) error = %v, want %q", tt.ids, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if ids := engine.AccountIDs(got); strings.Join(ids, ",") != strings.Join(tt.want, ",") {
			t.Errorf("SelectAccounts(%v) = %v, want %v", tt.ids, ids, tt.want)
		}
	}
}

func TestCredentials(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	os.WriteFile(tokenFile, []byte("from-file\n"), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	tests := []struct {
		name      string
		env       map[string]string
		tokenFile string
		wantToken string
		wantEmail string
		wantErr   string
	}{
		{name: "token file first", env: map[string]string{"CLOUDFLARE_API_TOKEN": "env"}, tokenFile: tokenFile, wantToken: "from-file"},
		{name: "token variable", env: map[string]string{"CLOUDFLARE_API_TOKEN": "env"}, wantToken: "env"},
		{name: "legacy key pair", env: map[string]string{"CLOUDFLARE_EMAIL": "a@b.c", "CLOUDFLARE_API_KEY": "k"}, wantEmail: "a@b.c"},
		{name: "email without key", env: map[string]string{"CLOUDFLARE_EMAIL": "a@b.c"}, wantErr: "set CLOUDFLARE_API_TOKEN (or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY)"},
		{name: "nothing", wantErr: "add --sandbox"},
		{name: "empty token file", tokenFile: empty, wantErr: "is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &Factory{Getenv: func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }}
			a := &API{TokenFile: tt.tokenFile}
			var opts cloudflare.Options
			err := a.credentials(f, &opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if opts.Token != tt.wantToken || opts.Email != tt.wantEmail {
				t.Errorf("token %q email %q, want %q %q", opts.Token, opts.Email, tt.wantToken, tt.wantEmail)
			}
		})
	}
}

func TestCheckOutput(t *testing.T) {
	if err := CheckOutput("json", "text", "json"); err != nil {
		t.Error(err)
	}
	if err := CheckOutput("yaml", "text", "json"); err == nil || !strings.Contains(err.Error(), `--output "yaml"`) {
		t.Errorf("err = %v", err)
	}
}

func TestPEMWriterNamesFilesUniquely(t *testing.T) {
	dir := t.TempDir()
	w := &PEMWriter{Dir: dir}
	for _, tt := range []struct{ idp, pem, file string }{
		{"Okta", "A", "023e-Okta.pem"},
		{"x_y", "B", "023e-x_y.pem"},
		{"x/y", "C", PEMFileName("023e", "x/y")},
		{"x y", "D", PEMFileName("023e", "x y")},
	} {
		if err := w.Write("023e", tt.idp, tt.pem); err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(filepath.Join(dir, tt.file)); err != nil || string(b) != tt.pem {
			t.Errorf("%s: read back %s: %q, %v", tt.idp, tt.file, b, err)
		}
	}
	if a, b := PEMFileName("023e", "x/y"), PEMFileName("023e", "x y"); a == b || a == "023e-x_y.pem" {
		t.Errorf("names collide: %s, %s", a, b)
	}
	if err := w.Write("023e", "Okta", "E"); err == nil || !strings.Contains(err.Error(), "would both go to") {
		t.Errorf("second write of one file: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "023e-Okta.pem")); string(b) != "A" {
		t.Errorf("the first certificate was replaced: %q", b)
	}
}

// --api-token-file reads a bounded regular file: a device or a FIFO would
// never end, or block before Ctrl-C is watched.
func TestTokenFileIsBounded(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, bytes.Repeat([]byte("t"), maxTokenFile+1), 0o600); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good")
	if err := os.WriteFile(good, []byte(" tok-123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ path, wantErr string }{
		{good, ""},
		{big, "larger than 4 KiB"},
		{"/dev/zero", "not a regular file"},
		{dir, "not a regular file"},
	} {
		a := &API{TokenFile: tt.path}
		var opts cloudflare.Options
		err := a.token(&Factory{Getenv: func(string) (string, bool) { return "", false }}, &opts)
		switch {
		case tt.wantErr == "" && (err != nil || opts.Token != "tok-123"):
			t.Errorf("%s: token %q, err %v", tt.path, opts.Token, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: err %v, want %q", tt.path, err, tt.wantErr)
		}
	}
}

// The endpoint a saved plan records and its errors show never carries what
// CLOUDFLARE_BASE_URL holds beyond scheme, host and path.
func TestEndpointShowsNoSecretOfTheURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.example.com/client/v4/":              "https://api.example.com/client/v4",
		"https://u:hunter2@api.example.com/client/v4":     "https://u:xxxxx@api.example.com/client/v4",
		"https://api.example.com/client/v4?token=hunter2": "https://api.example.com/client/v4",
		"https://api.example.com/%zz-hunter2":             "(not a valid URL)",
	} {
		f := &Factory{Getenv: func(k string) (string, bool) { return in, k == "CLOUDFLARE_BASE_URL" }}
		if got := (&API{}).Endpoint(f); got != want {
			t.Errorf("Endpoint(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestListedOwners(t *testing.T) {
	const a, z = "023e105f4ecef8ad9ca31a8372d0c353", "0da42c8d2132a9ddaf714f9e7c920711"
	tests := []struct {
		args    []string
		want    []string
		wantErr string
	}{
		// Without ids Owners loads the declared accounts: scripts certs and scim.
		{[]string{"--zone", z, "--account", a, "--account", a}, []string{a, a, idptype.ZoneKey(z)}, ""},
		{[]string{"--account", "Prod"}, nil, `--account "Prod": expected an account id of 32 lowercase hex characters`},
		{[]string{"--zone", "x"}, nil, `--zone "x": expected a zone id of 32 lowercase hex characters`},
	}
	for _, tt := range tests {
		var l Listed
		cmd := &cobra.Command{}
		l.AddFlags(cmd)
		if err := cmd.ParseFlags(tt.args); err != nil {
			t.Fatal(err)
		}
		// With ids given, Owners reads no files: no Factory is needed.
		got, labels, desired, err := l.Owners(context.Background(), nil, nil)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("%v: error = %v, want %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) || len(labels) != 0 || desired != nil {
			t.Errorf("%v: owners = %v, %v, %v, %v; want %v and no labels or desired state", tt.args, got, labels, desired, err, tt.want)
		}
	}
}

// --root is declared once by the root command; each command takes it into
// its own options, and a command without it sees no value.
func TestLoadReadRoot(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"child", "--root", "/cfg"}, "/cfg"},
		{[]string{"--root=/top", "child"}, "/top"},
		{[]string{"child"}, ""},
	} {
		parent := &cobra.Command{Use: "idpsync", SilenceUsage: true, SilenceErrors: true}
		parent.PersistentFlags().String("root", "", "")
		var l Load
		parent.AddCommand(&cobra.Command{Use: "child", RunE: func(cmd *cobra.Command, _ []string) error {
			l.ReadRoot(cmd)
			return nil
		}})
		parent.SetArgs(tt.args)
		if err := parent.Execute(); err != nil {
			t.Fatal(err)
		}
		if l.Root != tt.want {
			t.Errorf("%v: Root = %q, want %q", tt.args, l.Root, tt.want)
		}
	}
	var l Load
	l.ReadRoot(&cobra.Command{Use: "alone"})
	if l.Root != "" {
		t.Errorf("a command without --root read %q", l.Root)
	}
}
