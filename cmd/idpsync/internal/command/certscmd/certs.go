package certscmd

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/plan/render"
	"github.com/idpsync/idpsync/state"
)

// Options are the inputs of one certs run.
type Options struct {
	F     *cli.Factory
	API   cli.API
	Paths []string
	cli.Listed
	Out    string
	Output render.Format
	// ExpiringWithin is --expiring-within as written; empty: no check.
	ExpiringWithin string
	// Wide shows whole subjects and fingerprints in the terminal table.
	Wide bool
}

// NewCmd returns the certs command.
func NewCmd(f *cli.Factory) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "certs [PATH...]",
		Short: "List the SAML certificates and when they expire; write the encryption PEM files",
		Long: `List every SAML encryption certificate set of the declared accounts (or of
the accounts given with --account): its IdP, the current and previous
certificate, their expiry, days left and SHA-256 fingerprint, and whether a
rotation is under way (a previous certificate still exists, so the external
IdP must be given the new one).

It also lists each SAML IdP's signing certificates (config.idp_public_certs),
as declared in the files and as set live: subject, SHA-256 fingerprint,
expiry and days left. Days are counted by the API's clock.

The table fits 120 columns: it shows the first 8 bytes of each
fingerprint and cuts long subjects; --wide shows them whole, as do the
JSON and the Markdown views.

--out writes each current encryption certificate as PEM, ready for the
external IdP. --expiring-within makes it a check for a cron job: exit 2 when
any listed certificate expires within the window (0 otherwise, 1 on error).`,
		Example: `  idpsync certs --sandbox examples/federation.yaml
  idpsync certs --account 023e105f4ecef8ad9ca31a8372d0c353 --out certs/
  idpsync certs --output json idp/
  idpsync certs --wide idp/
  idpsync certs --expiring-within 30d idp/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			opts.Load.ReadRoot(cmd)
			return Run(cmd.Context(), opts)
		},
	}
	opts.API.AddFlags(cmd)
	opts.Listed.AddFlags(cmd)
	fs := cmd.Flags()
	fs.StringVar(&opts.Out, "out", "", "write each current certificate as PEM into `DIR`")
	cli.OutputFlag(cmd, &opts.Output, "output format: text, json or markdown", render.FormatText, render.FormatJSON, render.FormatMarkdown)
	fs.StringVar(&opts.ExpiringWithin, "expiring-within", "", "exit 2 when a certificate expires within this `DURATION` (30d, 2w, 36h)")
	fs.BoolVar(&opts.Wide, "wide", false, "show whole subjects and SHA-256 fingerprints, however wide the table")
	return cmd
}

// Run lists the certificates.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	if err := cli.CheckOutput(opts.Output, render.FormatText, render.FormatJSON, render.FormatMarkdown); err != nil {
		return err
	}
	var within time.Duration
	if opts.ExpiringWithin != "" {
		d, err := state.ParseDuration(opts.ExpiringWithin)
		if err != nil {
			return fmt.Errorf("--expiring-within: %w", err)
		}
		within = d
	}
	ctx, cancel := f.CancelOnInterrupt(ctx)
	defer cancel()

	accounts, labels, desired, err := opts.Owners(ctx, f, opts.Paths)
	if err != nil {
		return err
	}
	conn, err := opts.API.Connect(ctx, f)
	if err != nil {
		return err
	}
	defer conn.Close()
	// Certificates live on the IdP objects; recipients are not needed.
	none := func(string, *state.LiveIdP) bool { return false }
	live, err := engine.ReadLive(ctx, conn.Client, accounts, engine.ReadOptions{Managed: none, IdPsOnly: true})
	if err != nil {
		return fmt.Errorf("read live state: %w", err)
	}
	now := f.APINow(conn)
	r := &render.CertsReport{
		Now:     now,
		Sets:    plan.EncryptionCertificates(live, accounts, labels, now),
		Signing: plan.SigningCertificates(desired, live, accounts, labels, now),
		Window:  opts.ExpiringWithin,
	}
	if opts.Out != "" {
		if err := writePEMs(opts.Out, r.Sets); err != nil {
			return err
		}
	}
	if opts.ExpiringWithin != "" {
		r.Expiring = plan.ExpiringWithin(r.Sets, r.Signing, now, within)
	}
	if err := render.Certs(f.IO.Out, r, opts.Output, render.CertsOptions{Wide: opts.Wide}); err != nil {
		return err
	}
	if len(r.Expiring) > 0 {
		return cli.Exit(cli.ExitChanges)
	}
	return nil
}

func writePEMs(dir string, sets []plan.CertificateSet) error {
	w := &cli.PEMWriter{Dir: dir}
	for _, s := range sets {
		if s.PEM == "" {
			continue
		}
		if err := w.Write(s.AccountID, s.IdP, s.PEM); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}
	return nil
}
