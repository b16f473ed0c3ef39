package validatecmd

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/internal/sanitize"
	"github.com/idpsync/idpsync/plan/render"
	"github.com/idpsync/idpsync/state"
)

type options struct {
	Load    cli.Load // --root, and --max-federated-idps where declared
	Output  render.Format
	SkipEnv bool
	Paths   []string
}

// NewCmd returns the validate command.
func NewCmd(f *cli.Factory) *cobra.Command {
	opts := &options{}
	cmd := &cobra.Command{
		Use:   "validate [PATH...]",
		Short: "Check the desired state offline",
		Long: `Validate loads the desired state the way plan and apply do, and reports
every problem in it with its file, line and column: YAML syntax, unknown or
misspelt keys, config keys and values the API would refuse, references
that leave the configuration root, missing files, bad certificates,
duplicates across files and the federation limits. Environment variables
are checked for form only: validate needs no secret.

It needs no credentials and makes no network call. PATH is a file or a
directory of *.yaml and *.yml files; the default is the current directory.

Diagnostics go to standard error and a one-line result to standard output.
The exit status is 0 when the desired state is valid (warnings are printed
but do not fail it) and 1 when it is not.`,
		Example: `  # Validate every YAML file of the current directory
  idpsync validate

  # Validate an organization split across files
  idpsync validate idp/

  # Read ${file:...} from a wider directory than the git work tree
  idpsync validate --root .. idp/

  # Machine-readable result
  idpsync validate --output json idp/ | jq '.diagnostics[]'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			opts.Load.ReadRoot(cmd)
			if len(opts.Paths) == 0 {
				opts.Paths = []string{"."}
			}
			switch opts.Output {
			case render.FormatText, render.FormatJSON:
			default:
				return fmt.Errorf("--output %q: use text or json", opts.Output)
			}
			ctx, cancel := f.CancelOnInterrupt(cmd.Context())
			defer cancel()
			return run(ctx, f, opts)
		},
	}
	cli.OutputFlag(cmd, &opts.Output, "output format: text or json", render.FormatText, render.FormatJSON)
	opts.Load.AddMaxFederatedFlag(cmd)
	// --skip-env predates validate's own tolerance of unset variables; it is
	// kept so that existing CI scripts keep working.
	cmd.Flags().BoolVar(&opts.SkipEnv, "skip-env", false, "accepted for compatibility: validate never needs the variables")
	_ = cmd.Flags().MarkHidden("skip-env")
	return cmd
}

// result is the --output json document.
type result struct {
	Valid       bool              `json:"valid"`
	Files       int               `json:"files"`
	Accounts    int               `json:"accounts"`
	IdPs        int               `json:"identity_providers"`
	Diagnostics state.Diagnostics `json:"diagnostics"`
}

func run(ctx context.Context, f *cli.Factory, opts *options) error {
	ios := f.IO
	// Validate checks the files alone: an unset variable is checked for form
	// only, and plan or apply report it where it is needed.
	lo := f.LoadOptions(opts.Load)
	lo.SkipEnv = true
	d, diags := state.Load(ctx, opts.Paths, lo)
	if err := ctx.Err(); err != nil {
		return err
	}
	res := result{Valid: d != nil && !diags.HasErrors(), Diagnostics: diags}
	if res.Diagnostics == nil {
		res.Diagnostics = state.Diagnostics{}
	}
	if d != nil {
		res.Files, res.Accounts = len(d.Files), len(d.Accounts)
		for _, a := range d.Accounts {
			res.IdPs += len(a.IdentityProviders)
		}
	}

	if opts.Output == render.FormatJSON {
		enc := json.NewEncoder(sanitize.JSONWriter(ios.Out))
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		for _, diag := range diags {
			fmt.Fprintln(ios.ErrOut, diag.String())
		}
		fmt.Fprintln(ios.Out, summary(res, diags))
	}
	if !res.Valid {
		return cli.Exit(cli.ExitError)
	}
	return nil
}

func summary(res result, diags state.Diagnostics) string {
	warnings := ""
	if n := len(diags.Warnings()); n > 0 {
		warnings = ", " + plural(n, "warning")
	}
	if !res.Valid {
		return fmt.Sprintf("found %s%s", plural(len(diags.Errors()), "error"), warnings)
	}
	s := fmt.Sprintf("%s valid: %s, %s", plural(res.Files, "file"), plural(res.Accounts, "account"), plural(res.IdPs, "identity provider"))
	if warnings != "" {
		s += " (" + warnings[2:] + ")"
	}
	return s
}

func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
