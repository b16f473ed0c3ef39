package versioncmd

import (
	"runtime"
	"testing"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
)

func TestVersionReportsStampedBuild(t *testing.T) {
	tests := []struct {
		name                  string
		version, commit, date string
		want                  string
	}{
		{"release", "1.4.0", "0123abc", "2026-03-01T10:00:00Z", "idpsync 1.4.0 (commit 0123abc, built 2026-03-01T10:00:00Z, "},
		{"no date", "dev", "unknown", "", "idpsync dev (commit unknown, built unknown, "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, _ := cli.Test()
			cmd := NewCmd(&cli.Factory{IO: ios, Version: tt.version, Commit: tt.commit, Date: tt.date})
			cmd.SetArgs(nil)
			if err := cmd.Execute(); err != nil {
				t.Fatal(err)
			}
			want := tt.want + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")\n"
			if out.String() != want {
				t.Errorf("got %q, want %q", out.String(), want)
			}
		})
	}
}
