package applycmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/idpsync/idpsync/apply"
	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/cmd/idpsync/internal/policyopt"
	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/plan/planfile"
	"github.com/idpsync/idpsync/plan/render"
	"github.com/idpsync/idpsync/plan/render/progress"
)

// Options are the inputs of one apply run.
type Options struct {
	F             *cli.Factory
	Load          cli.Load // --root, and --max-federated-idps where declared
	API           cli.API
	Paths         []string
	AutoApprove   bool
	AllowDestroy  bool
	Parallelism   int
	Output        render.Format
	CertOut       string
	Wait          bool
	WaitTimeout   time.Duration
	Targets       []string
	Accounts      []string
	ResendSecrets []string
	SecretsOut    string
	RotateSCIM    []string
	Policy        policyopt.Options
	Verbose       bool
}

// NewCmd returns the apply command.
func NewCmd(f *cli.Factory) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "apply [PATH... | PLAN.json]",
		Short: "Change live state to match the declared state",
		Long: `Plan, show the plan, ask for confirmation, then execute it in dependency order:
IdP, SAML encryption certificate set, the IdP update that enables encryption,
federation grant, share to the recipient accounts; deletions run in reverse.

Given a plan saved by 'idpsync plan --out', apply executes exactly that plan,
after checking that the file is unmodified and was made with the same
credentials (or the same IDPSYNC_PLAN_KEY), that none of the objects it read
has changed since, and that every secret still resolves to the value the plan
was made with. The destroy gate is checked again against live state.

Destructive actions (deleting an IdP or a grant, removing a share recipient)
need --allow-destroy, or prune: true on their account.

Policy: apply refuses, before any write, a plan that the desired state's
policy rules or the Rego policies of --policy DIR deny, unless a waiver in
force excuses the finding. A saved plan is checked again against the rules
it was made with, by today's date.

idpsync keeps no local state: an interrupted apply leaves every finished
action in place, and running apply again converges without duplicates. The
first Ctrl-C lets in-flight requests finish and stops; the second aborts.`,
		Example: `  # Try it offline against the built-in emulator
  idpsync apply --sandbox examples/federation.yaml --auto-approve

  # In CI, applying the plan that was reviewed (any file name works)
  idpsync plan --out idp.plan idp/
  idpsync apply idp.plan

  # Write the encryption certificates the external IdPs need
  idpsync apply --cert-out certs/ idp/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			opts.Load.ReadRoot(cmd)
			return Run(cmd.Context(), opts)
		},
	}
	opts.API.AddFlags(cmd)
	fs := cmd.Flags()
	opts.Load.AddMaxFederatedFlag(cmd)
	fs.BoolVar(&opts.AutoApprove, "auto-approve", false, "apply without asking for confirmation (required without a terminal)")
	fs.BoolVar(&opts.AllowDestroy, "allow-destroy", false, "allow deleting IdPs and grants and removing share recipients")
	fs.IntVar(&opts.Parallelism, "parallelism", 0, "actions run at once at most (default: --concurrency)")
	cli.OutputFlag(cmd, &opts.Output, "progress format: text, or json (one event per line)", render.FormatText, render.FormatJSON)
	fs.BoolVarP(&opts.Verbose, "verbose", "v", false, "also list each object that needs no change, and the IdPs received from other accounts")
	fs.StringVar(&opts.CertOut, "cert-out", "", "write each current encryption certificate as PEM into `DIR`")
	fs.BoolVar(&opts.Wait, "wait", false, "wait until share recipients finish associating or disassociating")
	fs.DurationVar(&opts.WaitTimeout, "wait-timeout", 5*time.Minute, "give up waiting after this long")
	fs.StringArrayVar(&opts.Targets, "target", nil, "apply only this `ADDRESS` and what it depends on (repeatable)")
	fs.StringArrayVar(&opts.Accounts, "account", nil, "apply only this account `ID` or name (repeatable)")
	fs.StringArrayVar(&opts.ResendSecrets, "resend-secrets", nil, "send the write-only secrets of this IdP `ADDRESS` again (repeatable)")
	fs.StringVar(&opts.SecretsOut, "secrets-out", "", "write each SCIM secret the API returns into `DIR` (created with mode 0700; files 0600)")
	fs.StringArrayVar(&opts.RotateSCIM, "rotate-scim-secret", nil, "regenerate the SCIM secret of this IdP `ADDRESS` (repeatable; needs --secrets-out)")
	opts.Policy.AddFlags(cmd)
	return cmd
}

// Run applies: it loads the desired state or the saved plan, connects, and
// hands both to engine.Apply, which holds the gates and their order; Run
// renders what the operation reports.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	if err := cli.CheckOutput(opts.Output, render.FormatText, render.FormatJSON); err != nil {
		return err
	}
	// A saved plan is verified before anything else: an edited file, or one
	// made with other credentials, is refused before any API request.
	saved, err := loadSavedPlan(f, opts)
	if err != nil {
		return err
	}
	if saved != nil && saved.Partial() {
		// The MAC covers the record: the plan is what was reviewed, and
		// apply writes nothing outside its accounts.
		c := saved.ChangedSince
		noun := "accounts"
		if len(saved.Accounts) == 1 {
			noun = "account"
		}
		fmt.Fprintf(f.IO.ErrOut, "This saved plan is partial (plan --changed-since %s): it writes only to the %d %s it planned; the %d it skipped were not planned.\n",
			render.Clean(c.Revision), len(saved.Accounts), noun, len(c.Skipped))
	}
	if err := opts.Policy.Load(f.LoadPolicy); err != nil {
		return err
	}
	in := engine.ApplyInput{Saved: saved}
	if saved == nil {
		// Loading stops at the first Ctrl-C; nothing has been written yet.
		loadCtx, cancelLoad := f.CancelOnInterrupt(ctx)
		// Secrets are checked after planning, for the writes that need them.
		in.Desired, err = f.LoadDesired(loadCtx, opts.Load, opts.Paths, false)
		cancelLoad()
		if err != nil {
			return err
		}
		if in.Desired, err = cli.SelectAccounts(in.Desired, opts.Accounts); err != nil {
			return err
		}
	}

	conn, err := opts.API.Connect(ctx, f)
	if err != nil {
		return err
	}
	defer conn.Close()

	eopts := engine.ApplyOptions{
		Now:               f.APIClock(conn),
		Metadata:          conn.Metadata,
		SecretKey:         conn.PlanKey.SecretKey(),
		Getenv:            f.Getenv,
		Targets:           opts.Targets,
		ResendSecrets:     opts.ResendSecrets,
		RotateSCIMSecrets: opts.RotateSCIM,
		MaxFederatedIdPs:  opts.Load.MaxFederatedIdPs,
		AllowDestroy:      opts.AllowDestroy,
		AutoApprove:       opts.AutoApprove,
		Parallelism:       opts.Parallelism,
		Stop:              f.Interrupt,
		Wait:              opts.Wait,
		WaitTimeout:       opts.WaitTimeout,
		// Verification reports in text; --output json leaves it to plan.
		Verify: opts.Output == render.FormatText,
		Policy: &opts.Policy,
	}
	if opts.SecretsOut != "" {
		eopts.SecretsOut = &cli.SCIMSecretWriter{Dir: opts.SecretsOut}
		if top := cli.GitWorkTree(opts.SecretsOut); top != "" {
			// The secret is written once and shown nowhere else; a file in
			// the checkout is one `git add -A` from the repository.
			fmt.Fprintf(f.IO.ErrOut, "Warning: --secrets-out %s is inside the git work tree %s: a SCIM secret written there may be committed; write it outside the repository, or make sure .gitignore covers it\n", render.Clean(opts.SecretsOut), render.Clean(top))
		}
		// What the directory records: the copy kept among duplicates is
		// one whose SCIM secret was delivered, and an IdP whose secret was
		// never delivered is reported.
		if eopts.SCIMDeliveries, err = cli.SCIMDeliveriesFor(&opts.API, opts.SecretsOut, opts.Paths); err != nil {
			return err
		}
	}
	prog := newProgress(f, opts)
	stopTicks := prog.Run()
	defer func() {
		stopTicks()
		prog.Close()
	}()
	// The client's waits (a spent budget, a Retry-After) join the progress
	// instead of interrupting it.
	defer conn.ShowWaits(prog.Wait)()
	eopts.Progress = prog
	view := &view{f: f, conn: conn, opts: opts, progress: prog}
	applied, err := engine.Apply(ctx, conn.Client, in, eopts, confirmer{f}, view)
	var (
		stale *engine.StalePlanError
		wait  *engine.WaitError
	)
	switch {
	case errors.As(err, &stale):
		progress.Stale(f.IO.ErrOut, stale.Moved)
		return cli.Exit(cli.ExitError)
	case errors.As(err, &wait):
		return fmt.Errorf("--wait: %w", wait.Err)
	case errors.Is(err, engine.ErrIncomplete):
		return cli.Exit(cli.ExitError)
	case err != nil:
		return err
	}
	if !applied.Plan.HasChanges() {
		if applied.Saved {
			fmt.Fprintln(f.IO.Out, "The saved plan has no changes.")
		}
		return undeliveredSCIM(f, opts.Output, applied.Plan)
	}
	if applied.Verification != nil {
		if progress.Verified(f.IO.Out, f.IO.ErrOut, applied.Verification, applied.Waited) {
			return cli.Exit(cli.ExitError)
		}
		return undeliveredSCIM(f, opts.Output, applied.Plan)
	}
	if applied.Saved && opts.Output == render.FormatText {
		// A saved plan holds no desired state to plan against again.
		fmt.Fprintln(f.IO.Out, "\nThe saved plan was applied. To verify, run idpsync plan against the files it was made from.")
	}
	return undeliveredSCIM(f, opts.Output, applied.Plan)
}

// undeliveredSCIM fails an apply, however well it went, while an IdP's SCIM
// secret was handed out and never delivered: nothing apply does by itself
// fixes that (a rotation is a decision), so it must not end quietly. The
// plan shown above carries the warning and the command.
func undeliveredSCIM(f *cli.Factory, output render.Format, p *plan.Plan) error {
	if progress.Undelivered(f.IO.Out, f.IO.ErrOut, p, output == render.FormatJSON) {
		return cli.Exit(cli.ExitError)
	}
	return nil
}

// view shows what engine.Apply reports: the plan made in this run, the
// progress of the writes, their result, and the wait.
type view struct {
	f        *cli.Factory
	conn     *cli.Connection
	opts     *Options
	progress *progress.View
}

// newProgress is the progress view the streams call for: a live one on a
// terminal, lines in a log, JSON with --output json.
func newProgress(f *cli.Factory, opts *Options) *progress.View {
	mode := progress.Lines
	switch {
	case opts.Output == render.FormatJSON:
		mode = progress.JSON
	case f.IO.OutTTY:
		mode = progress.Live
	}
	return progress.New(progress.Options{Mode: mode, Out: f.IO.Out, Err: f.IO.ErrOut, Color: f.IO.Color, Verbose: opts.Verbose, Width: f.IO.Width})
}

func (v *view) Planned(p *plan.Plan) error {
	v.progress.EndReads()
	if v.opts.Output != render.FormatText {
		return nil
	}
	return render.Text(v.f.IO.Out, p, render.Options{Color: v.f.IO.Color, Brief: !v.opts.Verbose})
}

func (v *view) MetadataFetched(ctx context.Context) {
	v.progress.EndReads()
	v.conn.LogMetadataFetches(ctx)
}

func (v *view) Executing(p *plan.Plan) { v.progress.Apply(p) }

func (v *view) Event(e apply.Event) { v.progress.Action(e) }

func (v *view) ExecuteDone() { v.progress.Done() }

func (v *view) Executed(res *apply.Result) error {
	if v.opts.Output == render.FormatText {
		progress.Result(v.f.IO.Out, v.f.IO.ErrOut, res)
		progress.Certificates(v.f.IO.Out, res, v.opts.CertOut, cli.ShellJoin)
	}
	progress.SCIM(v.f.IO.Out, res, v.opts.Output == render.FormatJSON)
	if v.opts.CertOut != "" {
		return writeCertificates(v.opts.CertOut, res)
	}
	return nil
}

func (v *view) Waiting(pending []apply.Pending) { v.progress.Pending(pending) }

// confirmer asks on the terminal (confirm).
type confirmer struct{ f *cli.Factory }

func (c confirmer) Confirm(_ context.Context, p *plan.Plan) error { return confirm(c.f, p) }

// loadSavedPlan returns the verified plan when the only argument is a saved
// plan, recognised by its content whatever its name.
func loadSavedPlan(f *cli.Factory, opts *Options) (*plan.Plan, error) {
	if len(opts.Paths) != 1 {
		return nil, nil
	}
	path := opts.Paths[0]
	ok, err := planfile.Detect(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if !ok {
		return nil, nil
	}
	// A saved plan is applied whole: these flags would change what was reviewed.
	for _, fl := range []struct {
		name string
		set  bool
	}{{"--target", len(opts.Targets) > 0}, {"--account", len(opts.Accounts) > 0}, {"--resend-secrets", len(opts.ResendSecrets) > 0}, {"--rotate-scim-secret", len(opts.RotateSCIM) > 0}} {
		if fl.set {
			return nil, fmt.Errorf("%s cannot be used with a saved plan: pass it to idpsync plan --out instead", fl.name)
		}
	}
	key, err := opts.API.PlanKey(f)
	if err != nil {
		return nil, err
	}
	return planfile.Read(path, key, opts.API.Endpoint(f))
}

// confirm asks on a terminal; without one it refuses, because an unattended
// apply must say --auto-approve explicitly.
func confirm(f *cli.Factory, p *plan.Plan) error {
	if !f.IO.InTTY {
		return errors.New("apply needs confirmation, and there is no terminal: pass --auto-approve, or apply a plan saved with 'idpsync plan --out'")
	}
	// The plan above may be thousands of lines: what it destroys and who
	// it locks out is said again right where the answer is typed.
	if len(p.Dangers()) > 0 {
		fmt.Fprintln(f.IO.Out)
		if err := render.Recap(f.IO.Out, p, render.Options{Color: f.IO.Color}); err != nil {
			return err
		}
	}
	fmt.Fprint(f.IO.Out, "\nApply these changes? Only 'yes' is accepted: ")
	line, _ := bufio.NewReader(f.IO.In).ReadString('\n')
	if strings.TrimSpace(line) != "yes" {
		fmt.Fprintln(f.IO.Out, "Apply cancelled; nothing was changed.")
		return cli.Exit(cli.ExitError)
	}
	return nil
}

func writeCertificates(dir string, res *apply.Result) error {
	w := &cli.PEMWriter{Dir: dir}
	for _, c := range res.CertificateSets {
		if c.CertificatePEM == "" {
			continue
		}
		if err := w.Write(c.AccountID, c.IdPName, c.CertificatePEM); err != nil {
			return fmt.Errorf("--cert-out: %w", err)
		}
	}
	return nil
}
