package plancmd

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/cmd/idpsync/internal/policyopt"
	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/plan/planfile"
	"github.com/idpsync/idpsync/plan/render"
)

// Options are the inputs of one plan run.
type Options struct {
	F                *cli.Factory
	Load             cli.Load // --root, and --max-federated-idps where declared
	API              cli.API
	Paths            []string
	Output           render.Format
	Out              string
	DetailedExitCode bool
	Targets          []string
	Accounts         []string
	ResendSecrets    []string
	RotateSCIM       []string
	Comment          cli.CommentLimit
	Policy           policyopt.Options
	// AllowDestroy and SecretsOut say that the apply this plan is for will
	// have them, so their blockers are not listed.
	AllowDestroy   bool
	SecretsOut     string
	FailOnBlockers bool
	// Verbose lists the IdPs received from other accounts one a line in
	// the text view, instead of counting them.
	Verbose bool
	// ChangedSince is --changed-since: plan only the accounts whose
	// declarations differ from those at this git revision.
	ChangedSince string
	// ChangedSinceGiven: the flag was given, even empty (a CI variable
	// unset), which is refused rather than taken for a whole plan.
	ChangedSinceGiven bool
}

// NewCmd returns the plan command.
func NewCmd(f *cli.Factory) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "plan [PATH...]",
		Short: "Show what apply would change",
		Long: `Read the live state of every declared account, diff it against the desired
state and print the plan: every create, update and delete, field by field, in
dependency order. Nothing is changed.

PATH is a YAML file or a directory of *.yaml/*.yml files (default: the current
directory). Secrets never appear in the output or in a saved plan.

A plan saved with --out is authenticated with a key derived from the API
credentials (or IDPSYNC_PLAN_KEY): apply refuses it once edited, or when
its own credentials differ.

Policy: the built-in rules of the desired state's policy: block, and with
--policy DIR the Rego rules (deny and warn) of every .rego file under DIR,
are checked against the plan. Their findings are shown in every output; a
deny that no waiver excuses makes plan exit 1 after printing the plan, and
apply refuses it.`,
		Example: `  # Try it offline against the built-in emulator
  idpsync plan --sandbox examples/federation.yaml

  # A pull-request comment, and a plan saved for apply
  idpsync plan --output markdown --out plan.json idp/

  # A comment that fits GitHub's limit, and the whole plan for the job summary
  idpsync plan --output markdown --max-bytes 60000 --full-output plan-full.md idp/ > comment.md

  # Exit 2 when there are changes, or a SCIM secret an apply never wrote
  # to its --secrets-out (0 when none, 1 on error)
  idpsync plan --detailed-exitcode --secrets-out scim-secrets/ idp/

  # A pull request's plan: only the accounts its changes touch
  idpsync plan --changed-since origin/main --output markdown idp/

  # A plan check that fails (exit 3) when apply, run with --secrets-out,
  # would refuse the plan: a destroy nobody allowed
  idpsync plan --fail-on-blockers --secrets-out scim-secrets/ idp/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			opts.Load.ReadRoot(cmd)
			opts.ChangedSinceGiven = cmd.Flags().Changed("changed-since")
			return Run(cmd.Context(), opts)
		},
	}
	opts.API.AddFlags(cmd)
	fs := cmd.Flags()
	opts.Load.AddMaxFederatedFlag(cmd)
	cli.OutputFlag(cmd, &opts.Output, "output format: text, json or markdown", render.FormatText, render.FormatJSON, render.FormatMarkdown)
	fs.StringVar(&opts.Out, "out", "", "save the plan to `FILE` for `idpsync apply FILE`")
	fs.BoolVar(&opts.DetailedExitCode, "detailed-exitcode", false, "exit 2 when the plan has changes (or, with --secrets-out, an undelivered SCIM secret)")
	fs.StringArrayVar(&opts.Targets, "target", nil, "plan only this `ADDRESS` and what it depends on (repeatable)")
	fs.StringArrayVar(&opts.Accounts, "account", nil, "plan only this account `ID` or name (repeatable)")
	fs.StringArrayVar(&opts.ResendSecrets, "resend-secrets", nil, "force an update that sends the write-only secrets of this IdP `ADDRESS` (repeatable)")
	fs.StringArrayVar(&opts.RotateSCIM, "rotate-scim-secret", nil, "plan a new SCIM secret for this IdP `ADDRESS` (repeatable); apply writes it under --secrets-out")
	fs.BoolVar(&opts.AllowDestroy, "allow-destroy", false, "the apply of this plan will run with --allow-destroy: destroys are not listed as blockers")
	fs.StringVar(&opts.SecretsOut, "secrets-out", "", "the apply of this plan will run with --secrets-out `DIR`: SCIM secrets are not listed as blockers, and each IdP whose SCIM secret an apply asked for and never wrote there is reported (plan only reads it)")
	fs.StringVar(&opts.ChangedSince, "changed-since", "", "plan only the accounts and zones whose declarations differ from those at git revision `REF` (read with git), and the accounts they share with; the plan says which it skipped")
	fs.BoolVarP(&opts.Verbose, "verbose", "v", false, "list the IdPs received from other accounts (read-only) in the text view, instead of counting them")
	fs.BoolVar(&opts.FailOnBlockers, "fail-on-blockers", false, "exit 3 when apply would refuse the plan (a destroy without --allow-destroy, a SCIM secret without --secrets-out)")
	opts.Comment.AddFlags(cmd, "plan")
	opts.Policy.AddFlags(cmd)
	return cmd
}

// Run plans and renders.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	if err := cli.CheckOutput(opts.Output, render.FormatText, render.FormatJSON, render.FormatMarkdown); err != nil {
		return err
	}
	if err := opts.Comment.Check(opts.Output); err != nil {
		return err
	}
	if err := opts.Policy.Load(f.LoadPolicy); err != nil {
		return err
	}
	if err := cli.CheckChangedSince(opts.ChangedSince, opts.ChangedSinceGiven, opts.Accounts); err != nil {
		return err
	}
	ctx, cancel := f.CancelOnInterrupt(ctx)
	defer cancel()

	// The configuration at --changed-since loads from git while the work
	// tree loads: what changed is known before anything talks to the API.
	var (
		base    *cli.Base
		baseErr error
		based   = make(chan struct{})
	)
	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	if opts.ChangedSince != "" {
		go func() {
			defer close(based)
			base, baseErr = f.LoadBase(loadCtx, opts.Load, opts.Paths, opts.ChangedSince)
		}()
	} else {
		close(based)
	}
	desired, err := f.LoadDesired(loadCtx, opts.Load, opts.Paths, len(opts.ResendSecrets) > 0)
	if err != nil {
		stopLoad()
		<-based
		return err
	}
	if desired, err = cli.SelectAccounts(desired, opts.Accounts); err != nil {
		return err
	}
	<-based
	var changed *plan.ChangedSince
	if opts.ChangedSince != "" {
		if baseErr != nil {
			return baseErr
		}
		r := base.Compare(desired)
		desired = r.Select(desired)
		changed = cli.ChangedSincePlan(r, opts.ChangedSince, base.Commit)
		if err := cli.CheckTargetsPlanned(opts.Targets, changed); err != nil {
			return err
		}
	}
	conn, err := opts.API.Connect(ctx, f)
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
	p, _, err := engine.Plan(ctx, conn.Client, desired, engine.PlanOptions{Now: f.APIClock(conn), Metadata: conn.Metadata, SecretKey: conn.PlanKey.SecretKey(), Targets: opts.Targets, ResendSecrets: opts.ResendSecrets, RotateSCIMSecrets: opts.RotateSCIM, SCIMDeliveries: deliveries, Lockout: conn.Client, MaxFederatedIdPs: opts.Load.MaxFederatedIdPs, Progress: reads})
	endReads()
	conn.LogMetadataFetches(ctx)
	if err != nil {
		return err
	}
	p.ChangedSince = changed
	if err := opts.Policy.Check(ctx, p, desired, f.APINow(conn)); err != nil {
		return err
	}
	// The apply's own flags, given to plan, let their blockers through;
	// apply never reads a plan's blockers: it checks its own flags.
	p.Blockers = plan.Waive(p.Blockers, opts.AllowDestroy, opts.SecretsOut != "", false)
	if opts.Output == render.FormatMarkdown {
		err = opts.Comment.WriteFit(f.IO.Out, func(w io.Writer, maxBytes int, notice string) error {
			return render.MarkdownFit(w, p, render.MarkdownOptions{MaxBytes: maxBytes, Notice: notice})
		})
	} else {
		err = render.Plan(f.IO.Out, p, opts.Output, render.Options{Color: f.IO.Color, Brief: !opts.Verbose})
	}
	if err != nil {
		return err
	}
	if opts.Out != "" {
		if err := planfile.Save(opts.Out, p, conn.PlanKey, opts.API.Endpoint(f)); err != nil {
			return err
		}
		args := append(opts.API.ConnectionFlags(), opts.Out)
		fmt.Fprintf(f.IO.ErrOut, "Saved the plan to %s. Apply exactly this plan with: idpsync apply %s\n", opts.Out, cli.ShellJoin(args))
	}
	// A deny fails the job after the plan is shown, so the reviewer sees why.
	if err := f.Refuse(p); err != nil {
		return err
	}
	if opts.FailOnBlockers {
		if bs := plan.Decisions(p.Blockers); len(bs) > 0 {
			codes := make([]string, len(bs))
			for i, b := range bs {
				codes[i] = b.Resolve
			}
			fmt.Fprintf(f.IO.ErrOut, "Apply would refuse this plan: it needs %s.\n", strings.Join(codes, " and "))
			return cli.Exit(cli.ExitBlocked)
		}
	}
	// A SCIM secret nobody holds is never "no changes".
	if opts.DetailedExitCode && (p.HasChanges() || p.HasUndeliveredSCIM()) {
		return cli.Exit(cli.ExitChanges)
	}
	return nil
}
