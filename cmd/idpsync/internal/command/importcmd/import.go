package importcmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/state"
	"github.com/idpsync/idpsync/tfimport"
)

// Options are the inputs of one import run.
type Options struct {
	F        *cli.Factory
	API      cli.API
	Accounts []string
	Zones    []string
	Out      string
	// FromTerraform is the JSON of terraform show -json to import instead
	// of live state; Grants name the IdP of a shared grant (ID=NAME).
	FromTerraform string
	Grants        []string
	// Force lets --out replace files that exist (import or --from-terraform).
	Force bool
}

// NewCmd returns the import command.
func NewCmd(f *cli.Factory) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "import (--account ID... [--zone ID...] | --from-terraform FILE --out DIR)",
		Short: "Write desired-state YAML from the live state of accounts",
		Long: `Read the live state of the given accounts and write it as desired-state YAML:
every IdP with its config, its encryption setting and its federation (grant,
share and recipients). --zone imports the zone-level IdPs of a zone under
zones:. With --out, one file per account or zone goes into DIR; without it,
one document goes to stdout.

Secrets cannot be read back, so they become ${env:...} references with
predictable names, listed at the end. Read-only connections received from
other accounts are left out, with a comment saying where they come from.

Once those variables are set, 'idpsync plan' against the imported files
reports no changes.

--from-terraform reads the JSON that 'terraform show -json' prints (of a
state, or of a saved plan) instead of live state: the identity providers of
the Cloudflare provider v4 and v5, account and zone level, in every module
and count or for_each instance, and the v5 shares of their federation
grants. It writes the YAML and idpsync-removed.tf into --out: one removed
block per resource, so that Terraform forgets them without destroying them
(Terraform or OpenTofu 1.7+); it prints the equivalent 'terraform state rm'
commands, every attribute it did not carry over and why, and whatever the
YAML cannot make plan clean. No secret of the state is written or printed.`,
		Example: `  idpsync import --account 023e105f4ecef8ad9ca31a8372d0c353 --out idp/
  terraform show -json | idpsync import --from-terraform - --out idp/
  idpsync import --sandbox --account 023e105f4ecef8ad9ca31a8372d0c353`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return Run(cmd.Context(), opts)
		},
	}
	opts.API.AddFlags(cmd)
	cmd.Flags().StringArrayVar(&opts.Accounts, "account", nil, "import this account `ID` (repeatable)")
	cmd.Flags().StringArrayVar(&opts.Zones, "zone", nil, "import the zone-level identity providers of this zone `ID` (repeatable)")
	cmd.Flags().StringVar(&opts.Out, "out", "", "write one file per account or zone into `DIR` instead of stdout")
	cmd.Flags().StringVar(&opts.FromTerraform, "from-terraform", "", "import from the output of terraform show -json in `FILE` (- for standard input) instead of live state (needs --out)")
	cmd.Flags().StringArrayVar(&opts.Grants, "grant", nil, "with --from-terraform, the IdP a shared federation grant is of, as `GRANT_ID=IDP_NAME` (repeatable)")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "replace files that exist in --out")
	return cmd
}

