package state

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseValue(t *testing.T) {
	tests := []struct {
		in      string
		ref     reference
		literal string
		err     string // "" for a reference, "literal" for errNotReference
	}{
		{"plain", reference{}, "plain", "literal"},
		{"${env:GITHUB_CLIENT_SECRET}", reference{refEnv, "GITHUB_CLIENT_SECRET"}, "", ""},
		{"${file:certs/okta.pem}", reference{refFile, "certs/okta.pem"}, "", ""},
		{"$${env:X}", reference{}, "${env:X}", "literal"},
		{"a $${b} c", reference{}, "a ${b} c", "literal"},
		{"cost: $5", reference{}, "cost: $5", "literal"},
		{"x${env:X}", reference{}, "", "whole value"},
		{"${env:X}${env:Y}", reference{}, "", "whole value"},
		{"${vault:x}", reference{}, "", "unknown reference"},
		{"${env}", reference{}, "", "unknown reference"},
		{"${env:}", reference{}, "", "names nothing"},
		{"${env:1X}", reference{}, "", "not a valid environment variable name"},
	}
	for _, tt := range tests {
		ref, lit, err := parseValue(tt.in)
		switch tt.err {
		case "":
			if err != nil || ref != tt.ref {
				t.Errorf("parseValue(%q) = %v, %v; want %v", tt.in, ref, err, tt.ref)
			}
		case "literal":
			if !errors.Is(err, errNotReference) || lit != tt.literal {
				t.Errorf("parseValue(%q) = %q, %v; want literal %q", tt.in, lit, err, tt.literal)
			}
		default:
			if err == nil || errors.Is(err, errNotReference) || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseValue(%q) error = %v; want %q", tt.in, err, tt.err)
			}
		}
	}
}

func TestResolveSecret(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := fakeEnv(map[string]string{"SET": "from-env", "EMPTY": ""})
	tests := []struct {
		src     SecretSource
		want    string
		wantErr string
	}{
		{SecretSource{Ref: "${env:SET}"}, "from-env", ""},
		{SecretSource{Ref: "${env:UNSET}"}, "", "UNSET is not set"},
		{SecretSource{Ref: "${env:EMPTY}"}, "", "EMPTY is empty"},
		{SecretSource{Ref: "${file:secret.txt}", BaseDir: dir}, "from-file", ""},
		{SecretSource{Ref: "${file:" + filepath.Join(dir, "secret.txt") + "}", BaseDir: dir}, "", "absolute path"},
		{SecretSource{Ref: "${file:../secret.txt}", BaseDir: filepath.Join(dir, "sub"), Root: filepath.Join(dir, "sub")}, "", "leaves the configuration root"},
		{SecretSource{Ref: "${file:secret.txt}", BaseDir: dir, Root: dir, Deferred: true}, "from-file", ""},
		{SecretSource{Ref: "${file:nope.txt}", BaseDir: dir}, "", "does not exist"},
		{SecretSource{Ref: "hunter2"}, "", "not a ${env:NAME} or ${file:PATH} reference"},
	}
	for _, tt := range tests {
		got, err := ResolveSecret(tt.src, env)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ResolveSecret(%q) error = %v, want %q", tt.src.Ref, err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error quotes the value: %v", err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ResolveSecret(%q) = %q, %v; want %q", tt.src.Ref, got, err, tt.want)
		}
	}
}
