package validatecmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/internal/golden"
)

const secret = "validate-canary-secret-value"

func TestValidate(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      bool
		wantCode int
	}{
		{"dir", []string{"testdata/dir"}, true, cli.ExitOK},
		// validate needs no secret; --skip-env is kept as a no-op.
		{"dir-missing-env", []string{"testdata/dir"}, false, cli.ExitOK},
		{"dir-skip-env", []string{"--skip-env", "testdata/dir"}, false, cli.ExitOK},
		{"warning", []string{"testdata/warning.yaml"}, true, cli.ExitOK},
		{"invalid", []string{"testdata/invalid.yaml"}, true, cli.ExitError},
		{"invalid-json", []string{"--output", "json", "testdata/invalid.yaml"}, true, cli.ExitError},
		{"valid-json", []string{"-o", "json", "testdata/dir/a.yaml"}, true, cli.ExitOK},
		{"no-such-path", []string{"testdata/nope.yaml"}, true, cli.ExitError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env {
				t.Setenv("IDPSYNC_TEST_GITHUB_SECRET", secret)
			} else {
				// t.Setenv restores the variable; unset it for this test only.
				t.Setenv("IDPSYNC_TEST_GITHUB_SECRET", "")
				os.Unsetenv("IDPSYNC_TEST_GITHUB_SECRET")
			}
			ios, _, out, errOut := cli.Test()
			cmd := NewCmd(&cli.Factory{IO: ios})
			cmd.SetArgs(tt.args)
			cmd.SetOut(out)
			cmd.SetErr(errOut)
			cmd.SilenceUsage = true
			cmd.SilenceErrors = true
			err := cmd.Execute()
			if code := cli.ExitCode(err); code != tt.wantCode {
				t.Fatalf("exit code %d, want %d (err %v)\nstderr:\n%s", code, tt.wantCode, err, errOut)
			}
			if err != nil && !cli.Reported(err) {
				t.Errorf("error %v was not reported", err)
			}
			got := "-- stdout --\n" + out.String() + "-- stderr --\n" + errOut.String()
			if strings.Contains(got, secret) {
				t.Fatalf("the secret leaked:\n%s", got)
			}
			if strings.Contains(tt.name, "json") {
				var res map[string]any
				if err := json.Unmarshal(out.Bytes(), &res); err != nil {
					t.Fatalf("stdout is not JSON: %v", err)
				}
				if res["valid"] != (tt.wantCode == cli.ExitOK) {
					t.Errorf("valid = %v", res["valid"])
				}
				if _, ok := res["diagnostics"].([]any); !ok {
					t.Errorf("diagnostics = %v", res["diagnostics"])
				}
			}
			golden.Check(t, filepath.Join("testdata", tt.name+".golden"), []byte(got))
		})
	}
}

func TestBadOutputFlag(t *testing.T) {
	ios, _, _, _ := cli.Test()
	cmd := NewCmd(&cli.Factory{IO: ios})
	cmd.SetArgs([]string{"--output", "yaml", "testdata/dir"})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "--output") {
		t.Errorf("err = %v", err)
	}
}
