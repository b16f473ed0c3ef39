// Package scimcmd implements `idpsync scim`: for the person configuring
// provisioning in Okta or Entra, whether SCIM is on for each identity
// provider and the SCIM base URL the external IdP pushes to. It parses the
// flags, reads the IdPs through engine, and hands plan.SCIMEntries to
// render.SCIM, which owns the table and the JSON. It never shows the SCIM
// secret: the API does not return it after the first time, and apply writes
// that one to a file under --secrets-out.
package scimcmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/plan/render"
	"github.com/idpsync/idpsync/state"
)

// Options are the inputs of one scim run.
type Options struct {
	F     *cli.Factory
	API   cli.API
	Paths []string
	cli.Listed
	Output render.Format
	// Wide shows whole SCIM base URLs in the terminal table.
	Wide bool
}

// NewCmd returns the scim command.
func NewCmd(f *cli.Factory) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "scim [PATH...]",
		Short: "List SCIM provisioning per IdP: on or off, and the SCIM base URL",
		Long: `List, for every identity provider of the declared accounts (or of the
accounts given with --account), whether SCIM provisioning is on, its
settings, and the SCIM base URL to give the external IdP (Okta, Entra ID).

The table fits 120 columns: it leaves out the URL's https:// and cuts a
long one, with a line saying so; --wide shows them whole, as does the JSON.

The SCIM secret is never shown: the API returns it once, when SCIM is first
enabled, and apply writes it to a file under --secrets-out DIR.
'idpsync apply --rotate-scim-secret ADDRESS --secrets-out DIR' makes a new one.`,
		Example: `  idpsync scim --sandbox examples/minimal.yaml
  idpsync scim --account 023e105f4ecef8ad9ca31a8372d0c353 --output json
  idpsync scim --wide idp/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			opts.Load.ReadRoot(cmd)
			return Run(cmd.Context(), opts)
		},
	}
	opts.API.AddFlags(cmd)
	opts.Listed.AddFlags(cmd)
	cli.OutputFlag(cmd, &opts.Output, "output format: text or json", render.FormatText, render.FormatJSON)
	cmd.Flags().BoolVar(&opts.Wide, "wide", false, "show whole SCIM base URLs, however wide the table")
	return cmd
}

// Run lists SCIM per IdP.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	if err := cli.CheckOutput(opts.Output, render.FormatText, render.FormatJSON); err != nil {
		return err
	}
	ctx, cancel := f.CancelOnInterrupt(ctx)
	defer cancel()

	accounts, labels, _, err := opts.Owners(ctx, f, opts.Paths)
	if err != nil {
		return err
	}
	conn, err := opts.API.Connect(ctx, f)
	if err != nil {
		return err
	}
	defer conn.Close()
	none := func(string, *state.LiveIdP) bool { return false }
	live, err := engine.ReadLive(ctx, conn.Client, accounts, engine.ReadOptions{Managed: none, IdPsOnly: true})
	if err != nil {
		return fmt.Errorf("read live state: %w", err)
	}
	return render.SCIM(f.IO.Out, plan.SCIMEntries(live, accounts, labels), opts.Output, render.SCIMOptions{Wide: opts.Wide})
}
