package applycmd

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/idpsync/idpsync/apply"
	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/plan/planfile"
	"github.com/idpsync/idpsync/plan/render"
	"github.com/idpsync/idpsync/state"
)

// Options are the inputs of one apply run.
type Options struct {
	F             *cli.Factory
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
			return Run(cmd.Context(), opts)
		},
	}
	opts.API.AddFlags(cmd)
	fs := cmd.Flags()
	f.AddMaxFederatedFlag(cmd)
	fs.BoolVar(&opts.AutoApprove, "auto-approve", false, "apply without asking for confirmation (required without a terminal)")
	fs.BoolVar(&opts.AllowDestroy, "allow-destroy", false, "allow deleting IdPs and grants and removing share recipients")
	fs.IntVar(&opts.Parallelism, "parallelism", 0, "actions run at once at most (default: --concurrency)")
	cli.OutputFlag(cmd, &opts.Output, "progress format: text, or json (one event per line)", render.FormatText, render.FormatJSON)
	fs.StringVar(&opts.CertOut, "cert-out", "", "write each current encryption certificate as PEM into `DIR`")
	fs.BoolVar(&opts.Wait, "wait", false, "wait until share recipients finish associating or disassociating")
	fs.DurationVar(&opts.WaitTimeout, "wait-timeout", 5*time.Minute, "give up waiting after this long")
	fs.StringArrayVar(&opts.Targets, "target", nil, "apply only this `ADDRESS` and what it depends on (repeatable)")
	fs.StringArrayVar(&opts.Accounts, "account", nil, "apply only this account `ID` or name (repeatable)")
	fs.StringArrayVar(&opts.ResendSecrets, "resend-secrets", nil, "send the write-only secrets of this IdP `ADDRESS` again (repeatable)")
	fs.StringVar(&opts.SecretsOut, "secrets-out", "", "write each SCIM secret the API returns into `DIR` (created with mode 0700; files 0600)")
	fs.StringArrayVar(&opts.RotateSCIM, "rotate-scim-secret", nil, "regenerate the SCIM secret of this IdP `ADDRESS` (repeatable; needs --secrets-out)")
	return cmd
}

