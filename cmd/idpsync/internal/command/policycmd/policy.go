package policycmd

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/internal/sanitize"
	"github.com/idpsync/idpsync/policy"
	"github.com/idpsync/idpsync/policy/rego"
)

// NewCmd returns the policy command and its subcommands.
func NewCmd(f *cli.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Test Rego policies and list the built-in rules",
		Long: `Policy checks every plan against guardrails:

  - built-in rules declared in the desired state's top-level policy: block,
    each with an id, a level (deny or warn) and a scope;
  - Rego rules of a directory given to plan, apply and drift with --policy
    DIR: every deny and warn rule (and deny_*, warn_*) of every package, as
    conftest reads them: a set of messages, each a string or an object with
    msg and an optional address.

A deny that no waiver excuses makes plan exit 1 and apply refuse. Waivers in
the policy: block name a rule, an address pattern, a reason and an until date.`,
	}
	cmd.AddCommand(newTestCmd(f), newRulesCmd(f))
	return cmd
}

// TestOptions are the inputs of one policy test run.
type TestOptions struct {
	F       *cli.Factory
	Dir     string
	Timeout time.Duration
	Verbose bool
}

func newTestCmd(f *cli.Factory) *cobra.Command {
	opts := &TestOptions{F: f}
	cmd := &cobra.Command{
		Use:   "test DIR",
		Short: "Run the Rego unit tests (test_ rules) of a policy directory",
		Long: `Run every test_ rule of every .rego file under DIR, the way 'opa test' does,
with the same restrictions as a policy evaluated by plan: no network, no
environment. Exit status: 0 when every test passes, 1 otherwise.`,
		Example: `  idpsync policy test examples/policy`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = args[0]
			return RunTest(cmd.Context(), opts)
		},
	}
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", policy.DefaultTimeout, "stop each test after this long")
	cmd.Flags().BoolVarP(&opts.Verbose, "verbose", "v", false, "list every test, not only those that fail")
	return cmd
}

// RunTest runs the tests and reports them like opa test.
func RunTest(ctx context.Context, opts *TestOptions) error {
	f := opts.F
	if opts.Timeout <= 0 {
		return fmt.Errorf("--timeout must be positive")
	}
	ctx, cancel := f.CancelOnInterrupt(ctx)
	defer cancel()
	r, err := rego.LoadDir(opts.Dir)
	if err != nil {
		return err
	}
	results, err := r.RunTests(ctx, opts.Timeout)
	if err != nil {
		return err
	}
	if len(results) == 0 {
		fmt.Fprintf(f.IO.ErrOut, "Error: no test_ rules under %s\n", sanitize.Text(opts.Dir))
		return cli.Exit(cli.ExitError)
	}
	failed := 0
	for _, res := range results {
		status := "PASS"
		switch {
		case res.Error != "":
			status = "ERROR"
		case res.Skip:
			status = "SKIP"
		case !res.Pass:
			status = "FAIL"
		}
		if status == "FAIL" || status == "ERROR" {
			failed++
		}
		if status == "PASS" && !opts.Verbose {
			continue
		}
		where := fmt.Sprintf("%s:%d", filepath.ToSlash(res.File), res.Line)
		line := fmt.Sprintf("%s: %s (%s)", status, res.Name, where)
		if res.Error != "" {
			line += ": " + res.Error
		}
		fmt.Fprintln(f.IO.Out, sanitize.Text(line))
	}
	if failed > 0 {
		fmt.Fprintf(f.IO.Out, "FAIL: %d/%d\n", failed, len(results))
		return cli.Exit(cli.ExitError)
	}
	fmt.Fprintf(f.IO.Out, "PASS: %d/%d\n", len(results), len(results))
	return nil
}

func newRulesCmd(f *cli.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "rules",
		Short: "List the built-in policy rules and their parameters",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, r := range idptype.PolicyRules {
				fmt.Fprintln(f.IO.Out, r.ID)
				fmt.Fprintln(f.IO.Out, "  "+r.Description)
				if len(r.Params) > 0 {
					fmt.Fprintf(f.IO.Out, "  parameters: %v\n", r.Params)
				}
			}
			return nil
		},
	}
}
