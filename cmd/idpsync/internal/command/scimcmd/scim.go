// Package scimcmd implements `idpsync scim`: for the person configuring
// provisioning in Okta or Entra, whether SCIM is on for each identity
// provider and the SCIM base URL the external IdP pushes to. It never shows
// the SCIM secret: the API does not return it after the first time, and
// apply writes that one to a file under --secrets-out.
package scimcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/internal/sanitize"
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

The SCIM secret is never shown: the API returns it once, when SCIM is first
enabled, and apply writes it to a file under --secrets-out DIR.
'idpsync apply --rotate-scim-secret ADDRESS --secrets-out DIR' makes a new one.`,
		Example: `  idpsync scim --sandbox examples/minimal.yaml
  idpsync scim --account 023e105f4ecef8ad9ca31a8372d0c353 --output json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			opts.Load.ReadRoot(cmd)
			return Run(cmd.Context(), opts)
		},
	}
	opts.API.AddFlags(cmd)
	opts.Listed.AddFlags(cmd)
	cli.OutputFlag(cmd, &opts.Output, "output format: text or json", render.FormatText, render.FormatJSON)
	return cmd
}

// Entry is one IdP, as reported.
type Entry struct {
	Address                string `json:"address"`
	AccountID              string `json:"account_id"`
	IdP                    string `json:"idp"`
	IdPID                  string `json:"idp_id"`
	Type                   string `json:"type"`
	Enabled                bool   `json:"enabled"`
	BaseURL                string `json:"scim_base_url,omitempty"`
	UserDeprovision        bool   `json:"user_deprovision"`
	SeatDeprovision        bool   `json:"seat_deprovision"`
	IdentityUpdateBehavior string `json:"identity_update_behavior,omitempty"`
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
	entries := collect(live, accounts, labels)
	if opts.Output == render.FormatJSON {
		if entries == nil {
			entries = []Entry{}
		}
		b, err := json.Marshal(struct {
			IdentityProviders []Entry `json:"identity_providers"`
		}{entries})
		if err != nil {
			return err
		}
		fmt.Fprintf(f.IO.Out, "%s\n", sanitize.JSON(b))
		return nil
	}
	if len(entries) == 0 {
		fmt.Fprintln(f.IO.Out, "No identity providers.")
		return nil
	}
	w := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "IDP\tSCIM\tBASE URL\tUSER DEPROVISION\tSEAT DEPROVISION\tIDENTITY UPDATE")
	for _, e := range entries {
		if !e.Enabled {
			fmt.Fprintf(w, "%s\t-\t%s\t\t\t\n", render.Clean(e.Address), render.Clean(orDash(e.BaseURL)))
			continue
		}
		fmt.Fprintf(w, "%s\ton\t%s\t%v\t%v\t%s\n", render.Clean(e.Address), render.Clean(orDash(e.BaseURL)), e.UserDeprovision, e.SeatDeprovision, render.Clean(orDash(e.IdentityUpdateBehavior)))
	}
	return w.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// collect lists the IdPs of the accounts in address order. Read-only
// federated connections are left out: their SCIM belongs to the source.
func collect(live *state.Live, accounts []string, labels map[string]string) []Entry {
	var out []Entry
	for _, id := range accounts {
		la := live.Accounts[id]
		if la == nil {
			continue
		}
		label := labels[id]
		if label == "" {
			label = idptype.OwnerID(id)
		}
		for _, l := range la.IdentityProviders {
			if l.ReadOnly {
				continue
			}
			e := Entry{
				Address: plan.IdPAddress(id, label, l.Name), AccountID: id, IdP: l.Name, IdPID: l.ID, Type: l.Type,
				Enabled: scimOn(l),
			}
			e.BaseURL, _ = l.SCIMConfig["scim_base_url"].(string)
			e.UserDeprovision, _ = l.SCIMConfig["user_deprovision"].(bool)
			e.SeatDeprovision, _ = l.SCIMConfig["seat_deprovision"].(bool)
			e.IdentityUpdateBehavior, _ = l.SCIMConfig["identity_update_behavior"].(string)
			out = append(out, e)
		}
	}
	return out
}

func scimOn(l *state.LiveIdP) bool {
	on, _ := l.SCIMConfig["enabled"].(bool)
	return on
}
