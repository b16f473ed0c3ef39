package spmetadatacmd

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/internal/sanitize"
	"github.com/idpsync/idpsync/samlmeta"
	"github.com/idpsync/idpsync/state"
)

// Options are the inputs of one sp-metadata run.
type Options struct {
	F       *cli.Factory
	Load    cli.Load // --root, and --max-federated-idps where declared
	API     cli.API
	Paths   []string
	Account string
	IdP     string
	Out     string
}

// NewCmd returns the sp-metadata command.
func NewCmd(f *cli.Factory) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "sp-metadata --account ID|NAME --idp NAME [PATH...]",
		Short: "Write Cloudflare's SAML service-provider metadata for a SAML IdP",
		Long: `Read a SAML identity provider from the API and write the service-provider
metadata the IdP's admin needs: Cloudflare's entity id and assertion consumer
service (https://<team domain>/cdn-cgi/access/callback, the team domain being
the account's Access organization auth_domain) and, when assertion encryption
is on, the encryption certificate (both certificates while a rotation is under
way).

--account takes an account id, or an account name declared in the YAML files
given as arguments (default: the current directory).`,
		Example: `  idpsync sp-metadata --sandbox --account platform --idp Okta examples/federation.yaml
  idpsync sp-metadata --account 023e105f4ecef8ad9ca31a8372d0c353 --idp Okta --out okta-sp.xml`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			opts.Load.ReadRoot(cmd)
			return Run(cmd.Context(), opts)
		},
	}
	opts.API.AddFlags(cmd)
	fs := cmd.Flags()
	fs.StringVar(&opts.Account, "account", "", "the account, by `ID` or by a name declared in the YAML")
	fs.StringVar(&opts.IdP, "idp", "", "the SAML identity provider, by `NAME`")
	fs.StringVar(&opts.Out, "out", "", "write the metadata to `FILE` instead of standard output")
	_ = cmd.MarkFlagRequired("account")
	_ = cmd.MarkFlagRequired("idp")
	return cmd
}

var accountIDPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9a-f]{32}$`) })

// hostPattern is what an auth_domain must look like before it is put into a
// URL: a DNS name, nothing that could add a path or a port.
var hostPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$`)
})

// Run writes the metadata.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	ctx, cancel := f.CancelOnInterrupt(ctx)
	defer cancel()

	accountID := opts.Account
	if !accountIDPattern().MatchString(accountID) {
		d, err := f.LoadDesired(ctx, opts.Load, opts.Paths, false)
		if err != nil {
			return err
		}
		sel, err := cli.SelectAccounts(d, []string{opts.Account})
		if err != nil {
			return err
		}
		accountID = sel.Accounts[0].ID
		if idptype.IsZone(accountID) {
			// The encryption certificate sp-metadata publishes exists per
			// account only (see idptype/scope.go), and idpsync reads no
			// zone-level Access organization for the team domain.
			return fmt.Errorf("--account %s: names %s; sp-metadata covers account-level IdPs only", opts.Account, idptype.OwnerName(accountID))
		}
	}
	conn, err := opts.API.Connect(ctx, f)
	if err != nil {
		return err
	}
	defer conn.Close()

	// The team domain and the IdP are independent reads.
	type orgResult struct {
		org *cloudflare.AccessOrganization
		err error
	}
	orgc := make(chan orgResult, 1)
	go func() {
		org, err := conn.Client.GetAccessOrganization(ctx, accountID)
		orgc <- orgResult{org, err}
	}()
	none := func(string, *state.LiveIdP) bool { return false }
	live, err := engine.ReadLive(ctx, conn.Client, []string{accountID}, engine.ReadOptions{Managed: none, IdPsOnly: true})
	or := <-orgc
	if err != nil {
		return fmt.Errorf("read live state: %w", err)
	}
	if or.err != nil {
		return fmt.Errorf("account %s: read the Access organization: %w", accountID, or.err)
	}
	idp, err := findIdP(live.Accounts[accountID], accountID, opts.IdP)
	if err != nil {
		return err
	}
	sp, err := serviceProvider(or.org, idp)
	if err != nil {
		return fmt.Errorf("account %s: %w", accountID, err)
	}
	out, err := samlmeta.WriteSP(sp)
	if err != nil {
		return err
	}
	if opts.Out != "" {
		if err := cli.WriteFile(opts.Out, out, 0o644); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		fmt.Fprintf(f.IO.ErrOut, "Wrote the service-provider metadata of %s to %s\n", sanitize.Text(idp.Name), sanitize.Text(opts.Out))
		return nil
	}
	_, err = f.IO.Out.Write(out)
	return err
}

func findIdP(acct *state.LiveAccount, accountID, name string) (*state.LiveIdP, error) {
	var found []*state.LiveIdP
	if acct != nil {
		for _, idp := range acct.IdentityProviders {
			if idp.Name == name && !idp.ReadOnly {
				found = append(found, idp)
			}
		}
	}
	switch {
	case len(found) == 0:
		return nil, fmt.Errorf("account %s has no identity provider named %q", accountID, name)
	case len(found) > 1:
		ids := make([]string, len(found))
		for i, idp := range found {
			ids[i] = idp.ID
		}
		return nil, fmt.Errorf("account %s has %d identity providers named %q (%s); rename all but one", accountID, len(found), name, strings.Join(ids, ", "))
	case found[0].Type != idptype.SAML:
		return nil, fmt.Errorf("identity provider %q of account %s is of type %s; service-provider metadata exists for saml only", name, accountID, found[0].Type)
	}
	return found[0], nil
}

// serviceProvider builds Cloudflare's side of the IdP. Cloudflare's generic
// SAML guide (developers.cloudflare.com/cloudflare-one/integrations/
// identity-providers/generic-saml/) gives both the SP entity id and the ACS
// URL as https://<team name>.cloudflareaccess.com/cdn-cgi/access/callback;
// the team domain is the organization's auth_domain (cloudflare-go v7.9.0
// zero_trust/organization.go), which may also be a custom domain.
func serviceProvider(org *cloudflare.AccessOrganization, idp *state.LiveIdP) (samlmeta.SP, error) {
	if org == nil || !hostPattern().MatchString(org.AuthDomain) {
		return samlmeta.SP{}, errors.New("the Access organization has no usable auth_domain (team domain); set one up in Zero Trust first")
	}
	acs := "https://" + strings.ToLower(org.AuthDomain) + "/cdn-cgi/access/callback"
	sp := samlmeta.SP{EntityID: acs, ACSURL: acs}
	if !idp.EncryptionEnabled || idp.CertificateSet == nil {
		return sp, nil
	}
	for _, c := range []*state.LiveCertificate{idp.CertificateSet.Current, idp.CertificateSet.Previous} {
		if c == nil {
			continue
		}
		block, _ := pem.Decode([]byte(c.PEM))
		if block == nil {
			return sp, fmt.Errorf("encryption certificate %s of %q is not PEM", c.UID, idp.Name)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return sp, fmt.Errorf("encryption certificate %s of %q: %w", c.UID, idp.Name, err)
		}
		sp.EncryptionCerts = append(sp.EncryptionCerts, cert)
	}
	return sp, nil
}