// Run applies.
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
	var desired *state.Desired
	if saved == nil {
		// Loading stops at the first Ctrl-C; nothing has been written yet.
		loadCtx, cancelLoad := f.CancelOnInterrupt(ctx)
		// Secrets are checked after planning, for the writes that need them.
		desired, err = f.LoadDesired(loadCtx, opts.Paths, false)
		cancelLoad()
		if err != nil {
			return err
		}
		if desired, err = cli.SelectAccounts(desired, opts.Accounts); err != nil {
			return err
		}
	}

	conn, err := opts.API.Connect(ctx, f)
	if err != nil {
		return err
	}
	defer conn.Close()

	// Reads and planning stop at the first Ctrl-C; execution gets the gentler
	// two-step interrupt below.
	planCtx, cancelPlan := f.CancelOnInterrupt(ctx)
	defer cancelPlan()

	var (
		p    *plan.Plan
		live *state.Live
	)
	if saved != nil {
		p = saved
		if live, err = checkSavedPlan(planCtx, f, conn, p); err != nil {
			return err
		}
	} else {
		if p, live, err = engine.Plan(planCtx, conn.Client, desired, engine.PlanOptions{Now: f.APIClock(conn), Metadata: conn.Metadata, SecretKey: conn.PlanKey.SecretKey(), Targets: opts.Targets, ResendSecrets: opts.ResendSecrets, RotateSCIMSecrets: opts.RotateSCIM, NoPreflight: true, Lockout: conn.Client, MaxFederatedIdPs: f.MaxFederatedIdPs}); err != nil {
			return err
		}
		if opts.Output == render.FormatText {
			if err := render.Text(f.IO.Out, p, render.Options{Color: f.IO.Color}); err != nil {
				return err
			}
		}
	}
	resolver := engine.NewSecretResolver(conn.PlanKey.SecretKey(), f.Getenv)
	// Values a saved plan took from metadata at a URL are fetched again and
	// must match what the plan showed. A plan made just now in this process
	// finds its own fetch (conn.Metadata fetches each URL once).
	err = resolver.FetchMetadata(planCtx, p, conn.Metadata)
	conn.LogMetadataFetches(planCtx)
	if err != nil {
		return err
	}
	if err := preflight(p, live, resolver, f.MaxFederatedIdPs); err != nil {
		return err
	}
	if !p.HasChanges() {
		if saved != nil {
			fmt.Fprintln(f.IO.Out, "The saved plan has no changes.")
		}
		return nil
	}
	if saved != nil {
		// Who loses a login is read again now: a saved plan's own list could
		// be stale or edited, and must not switch the gate below off.
		if err := engine.AnalyzeLockout(planCtx, conn.Client, p, nil); err != nil {
			return err
		}
	}
	if err := apply.CheckDestroy(p, live, opts.AllowDestroy); err != nil {
		return err
	}
	// The API returns a SCIM secret once: without somewhere to write it,
	// the apply would lose it, so it refuses before its first write.
	var scimSink apply.SCIMSecretSink
	if need := p.NeedsSecretsOut(); len(need) > 0 {
		if opts.SecretsOut == "" {
			return fmt.Errorf("%s: the API returns the SCIM secret only once, and this apply has nowhere to write it, so it would be lost; "+
				"run again with --secrets-out DIR (nothing was changed)", strings.Join(need, ", "))
		}
		w := &cli.SCIMSecretWriter{Dir: opts.SecretsOut}
		if err := w.Prepare(); err != nil {
			return err
		}
		scimSink = w
	}
	if saved == nil && !opts.AutoApprove {
		if err := confirm(f, p); err != nil {
			return err
		}
	}

	progress := newProgress(f, opts.Output)
	// The recorder keeps what each write returned: verification compares
	// those answers with the declared state instead of reading everything again.
	rec := engine.NewRecorder(conn.Client)
	res, err := apply.Execute(ctx, rec, p, apply.Options{
		Parallelism: opts.Parallelism,
		Secrets:     resolver,
		Redact:      conn.Client.Redact,
		OnEvent:     progress.event,
		Stop:        f.Interrupt,
		SCIMSecrets: scimSink,
	})
	progress.close()
	if err != nil {
		return err
	}
	failed := len(res.Failed) > 0 || len(res.Skipped) > 0 || res.Interrupted
	if opts.Output == render.FormatText {
		reportResult(f, res)
		reportCertificates(f, res)
	}
	reportSCIM(f, opts.Output, res)
	if opts.CertOut != "" {
		if err := writeCertificates(opts.CertOut, res); err != nil {
			return err
		}
	}
	if failed {
		return cli.Exit(cli.ExitError)
	}
	if opts.Wait {
		if err := waitForShares(ctx, f, conn.Client, p, res, opts.WaitTimeout); err != nil {
			return err
		}
	}
	if desired != nil && opts.Output == render.FormatText && len(opts.Targets) == 0 {
		return verify(planCtx, f, conn, desired, live, rec, opts.Wait)
	}
	if saved != nil && opts.Output == render.FormatText {
		// A saved plan holds no desired state to plan against again.
		fmt.Fprintln(f.IO.Out, "\nThe saved plan was applied. To verify, run idpsync plan against the files it was made from.")
	}
	return nil
}

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

// preflight runs every check that can be made before the first write, and
// reports every problem at once: the API's rules against the live state just
// read (plan.Preflight), and the secrets the plan sends.
func preflight(p *plan.Plan, live *state.Live, r *engine.SecretResolver, maxFederated int) error {
	var errs []error
	if err := plan.Preflight(p, live, plan.PreflightOptions{MaxFederatedIdPs: maxFederated}); err != nil {
		errs = append(errs, err)
	}
	if err := r.CheckAll(p); err != nil {
		errs = append(errs, fmt.Errorf("the secrets of the changes could not all be read; nothing was changed:\n%w", err))
	}
	return errors.Join(errs...)
}

