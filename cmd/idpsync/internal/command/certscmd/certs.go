package certscmd

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/internal/sanitize"
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

--out writes each current encryption certificate as PEM, ready for the
external IdP. --expiring-within makes it a check for a cron job: exit 2 when
any listed certificate expires within the window (0 otherwise, 1 on error).`,
		Example: `  idpsync certs --sandbox examples/federation.yaml
  idpsync certs --account 023e105f4ecef8ad9ca31a8372d0c353 --out certs/
  idpsync certs --output json idp/
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
	return cmd
}

// Certificate is one certificate of a set, as reported.
type Certificate struct {
	UID         string    `json:"uid"`
	Subject     string    `json:"subject,omitempty"`
	NotAfter    time.Time `json:"not_after"`
	DaysLeft    int       `json:"days_left"`
	Fingerprint string    `json:"sha256_fingerprint"`
}

// Set is one certificate set, as reported.
type Set struct {
	Address          string       `json:"address"`
	AccountID        string       `json:"account_id"`
	IdP              string       `json:"idp"`
	IdPID            string       `json:"idp_id"`
	UID              string       `json:"uid"`
	EncryptionOn     bool         `json:"encryption_enabled"`
	Current          *Certificate `json:"current"`
	Previous         *Certificate `json:"previous,omitempty"`
	RotationUnderWay bool         `json:"rotation_under_way"`
	pem              string
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
	sets := collect(live, accounts, labels, now)
	signing := plan.SigningCertificates(desired, live, accounts, labels, now)
	if opts.Out != "" {
		if err := writePEMs(opts.Out, sets); err != nil {
			return err
		}
	}
	var expiring []string
	if opts.ExpiringWithin != "" {
		expiring = expiringWithin(sets, signing, now, within)
	}
	switch opts.Output {
	case render.FormatJSON:
		out := map[string]any{"now": now.UTC(), "certificate_sets": sets, "signing_certificates": signing}
		if opts.ExpiringWithin != "" {
			out["expiring_within"] = opts.ExpiringWithin
			out["expiring"] = append([]string{}, expiring...)
		}
		b, err := json.Marshal(out)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(f.IO.Out, "%s\n", sanitize.JSON(b)); err != nil {
			return err
		}
	case render.FormatMarkdown:
		printMarkdown(f, sets, signing, opts.ExpiringWithin, expiring)
	default:
		printText(f, sets)
		printSigningText(f, signing)
		if opts.ExpiringWithin != "" {
			if len(expiring) == 0 {
				fmt.Fprintf(f.IO.Out, "\nNo certificate expires within %s.\n", opts.ExpiringWithin)
			} else {
				fmt.Fprintf(f.IO.Out, "\n%s within %s:\n", plural(len(expiring), "certificate expires", "certificates expire"), opts.ExpiringWithin)
				for _, e := range expiring {
					fmt.Fprintf(f.IO.Out, "  %s\n", e)
				}
			}
		}
	}
	if len(expiring) > 0 {
		return cli.Exit(cli.ExitChanges)
	}
	return nil
}

func collect(live *state.Live, accounts []string, labels map[string]string, now time.Time) []Set {
	sets := []Set{}
	for _, id := range accounts {
		acct := live.Accounts[id]
		if acct == nil {
			continue
		}
		label := labels[id]
		if label == "" {
			label = idptype.OwnerID(id)
		}
		for _, idp := range acct.IdentityProviders {
			cs := idp.CertificateSet
			if cs == nil || idp.ReadOnly {
				continue
			}
			s := Set{
				Address:      plan.IdPAddress(id, label, idp.Name),
				AccountID:    id,
				IdP:          idp.Name,
				IdPID:        idp.ID,
				UID:          cs.UID,
				EncryptionOn: idp.EncryptionEnabled,
				Current:      report(cs.Current, now),
				Previous:     report(cs.Previous, now),
			}
			s.RotationUnderWay = s.Previous != nil
			if cs.Current != nil {
				s.pem = cs.Current.PEM
			}
			sets = append(sets, s)
		}
	}
	return sets
}

func report(c *state.LiveCertificate, now time.Time) *Certificate {
	if c == nil {
		return nil
	}
	out := &Certificate{UID: c.UID, NotAfter: c.NotAfter, DaysLeft: plan.DaysLeft(c.NotAfter, now), Fingerprint: c.SHA256}
	if facts, err := plan.ParseCertificateFacts(c.PEM); err == nil {
		out.Subject = facts.Subject
	}
	return out
}

