package driftcmd

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/cmd/idpsync/internal/policyopt"
	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/notify"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/plan/render"
	"github.com/idpsync/idpsync/state"
)

// Options are the inputs of one drift run.
type Options struct {
	F        *cli.Factory
	Load     cli.Load // --root, and --max-federated-idps where declared
	API      cli.API
	Paths    []string
	Output   render.Format
	Accounts []string
	Comment  cli.CommentLimit
	// SecretsOut is the --secrets-out directory of the applies, read only.
	SecretsOut string
	// WarnWithin is --warn-within, as written.
	WarnWithin string
	Policy     policyopt.Options
	// FailOn is --fail-on, as written: the categories that make drift exit 2.
	FailOn string
	// Notify is --notify: a webhook to post the summary to. It is a secret
	// (a Slack webhook's path is its credential) and is never printed.
	Notify string
	// NoAttribution is --no-attribution: skip the audit log.
	NoAttribution bool
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
  cloudflare-initiated  a change Cloudflare made by itself, by the audit log
                (an automatic certificate rotation, a default IdP)
  unverifiable  write-only fields (client secrets) that cannot be read back
  scim_secret   with --secrets-out: SCIM is on and the secret an apply asked
                for never reached that directory (shown only when present)

For every drifted object of an account, one bounded read of the account's audit
log (Audit Logs version 2; the token needs Account Settings Read) says who made
the last change, when, and whether in the dashboard or through the API.

Drift that the drift.exceptions list of the desired state covers is shown as
accepted, with its reason, and does not count until the exception's date has
passed; an exception that matches nothing is reported as stale.

Exit status: 0 in sync, 2 drift in a --fail-on category, 1 error. By default
every category fails but accepted, cloudflare-initiated and unverifiable.

Policy: the desired state's policy rules, and with --policy DIR its Rego
rules, are checked as plan checks them and reported with the drift (an
expired waiver shows here first); they do not change the exit status.
forbid_lockout finds nothing here: drift reads no Access applications.`,
		Example: `  idpsync drift --sandbox examples/federation.yaml
  idpsync drift --output markdown idp/ > drift.md`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			opts.Load.ReadRoot(cmd)
			return Run(cmd.Context(), opts)
		},
	}
	opts.API.AddFlags(cmd)
	cli.OutputFlag(cmd, &opts.Output, "output format: text, json or markdown", render.FormatText, render.FormatJSON, render.FormatMarkdown)
	opts.Load.AddMaxFederatedFlag(cmd)
	cmd.Flags().StringArrayVar(&opts.Accounts, "account", nil, "check only this account `ID` or name (repeatable)")
	cmd.Flags().StringVar(&opts.WarnWithin, "warn-within", "30d", "report a SAML IdP signing certificate that expires within this `DURATION` (30d, 2w, 36h)")
	cmd.Flags().StringVar(&opts.FailOn, "fail-on", "", "exit 2 only for drift in these `CATEGORIES` (comma-separated, or all; default: all but accepted, cloudflare-initiated and unverifiable)")
	// The webhook usually comes from a CI secret: IDPSYNC_NOTIFY_URL keeps it
	// off the command line (and out of the job's logged command).
	cmd.Flags().StringVar(&opts.Notify, "notify", "", "post a short JSON summary (with a Slack-compatible text field) to this https webhook `URL` when there is drift (default $IDPSYNC_NOTIFY_URL)")
	cmd.Flags().BoolVar(&opts.NoAttribution, "no-attribution", false, "do not read the audit log to say who changed what")
	cli.SCIMDeliveryFlag(cmd, &opts.SecretsOut)
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
	if err := opts.Policy.Load(f.LoadPolicy); err != nil {
		return err
	}
	failOn := plan.DefaultFailOn
	if opts.FailOn != "" {
		if failOn, err = plan.ParseFailOn(opts.FailOn); err != nil {
			return fmt.Errorf("--fail-on: %w", err)
		}
	}
	if opts.Notify == "" {
		opts.Notify, _ = f.Getenv("IDPSYNC_NOTIFY_URL")
	}
	if opts.Notify != "" {
		if _, err := notify.CheckURL(opts.Notify); err != nil {
			return err
		}
	}
	ctx, cancel := f.CancelOnInterrupt(ctx)
	defer cancel()

	desired, conn, err := f.Open(ctx, &opts.API, opts.Load, opts.Paths, opts.Accounts, false)
	if err != nil {
		return err
	}
	defer conn.Close()

	deliveries, err := cli.SCIMDeliveriesFor(&opts.API, opts.SecretsOut, opts.Paths)
	if err != nil {
		return err
	}
	reads, endReads := f.ReadProgress(conn)
	defer endReads()
	p, live, err := engine.Plan(ctx, conn.Client, desired, engine.PlanOptions{Now: f.APIClock(conn), Metadata: conn.Metadata, SCIMDeliveries: deliveries, MaxFederatedIdPs: opts.Load.MaxFederatedIdPs,
		// drift reads what plan may skip, to report what the files leave alone too.
		FullRead: true, Progress: reads})
	endReads()
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
	if !opts.NoAttribution {
		if err := engine.Attribute(ctx, conn.Client, report, now, conn.Client.Concurrency()); err != nil {
			return err
		}
	}
	report.ApplyExceptions(driftExceptions(desired), now)
	report.Evaluate(failOn)
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
	if opts.Notify != "" && report.Drifted {
		body, err := render.DriftNotification(report)
		if err != nil {
			return err
		}
		if err := notify.Post(ctx, opts.Notify, body); err != nil {
			// The report is out; a webhook that failed is said, and the
			// job still fails on the drift it found.
			fmt.Fprintln(f.IO.ErrOut, "Warning:", render.Clean(err.Error()))
		}
	}
	if report.Drifted {
		return cli.Exit(cli.ExitChanges)
	}
	return nil
}

// driftExceptions turns the desired state's drift exceptions into the plan's.
func driftExceptions(d *state.Desired) []plan.DriftException {
	out := make([]plan.DriftException, len(d.DriftExceptions))
	for i, x := range d.DriftExceptions {
		out[i] = plan.DriftException{Address: x.Address, Fields: x.Fields, Reason: x.Reason, Until: x.Until, File: x.Pos.File, Line: x.Pos.Line}
	}
	return out
}