var hex32 = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9a-f]{32}$`) })

// Run imports.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	if opts.FromTerraform != "" {
		return runTerraform(ctx, opts)
	}
	if len(opts.Grants) > 0 {
		return fmt.Errorf("--grant applies to --from-terraform only")
	}
	if len(opts.Accounts)+len(opts.Zones) == 0 {
		return fmt.Errorf("give at least one --account ID or --zone ID")
	}
	owners := append([]string(nil), opts.Accounts...)
	for _, id := range opts.Accounts {
		if !hex32().MatchString(id) {
			return fmt.Errorf("--account %q: expected an account id of 32 lowercase hex characters", id)
		}
	}
	for _, id := range opts.Zones {
		if !hex32().MatchString(id) {
			return fmt.Errorf("--zone %q: expected a zone id of 32 lowercase hex characters", id)
		}
		owners = append(owners, idptype.ZoneKey(id))
	}
	ctx, cancel := f.CancelOnInterrupt(ctx)
	defer cancel()
	conn, err := opts.API.Connect(ctx, f)
	if err != nil {
		return err
	}
	defer conn.Close()
	live, err := engine.ReadLive(ctx, conn.Client, owners, engine.ReadOptions{})
	if err != nil {
		return fmt.Errorf("read live state: %w", err)
	}

	var secrets []secretVar
	var docs []*yaml.Node
	for _, id := range owners {
		acct, s := accountNode(live.Accounts[id], nil)
		secrets = append(secrets, s...)
		docs = append(docs, acct)
	}

	if err := checkSecretNames(secrets); err != nil {
		return err
	}

	if opts.Out == "" {
		if err := writeDoc(f.IO.Out, docs, owners); err != nil {
			return err
		}
	} else {
		if err := cli.CheckOutDir("--out", opts.Out); err != nil {
			return err
		}
		paths := make([]string, len(owners))
		for i, id := range owners {
			name := id + ".yaml"
			if idptype.IsZone(id) {
				name = "zone-" + idptype.OwnerID(id) + ".yaml"
			}
			// Account and zone ids come from the API: one that is not a
			// plain file name must not place a file outside --out.
			if filepath.Base(name) != name || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
				return fmt.Errorf("--out: owner id %q is not usable in a file name", id)
			}
			paths[i] = filepath.Join(opts.Out, name)
		}
		if err := cli.RefuseOverwrite("--out", opts.Force, paths...); err != nil {
			return err
		}
		if err := os.MkdirAll(opts.Out, 0o755); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		for i, path := range paths {
			var b strings.Builder
			if err := writeDoc(&b, docs[i:i+1], owners[i:i+1]); err != nil {
				return err
			}
			if err := cli.WriteFile(path, []byte(b.String()), 0o644); err != nil {
				return fmt.Errorf("--out: %w", err)
			}
			fmt.Fprintf(f.IO.ErrOut, "Wrote %s\n", path)
		}
	}
	if len(secrets) > 0 {
		fmt.Fprintln(f.IO.ErrOut, "\nSecrets cannot be read back from the API. Set these variables before plan or apply:")
		printSecrets(f.IO.ErrOut, secrets)
	}
	return nil
}

// printSecrets lists the variables to set. Where a secret belongs names an
// IdP, whose name comes from the API or a state file: it is made safe for
// a terminal.
func printSecrets(w io.Writer, secrets []secretVar) {
	for _, s := range secrets {
		fmt.Fprintf(w, "  %s  (%s)\n", s.name, tfimport.Clean(s.where))
	}
}

type secretVar struct{ name, where string }

// checkSecretNames refuses, before anything is written, two secrets that
// would be read from one variable: IdP names that differ only in punctuation
// or case ("Okta Prod", "okta-prod") map to the same name, and one of the
// IdPs would silently get the other's secret.
func checkSecretNames(secrets []secretVar) error {
	seen := map[string]string{}
	for _, s := range secrets {
		if first, dup := seen[s.name]; dup {
			return fmt.Errorf("%s and %s would both read their secret from %s; rename one of the identity providers, then import again", first, s.where, s.name)
		}
		seen[s.name] = s.where
	}
	return nil
}

const modeline = "# yaml-language-server: $schema=https://raw.githubusercontent.com/idpsync/idpsync/main/schemas/idpsync.schema.json"

// writeDoc writes one document of the accounts and zones given, each node
// with its owner key, zones under zones:.
func writeDoc(w interface{ Write([]byte) (int, error) }, nodes []*yaml.Node, owners []string) error {
	accounts := &yaml.Node{Kind: yaml.SequenceNode}
	zones := &yaml.Node{Kind: yaml.SequenceNode}
	for i, n := range nodes {
		if idptype.IsZone(owners[i]) {
			zones.Content = append(zones.Content, n)
		} else {
			accounts.Content = append(accounts.Content, n)
		}
	}
	root := mapping("version", scalar("1", "!!int"))
	if len(accounts.Content) > 0 {
		root.Content = append(root.Content, scalar("accounts", ""), accounts)
	}
	if len(zones.Content) > 0 {
		root.Content = append(root.Content, scalar("zones", ""), zones)
	}
	root.HeadComment = modeline + "\n# Written by idpsync import."
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return fmt.Errorf("write YAML: %w", err)
	}
	return enc.Close()
}

// accountNode renders one account or zone. refs, when given, holds per IdP
// id the config values to write as they are (references the caller chose),
// instead of the live ones.
func accountNode(a *state.LiveAccount, refs map[string]map[string]any) (*yaml.Node, []secretVar) {
	idps := &yaml.Node{Kind: yaml.SequenceNode, Style: 0}
	var secrets []secretVar
	names := map[string]int{}
	for _, idp := range a.IdentityProviders {
		if !idp.ReadOnly {
			names[idp.Name]++
		}
	}
	var received []string
	for _, idp := range a.IdentityProviders {
		if idp.ReadOnly {
			from := "another account"
			if idp.Received != nil && idp.Received.FromAccount != "" {
				from = "account " + idp.Received.FromAccount
			}
			received = append(received, fmt.Sprintf("%q (%s), received from %s and managed there", idp.Name, idp.Type, from))
			continue
		}
		n, s := idpNode(a.ID, idp, names[idp.Name] > 1, refs[idp.ID])
		idps.Content = append(idps.Content, n)
		secrets = append(secrets, s...)
	}
	if len(idps.Content) == 0 {
		idps.Style = yaml.FlowStyle
	}
	acct := mapping("id", scalar(idptype.OwnerID(a.ID), ""))
	if a.Organization != "" && !idptype.IsZone(a.ID) {
		acct.Content = append(acct.Content, scalar("organization", ""), scalar(a.Organization, ""))
	}
	key := scalar("identity_providers", "")
	if len(received) > 0 {
		key.HeadComment = "Read-only connections, left out:\n  " + strings.Join(received, "\n  ")
	}
	acct.Content = append(acct.Content, key, idps)
	return acct, secrets
}

func idpNode(accountID string, idp *state.LiveIdP, pin bool, refs map[string]any) (*yaml.Node, []secretVar) {
	n := mapping("name", scalar(idp.Name, ""))
	if pin {
		n.Content = append(n.Content, scalar("id", ""), scalar(idp.ID, ""))
	}
	n.Content = append(n.Content, scalar("type", ""), scalar(idp.Type, ""))
	t := idptype.Types[idp.Type]
	config := mapping()
	var secrets []secretVar
	for _, field := range t.Fields {
		if field.ReadOnly || field.Name == "enable_encryption" {
			continue
		}
		if field.WriteOnly {
			name := envName(accountID, idp.Name, field.Name)
			secrets = append(secrets, secretVar{name, fmt.Sprintf("%s: config.%s", idp.Name, field.Name)})
			config.Content = append(config.Content, scalar(field.Name, ""), scalar("${env:"+name+"}", "!!str"))
			continue
		}
		if ref, ok := refs[field.Name]; ok {
			config.Content = append(config.Content, scalar(field.Name, ""), refValue(ref))
			continue
		}
		v, ok := idp.Config[field.Name]
		if !ok || v == nil || (field.DefaultFalse && v == false) {
			continue
		}
		config.Content = append(config.Content, scalar(field.Name, ""), value(v))
	}
	if len(config.Content) == 0 {
		config.Style = yaml.FlowStyle
	}
	n.Content = append(n.Content, scalar("config", ""), config)
	if scim := scimNode(idp); scim != nil {
		n.Content = append(n.Content, scalar("scim_config", ""), scim)
	}
	if idp.Type == idptype.SAML && idp.EncryptionEnabled {
		n.Content = append(n.Content, scalar("encryption", ""), mapping("enabled", scalar("true", "!!bool")))
	}
	if fed := federation(idp); fed != nil {
		n.Content = append(n.Content, scalar("federation", ""), fed)
	}
	return n, secrets
}

// scimNode renders the writable scim_config keys whose live value is not
// the API's default; nil when all are. The base URL and the secret are the
// server's (and the secret is never returned after the first time).
func scimNode(idp *state.LiveIdP) *yaml.Node {
	if !idptype.SCIMCapable(idp.Type) {
		return nil
	}
	n := mapping()
	for _, f := range idptype.SCIMFields {
		if f.ReadOnly {
			continue
		}
		v, ok := idp.SCIMConfig[f.Name]
		if !ok || v == nil || v == idptype.SCIMDefault(f.Name) {
			continue
		}
		n.Content = append(n.Content, scalar(f.Name, ""), value(v))
	}
	if len(n.Content) == 0 {
		return nil
	}
	return n
}

// federation renders the IdP's share, when its grant has one: the whole
// organization, or the accounts that are (or are becoming) recipients.
func federation(idp *state.LiveIdP) *yaml.Node {
	if idp.Grant == nil || idp.Grant.Share == nil {
		return nil
	}
	sh := idp.Grant.Share
	with := &yaml.Node{Kind: yaml.SequenceNode}
	if sh.TargetType == idptype.TargetOrganization {
		with.Content = append(with.Content, mapping("organization", scalar("true", "!!bool")))
	} else {
		var accounts []string
		for _, r := range sh.Recipients {
			if r.Status == idptype.Associated || r.Status == idptype.Associating {
				accounts = append(accounts, r.AccountID)
			}
		}
		if len(accounts) == 0 {
			// A share with no recipient left: the file format has no empty
			// share_with (it refuses one), so there is nothing to declare.
			return nil
		}
		sort.Strings(accounts)
		for _, acct := range accounts {
			with.Content = append(with.Content, mapping("account", scalar(acct, "")))
		}
	}
	return mapping("share_with", with)
}

// refValue writes a reference (or a list of them) as it is.
func refValue(v any) *yaml.Node {
	if l, ok := v.([]any); ok {
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, item := range l {
			seq.Content = append(seq.Content, refValue(item))
		}
		return seq
	}
	return scalar(fmt.Sprint(v), "!!str")
}

var nonAlnum = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^A-Z0-9]+`) })