func printText(f *cli.Factory, sets []Set) {
	if len(sets) == 0 {
		fmt.Fprintln(f.IO.Out, "No SAML encryption certificate sets.")
		return
	}
	tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IDP\tENCRYPTION CERTIFICATE\tSUBJECT\tNOT AFTER\tDAYS LEFT\tSHA-256 FINGERPRINT")
	for _, s := range sets {
		for _, c := range []struct {
			slot string
			cert *Certificate
		}{{"current", s.Current}, {"previous", s.Previous}} {
			if c.cert == nil {
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", clean(s.Address), c.slot, clean(c.cert.Subject), c.cert.NotAfter.UTC().Format(time.DateOnly), c.cert.DaysLeft, c.cert.Fingerprint)
		}
	}
	tw.Flush()
	for _, s := range sets {
		if s.RotationUnderWay {
			fmt.Fprintf(f.IO.Out, "\nRotation under way for %s: give the external IdP the current certificate (SHA-256 %s).\n", s.Address, s.Current.Fingerprint)
		}
		if !s.EncryptionOn {
			fmt.Fprintf(f.IO.Out, "\nNote: %s has a certificate set but encryption is off.\n", s.Address)
		}
	}
}

func writePEMs(dir string, sets []Set) error {
	w := &cli.PEMWriter{Dir: dir}
	for _, s := range sets {
		if s.pem == "" {
			continue
		}
		if err := w.Write(s.AccountID, s.IdP, s.pem); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}
	return nil
}

// expiringWithin names every listed certificate that expires within the
// window, expired ones included.
func expiringWithin(sets []Set, signing []plan.SigningCertificate, now time.Time, within time.Duration) []string {
	var out []string
	soon := func(t time.Time) bool { return t.Sub(now) <= within }
	for _, s := range sets {
		for _, c := range []struct {
			slot string
			cert *Certificate
		}{{"current", s.Current}, {"previous", s.Previous}} {
			if c.cert != nil && soon(c.cert.NotAfter) {
				out = append(out, fmt.Sprintf("%s encryption %s certificate: %s (%d days left)", s.Address, c.slot, c.cert.NotAfter.UTC().Format(time.DateOnly), c.cert.DaysLeft))
			}
		}
	}
	for _, c := range signing {
		if c.Error == "" && soon(c.NotAfter) {
			out = append(out, fmt.Sprintf("%s signing certificate %d (%s): %s (%d days left)", c.Address, c.Index+1, c.Source, c.NotAfter.Format(time.DateOnly), c.DaysLeft))
		}
	}
	return out
}

func printSigningText(f *cli.Factory, certs []plan.SigningCertificate) {
	if len(certs) == 0 {
		return
	}
	fmt.Fprintln(f.IO.Out)
	tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IDP\tSIGNING CERTIFICATE\tSUBJECT\tNOT AFTER\tDAYS LEFT\tSHA-256 FINGERPRINT")
	for _, c := range certs {
		slot := fmt.Sprintf("%s %d", c.Source, c.Index+1)
		if c.Error != "" {
			fmt.Fprintf(tw, "%s\t%s\t(%s)\t\t\t\n", clean(c.Address), slot, c.Error)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", clean(c.Address), slot, clean(c.Subject), c.NotAfter.Format(time.DateOnly), c.DaysLeft, c.Fingerprint)
	}
	tw.Flush()
}

func printMarkdown(f *cli.Factory, sets []Set, signing []plan.SigningCertificate, window string, expiring []string) {
	w := f.IO.Out
	cell := func(s string) string {
		return "`" + strings.NewReplacer("`", "'", "|", `\|`, "\n", " ").Replace(clean(s)) + "`"
	}
	fmt.Fprintln(w, "### SAML certificates")
	fmt.Fprintln(w)
	if window != "" {
		if len(expiring) == 0 {
			fmt.Fprintf(w, "No certificate expires within %s.\n\n", cell(window))
		} else {
			fmt.Fprintln(w, "> [!WARNING]")
			fmt.Fprintf(w, "> %s within %s:\n", plural(len(expiring), "certificate expires", "certificates expire"), cell(window))
			for _, e := range expiring {
				fmt.Fprintf(w, "> - %s\n", strings.NewReplacer("|", `\|`).Replace(clean(e)))
			}
			fmt.Fprintln(w)
		}
	}
	fmt.Fprintln(w, "| IdP | Certificate | Subject | Not after | Days left | SHA-256 fingerprint |")
	fmt.Fprintln(w, "|---|---|---|---|---:|---|")
	for _, s := range sets {
		for _, c := range []struct {
			slot string
			cert *Certificate
		}{{"encryption, current", s.Current}, {"encryption, previous", s.Previous}} {
			if c.cert != nil {
				fmt.Fprintf(w, "| %s | %s | %s | %s | %d | %s |\n", cell(s.Address), c.slot, cell(c.cert.Subject), c.cert.NotAfter.UTC().Format(time.DateOnly), c.cert.DaysLeft, cell(c.cert.Fingerprint))
			}
		}
	}
	for _, c := range signing {
		slot := fmt.Sprintf("signing %d, %s", c.Index+1, c.Source)
		if c.Error != "" {
			fmt.Fprintf(w, "| %s | %s | %s | | | |\n", cell(c.Address), slot, c.Error)
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %d | %s |\n", cell(c.Address), slot, cell(c.Subject), c.NotAfter.Format(time.DateOnly), c.DaysLeft, cell(c.Fingerprint))
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// clean makes subjects and names, which come from the API and from
// certificates, safe to print (sanitize.Text).
func clean(s string) string { return sanitize.Text(s) }
