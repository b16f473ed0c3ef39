package doctorcmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/doctor"
	"github.com/idpsync/idpsync/emulator"
	"github.com/idpsync/idpsync/emulator/contract"
	"github.com/idpsync/idpsync/plan/render"
)

// Options are the inputs of one doctor run.
type Options struct {
	F     *cli.Factory
	API   cli.API
	Paths []string
	cli.Listed
	Output render.Format
}

// NewCmd returns the doctor command.
func NewCmd(f *cli.Factory) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "doctor [PATH...]",
		Short: "Check, read-only, that the credentials can read everything idpsync needs",
		Long: `Check, before the first apply (or in CI, with the plan job's token), what
idpsync needs of the Cloudflare API with the credentials at hand. For every
declared account and zone (or those given with --account and --zone) it sends
one GET per endpoint family idpsync reads: account details, identity
providers, SAML certificate sets, federation grants, shares, Access
applications, Access policies (once idpsync reads them) and the Access
organization; at most eight requests per account, three per zone. Then,
once for all the accounts, the first page of the account listing
(GET /accounts), from which plans read the organizations of many accounts;
a token that may not list accounts is reported for information only, as
plans then read each account's details instead (slower, never wrong).

It reports which credentials were found and which family each serves; for
each read, OK or the exact permission group the token lacks (Cloudflare's
names), and what idpsync's writes will need; how each answer departs from the
API contract idpsync is tested against, as a short report of paths and field
names to paste into an issue; and what the rate-limit headers said.

It sends no write and quotes no value it read. Exit status 0 when everything
idpsync needs is readable, 1 otherwise.`,
		Example: `  idpsync doctor idp/
  idpsync doctor --account 023e105f4ecef8ad9ca31a8372d0c353
  idpsync doctor --output markdown idp/ >> "$GITHUB_STEP_SUMMARY"`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			opts.Load.ReadRoot(cmd)
			return Run(cmd.Context(), opts)
		},
	}
	opts.API.AddFlags(cmd)
	opts.Listed.AddFlags(cmd)
	cli.OutputFlag(cmd, &opts.Output, "output format: text, json or markdown", render.FormatText, render.FormatJSON, render.FormatMarkdown)
	return cmd
}

// Run checks and renders.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	if err := cli.CheckOutput(opts.Output, render.FormatText, render.FormatJSON, render.FormatMarkdown); err != nil {
		return err
	}
	ctx, cancel := f.CancelOnInterrupt(ctx)
	defer cancel()
	keys, labels, _, err := opts.Owners(ctx, f, opts.Paths)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return fmt.Errorf("nothing to check: declare an account, or pass --account or --zone")
	}
	spec, err := contract.Parse("access-subset.openapi.yaml", emulator.ContractSpec)
	if err != nil {
		return fmt.Errorf("load the API contract: %w", err)
	}
	conn, err := opts.API.Connect(ctx, f)
	if err != nil {
		return err
	}
	defer conn.Close()
	req := doctor.Request{TokenSource: tokenSource(&opts.API), Budget: opts.API.RateLimit}
	for _, k := range keys {
		req.Owners = append(req.Owners, doctor.Owner{Key: k, Label: labels[k]})
	}
	report, err := doctor.Run(ctx, conn.Client, spec, req)
	if err != nil {
		return err
	}
	if err := show(f.IO.Out, report, opts.Output); err != nil {
		return err
	}
	if !report.OK {
		return cli.Exit(cli.ExitError)
	}
	return nil
}

// tokenSource names where the token was taken from, never the token.
func tokenSource(a *cli.API) string {
	switch {
	case a.Sandbox != "":
		return "the sandbox"
	case a.TokenFile != "":
		return "--api-token-file"
	default:
		return "CLOUDFLARE_API_TOKEN"
	}
}

// ownerName is how the report names an owner: its label, else its id.
func ownerName(o doctor.OwnerReport) string {
	kind := "account"
	if o.Zone {
		kind = "zone"
	}
	if o.Label != "" {
		return kind + " " + safe(o.Label) + " (" + o.Owner + ")"
	}
	return kind + " " + o.Owner
}

// safe keeps what a label from the files may show on a terminal, in a CI log
// and in Markdown: letters, digits and a few separators.
func safe(s string) string {
	b := []rune{}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.', r == ' ':
			b = append(b, r)
		default:
			b = append(b, '?')
		}
		if len(b) >= 64 {
			break
		}
	}
	return string(b)
}
