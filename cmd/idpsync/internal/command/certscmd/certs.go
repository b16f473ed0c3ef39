// Package certscmd implements `idpsync certs`: the SAML encryption
// certificates that the external identity providers must be given.
package certscmd

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/state"
)

// Options are the inputs of one certs run.
type Options struct {
	F        *cli.Factory
	API      cli.API
	Paths    []string
	Accounts []string
	Out      string
	Output   string
}

// NewCmd returns the certs command.
func NewCmd(f *cli.Factory) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "certs [PATH...]",
		Short: "List the SAML encryption certificates and write their PEM files",
		Long: `List every SAML encryption certificate set of the declared accounts (or of
the accounts given with --account): its IdP, the current and previous
certificate, their expiry, days left and SHA-256 fingerprint, and whether a
rotation is under way (a previous certificate still exists, so the external
IdP must be given the new one).

--out writes each current certificate as PEM, ready for the external IdP.`,
		Example: `  idpsync certs --sandbox examples/federation.yaml
  idpsync certs --account 023e105f4ecef8ad9ca31a8372d0c353 --out certs/
  idpsync certs --output json idp/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			return Run(cmd.Context(), opts)
		},
	}
	opts.API.AddFlags(cmd)
	fs := cmd.Flags()
	fs.StringArrayVar(&opts.Accounts, "account", nil, "list this account `ID` instead of the declared ones (repeatable)")
	fs.StringVar(&opts.Out, "out", "", "write each current certificate as PEM into `DIR`")
	fs.StringVarP(&opts.Output, "output", "o", "text", "output format: text or json")
	return cmd
}

// Certificate is one certificate of a set, as reported.
type Certificate struct {
	UID         string    `json:"uid"`
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
	if err := cli.CheckOutput(opts.Output, "text", "json"); err != nil {
		return err
	}
	ctx, cancel := f.CancelOnInterrupt(ctx)
	defer cancel()

	accounts := opts.Accounts
	labels := map[string]string{}
	if len(accounts) == 0 {
		d, err := f.LoadDesired(ctx, opts.Paths, false)
		if err != nil {
			return err
		}
		for _, a := range d.Accounts {
			accounts = append(accounts, a.ID)
			labels[a.ID] = a.Label()
		}
	}
	conn, err := opts.API.Connect(ctx, f)
	if err != nil {
		return err
	}
	defer conn.Close()
	// Certificates live on the IdP objects; recipients are not needed.
	none := func(string, *state.LiveIdP) bool { return false }
	live, err := engine.ReadLive(ctx, conn.Client, accounts, engine.ReadOptions{Managed: none})
	if err != nil {
		return fmt.Errorf("read live state: %w", err)
	}
	sets := collect(live, accounts, labels, f.APINow(conn))
	if opts.Out != "" {
		if err := writePEMs(opts.Out, sets); err != nil {
			return err
		}
	}
	if opts.Output == "json" {
		b, err := json.Marshal(map[string]any{"certificate_sets": sets})
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(f.IO.Out, "%s\n", b)
		return err
	}
	printText(f, sets)
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
			label = id
		}
		for _, idp := range acct.IdentityProviders {
			cs := idp.CertificateSet
			if cs == nil || idp.ReadOnly {
				continue
			}
			s := Set{
				Address:      plan.IdPAddress(label, idp.Name),
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
	return &Certificate{UID: c.UID, NotAfter: c.NotAfter, DaysLeft: int(c.NotAfter.Sub(now).Hours() / 24), Fingerprint: c.SHA256}
}

func printText(f *cli.Factory, sets []Set) {
	if len(sets) == 0 {
		fmt.Fprintln(f.IO.Out, "No SAML encryption certificate sets.")
		return
	}
	tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IDP\tCERTIFICATE\tNOT AFTER\tDAYS LEFT\tSHA-256 FINGERPRINT")
	for _, s := range sets {
		for _, c := range []struct {
			slot string
			cert *Certificate
		}{{"current", s.Current}, {"previous", s.Previous}} {
			if c.cert == nil {
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", s.Address, c.slot, c.cert.NotAfter.UTC().Format(time.DateOnly), c.cert.DaysLeft, c.cert.Fingerprint)
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