// checkSavedPlan refuses a plan whose live objects moved since it was made:
// applying it would act on a state nobody reviewed. It returns the live state
// it read, for the pre-flight.
func checkSavedPlan(ctx context.Context, f *cli.Factory, conn *cli.Connection, p *plan.Plan) (*state.Live, error) {
	live, err := engine.ReadSaved(ctx, conn.Client, p)
	if err != nil {
		return nil, err
	}
	moved := plan.Moved(p, live)
	if len(moved) == 0 {
		return live, nil
	}
	fmt.Fprintln(f.IO.ErrOut, "Error: the saved plan is stale; these objects changed since it was made:")
	for _, r := range moved {
		fmt.Fprintf(f.IO.ErrOut, "  %s (%s)\n", r.Address, r.ID)
	}
	fmt.Fprintln(f.IO.ErrOut, "Nothing was changed. Run plan again and review the new plan.")
	return nil, cli.Exit(cli.ExitError)
}

// confirm asks on a terminal; without one it refuses, because an unattended
// apply must say --auto-approve explicitly.
func confirm(f *cli.Factory, p *plan.Plan) error {
	if !f.IO.InTTY {
		return errors.New("apply needs confirmation, and there is no terminal: pass --auto-approve, or apply a plan saved with 'idpsync plan --out'")
	}
	if lost := lostAccess(p); len(lost) > 0 {
		fmt.Fprintf(f.IO.Out, "\nThese accounts lose a login option at once: %s\n", strings.Join(lost, ", "))
	}
	fmt.Fprint(f.IO.Out, "\nApply these changes? Only 'yes' is accepted: ")
	line, _ := bufio.NewReader(f.IO.In).ReadString('\n')
	if strings.TrimSpace(line) != "yes" {
		fmt.Fprintln(f.IO.Out, "Apply cancelled; nothing was changed.")
		return cli.Exit(cli.ExitError)
	}
	return nil
}

func lostAccess(p *plan.Plan) []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range p.Actions {
		for _, acct := range a.LosesAccess {
			if !seen[acct] {
				seen[acct] = true
				out = append(out, acct)
			}
		}
	}
	return out
}

func reportResult(f *cli.Factory, res *apply.Result) {
	for _, w := range res.Warnings {
		fmt.Fprintf(f.IO.ErrOut, "Warning: %s\n", w)
	}
	s := res.Summary
	switch {
	case res.Interrupted:
		fmt.Fprintf(f.IO.Out, "\nApply interrupted: %d added, %d changed, %d destroyed; %d actions not started. Run apply again to finish.\n",
			s.Add, s.Change, s.Destroy, len(res.NotStarted))
	case len(res.Failed) > 0:
		fmt.Fprintf(f.IO.Out, "\nApply failed: %d added, %d changed, %d destroyed; %d failed, %d skipped.\n",
			s.Add, s.Change, s.Destroy, len(res.Failed), len(res.Skipped))
		for _, addr := range res.Failed {
			fmt.Fprintf(f.IO.Out, "  %s: %v\n", addr, res.Errors[addr])
		}
	default:
		fmt.Fprintf(f.IO.Out, "\nApply complete: %d added, %d changed, %d destroyed.\n", s.Add, s.Change, s.Destroy)
	}
}

func reportCertificates(f *cli.Factory, res *apply.Result) {
	if len(res.CertificateSets) == 0 {
		return
	}
	fmt.Fprintln(f.IO.Out, "\nSAML encryption certificates to configure in the external IdPs:")
	for _, c := range res.CertificateSets {
		fmt.Fprintf(f.IO.Out, "  %s\n    SHA-256 %s\n    expires %s\n", c.IdP, c.Fingerprint, c.NotAfter.UTC().Format(time.DateOnly))
	}
}