// envName is the variable a secret is read from: predictable from the
// account and IdP, so that a CI secret can be named before the import runs.
func envName(accountID, idpName, field string) string {
	name := strings.Trim(nonAlnum().ReplaceAllString(strings.ToUpper(idpName), "_"), "_")
	// The whole account id: two accounts may share any prefix of it. A
	// zone's id is marked as one, as an account may have the same id.
	owner := strings.ToUpper(idptype.OwnerID(accountID))
	if idptype.IsZone(accountID) {
		owner = "ZONE_" + owner
	}
	return fmt.Sprintf("IDPSYNC_%s_%s_%s", owner, name, strings.ToUpper(field))
}

func scalar(v, tag string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Value: v, Tag: tag}
	if tag == "" {
		n.Tag = "!!str"
	}
	if strings.Contains(v, "\n") {
		n.Style = yaml.LiteralStyle
	}
	return n
}

func mapping(kv ...any) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(kv); i += 2 {
		n.Content = append(n.Content, scalar(kv[i].(string), ""), kv[i+1].(*yaml.Node))
	}
	return n
}

// value turns a canonical JSON value into a node of the same type. A string
// is a literal: a "${" in it is written "$${", so that a value read from
// the API or a state file can never become a reference when the YAML loads.
func value(v any) *yaml.Node {
	switch x := v.(type) {
	case string:
		return scalar(strings.ReplaceAll(x, "${", "$${"), "!!str")
	case bool:
		return scalar(fmt.Sprint(x), "!!bool")
	case float64:
		if x == float64(int64(x)) {
			return scalar(fmt.Sprint(int64(x)), "!!int")
		}
		return scalar(fmt.Sprint(x), "!!float")
	case []any:
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, item := range x {
			seq.Content = append(seq.Content, value(item))
		}
		return seq
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		m := &yaml.Node{Kind: yaml.MappingNode}
		for _, k := range keys {
			m.Content = append(m.Content, scalar(k, ""), value(x[k]))
		}
		return m
	}
	return scalar(fmt.Sprint(v), "!!str")
}
