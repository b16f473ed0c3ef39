package driftcmd

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/plan/render"
	"github.com/idpsync/idpsync/state"
)

// Options are the inputs of one drift run.
type Options struct {
	F        *cli.Factory
	API      cli.API
	Paths    []string
	Output   render.Format
	Accounts []string
	Comment  cli.CommentLimit
	// WarnWithin is --warn-within, as written.
	WarnWithin string
	Policy     cli.Policy
}

// NewCmd returns the drift command.
func NewCmd(f *cli.Factory) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "drift [PATH...]",
		Short: "Report how live state has drifted from the declared state",
		Long: `Read the live state like plan does and report every difference by cause:

  changed       live differs from what is declared
  missing       declared, but absent live
  unmanaged     present live, but declared nowhere
  pending       a share recipient is still associating or disassociating
  certificate   an encryption certificate expires soon, or a rotation is under way;
                an IdP signing certificate expires within --warn-within (30d)
  unverifiable  write-only fields (client secrets) that cannot be read back

Exit status: 0 in sync, 2 drift, 1 error. Unverifiable fields alone are not drift.`,
		Example: `  idpsync drift --sandbox examples/federation.yaml
  idpsync drift --output markdown idp/ > drift.md`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			return Run(cmd.Context(), opts)
		},
	}
	opts.API.AddFlags(cmd)
	cli.OutputFlag(cmd, &opts.Output, "output format: text, json or markdown", render.FormatText, render.FormatJSON, render.FormatMarkdown)
	f.AddMaxFederatedFlag(cmd)
	cmd.Flags().StringArrayVar(&opts.Accounts, "account", nil, "check only this account `ID` or name (repeatable)")
	cmd.Flags().StringVar(&opts.WarnWithin, "warn-within", "30d", "report a SAML IdP signing certificate that expires within this `DURATION` (30d, 2w, 36h)")
	opts.Comment.AddFlags(cmd, "drift report")
	opts.Policy.AddFlags(cmd)
	return cmd
}

// Run reads, diffs and reports.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	if err := cli.CheckOutput(opts.Output, render.FormatText, render.FormatJSON, render.FormatMarkdown); err != nil {
		return err
	}
	if err := opts.Comment.Check(opts.Output); err != nil {
		return err
	}
	warnWithin, err := state.ParseDuration(opts.WarnWithin)
	if err != nil {
		return fmt.Errorf("--warn-within: %w", err)
	}
	if err := opts.Policy.Load(); err != nil {
		return err
	}
	ctx, cancel := f.CancelOnInterrupt(ctx)
	defer cancel()

	desired, conn, err := f.Open(ctx, &opts.API, opts.Paths, opts.Accounts, false)
	if err != nil {
		return err
	}
	defer conn.Close()

	p, live, err := engine.Plan(ctx, conn.Client, desired, engine.PlanOptions{Now: f.APIClock(conn), Metadata: conn.Metadata, MaxFederatedIdPs: f.MaxFederatedIdPs})
	conn.LogMetadataFetches(ctx)
	if err != nil {
		return err
	}
	// The IdPs' own signing certificates expire on the IdP's schedule, not
	// Cloudflare's: drift reports them in time to add the next one.
	now := f.APINow(conn)
	labels := map[string]string{}
	for _, a := range desired.Accounts {
		labels[a.ID] = a.Label()
	}
	certs := plan.SigningCertificates(desired, live, engine.AccountIDs(desired), labels, now)
	p.Warnings = append(p.Warnings, plan.SigningWarnings(certs, now, warnWithin)...)
	// Policy findings are reported with the drift; they do not change the
	// exit status, which says whether live state drifted.
	if err := opts.Policy.Check(ctx, p, desired, now); err != nil {
		return err
	}
	report := plan.Drift(p)
	switch opts.Output {
	case render.FormatJSON:
		err = render.DriftJSON(f.IO.Out, report)
	case render.FormatMarkdown:
		err = opts.Comment.Write(f.IO.Out, func(w io.Writer) error { return render.DriftMarkdown(w, report) })
	default:
		err = render.DriftText(f.IO.Out, report, render.Options{Color: f.IO.Color})
	}
	if err != nil {
		return err
	}
	if report.Drifted {
		return cli.Exit(cli.ExitChanges)
	}
	return nil
}