// reportSCIM says where each SCIM secret went and the base URL the external
// IdP pushes to; never the secret.
func reportSCIM(f *cli.Factory, output render.Format, res *apply.Result) {
	if len(res.SCIM) == 0 {
		return
	}
	if output == render.FormatJSON {
		for _, s := range res.SCIM {
			b, _ := json.Marshal(struct {
				Type    string `json:"type"`
				Address string `json:"address"`
				File    string `json:"file"`
				BaseURL string `json:"scim_base_url"`
				Rotated bool   `json:"rotated,omitempty"`
			}{"scim_secret", s.IdP, s.Where, s.BaseURL, s.Rotated})
			fmt.Fprintf(f.IO.Out, "%s\n", b)
		}
		return
	}
	fmt.Fprintln(f.IO.Out, "\nSCIM provisioning to configure in the external IdPs (the secret is in the file, and shown nowhere else):")
	for _, s := range res.SCIM {
		fmt.Fprintf(f.IO.Out, "  %s\n    SCIM base URL %s\n    secret written to %s\n", s.IdP, s.BaseURL, s.Where)
	}
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

// verify checks that a plan against the state the apply left is empty,
// pending transitions aside. That state is the one read before the apply
// changed by what each write returned; only what no answer showed is read
// again (engine.Verify), so an apply costs its plan's reads plus its writes.
// After --wait the recipients of the shares created are read again, to see
// them associated.
func verify(ctx context.Context, f *cli.Factory, conn *cli.Connection, d *state.Desired, before *state.Live, rec *engine.Recorder, waited bool) error {
	p, err := engine.Verify(ctx, conn.Client, d, before, rec, engine.VerifyOptions{Now: f.APIClock(conn), Reread: waited})
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if p.HasChanges() {
		fmt.Fprintln(f.IO.ErrOut, "\nWarning: live state still differs from the declared state after apply:")
		overlapped := false
		for _, a := range p.Actions {
			if a.Action != plan.NoOp {
				fmt.Fprintf(f.IO.ErrOut, "  %s: %s\n", a.Address, a.Action)
				overlapped = overlapped || a.Reason == plan.ReasonDuplicate
			}
		}
		if overlapped {
			// Seen in what verify reads anyway: no request is added for it.
			fmt.Fprintln(f.IO.ErrOut, "Another run changed these accounts at the same time and left copies; run apply again to remove them.")
		}
		return cli.Exit(cli.ExitError)
	}
	fmt.Fprintln(f.IO.Out, "\nVerified: live state matches the declared state.")
	if len(p.Pending) > 0 && !waited {
		n := len(p.Pending)
		fmt.Fprintf(f.IO.Out, "%d share %s still pending; %s on %s own (use --wait to wait for %s).\n",
			n, plural(n, "transition is", "transitions are"), plural(n, "it finishes", "they finish"), plural(n, "its", "their"), plural(n, "it", "them"))
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// waitForShares is --wait. Every write is done by now, so the first Ctrl-C
// ends the wait (the second-Ctrl-C context would poll on until the timeout).
func waitForShares(ctx context.Context, f *cli.Factory, client apply.Client, p *plan.Plan, res *apply.Result, timeout time.Duration) error {
	ctx, cancel := f.CancelOnInterrupt(ctx)
	defer cancel()
	last := ""
	err := apply.WaitForShares(ctx, client, p, res.Shares, timeout, func(pending []apply.Pending) {
		line := fmt.Sprintf("Waiting for %d share %s...", len(pending), plural(len(pending), "transition", "transitions"))
		if line != last && f.IO.ErrOut != nil {
			fmt.Fprintln(f.IO.ErrOut, line)
			last = line
		}
	})
	if err != nil {
		return fmt.Errorf("--wait: %w", err)
	}
	return nil
}
