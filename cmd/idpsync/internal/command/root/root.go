package root

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/cmd/idpsync/internal/command/applycmd"
	"github.com/idpsync/idpsync/cmd/idpsync/internal/command/certscmd"
	"github.com/idpsync/idpsync/cmd/idpsync/internal/command/doctorcmd"
	"github.com/idpsync/idpsync/cmd/idpsync/internal/command/driftcmd"
	"github.com/idpsync/idpsync/cmd/idpsync/internal/command/emulatorcmd"
	"github.com/idpsync/idpsync/cmd/idpsync/internal/command/importcmd"
	"github.com/idpsync/idpsync/cmd/idpsync/internal/command/plancmd"
	"github.com/idpsync/idpsync/cmd/idpsync/internal/command/policycmd"
	"github.com/idpsync/idpsync/cmd/idpsync/internal/command/schemacmd"
	"github.com/idpsync/idpsync/cmd/idpsync/internal/command/scimcmd"
	"github.com/idpsync/idpsync/cmd/idpsync/internal/command/spmetadatacmd"
	"github.com/idpsync/idpsync/cmd/idpsync/internal/command/validatecmd"
	"github.com/idpsync/idpsync/cmd/idpsync/internal/command/versioncmd"
	"github.com/idpsync/idpsync/internal/sanitize"
	"github.com/idpsync/idpsync/policy"
	"github.com/idpsync/idpsync/policy/rego"
)

// subcommand builds one of idpsync's commands.
type subcommand struct {
	name  string // the first word of its Use
	build func(*cli.Factory) *cobra.Command
}

var subcommands = []subcommand{
	{"validate", validatecmd.NewCmd},
	{"plan", plancmd.NewCmd},
	{"apply", applycmd.NewCmd},
	{"drift", driftcmd.NewCmd},
	{"import", importcmd.NewCmd},
	{"certs", certscmd.NewCmd},
	{"scim", scimcmd.NewCmd},
	{"sp-metadata", spmetadatacmd.NewCmd},
	{"policy", policycmd.NewCmd},
	{"doctor", doctorcmd.NewCmd},
	{"schema", func(f *cli.Factory) *cobra.Command { return schemacmd.NewCmd(f.IO) }},
	{"emulator", func(f *cli.Factory) *cobra.Command { return emulatorcmd.NewCmd(f.IO) }},
	{"version", versioncmd.NewCmd},
}

// NewCmd returns the root command with every subcommand.
func NewCmd(f *cli.Factory) *cobra.Command { return newCmd(f, "") }

// NewCmdFor returns the tree Main builds to run args (the arguments after
// the program's name): the command the first one names alone, else the
// whole tree. Either answers args the same way.
func NewCmdFor(f *cli.Factory, args []string) *cobra.Command {
	return newCmd(f, onlyCommand(args))
}

// newCmd returns the root command with every subcommand or, when only names
// one, with that one alone. Its commands load --policy directories with
// package rego unless f already says how.
func newCmd(f *cli.Factory, only string) *cobra.Command {
	if f.LoadPolicy == nil {
		f.LoadPolicy = loadPolicy
	}
	cmd := &cobra.Command{
		Use:   "idpsync",
		Short: "Manage Cloudflare Access identity providers as code",
		Long: `idpsync reconciles Cloudflare Access identity providers, their SAML
encryption certificates and their federation to other accounts of the
organization with a declarative YAML file.

  validate     check the YAML, offline
  plan         show what would change
  apply        change live state to match
  drift        report how live state has drifted
  import       write YAML from the live state of existing accounts
  certs        list SAML certificates and when they expire; write their PEM files
  scim         list SCIM provisioning per IdP and its SCIM base URL
  sp-metadata  write Cloudflare's SAML service-provider metadata for an IdP

Every command that talks to the API takes --sandbox, which runs it against a
built-in emulator of the Cloudflare API, with no account and no credentials.

Exit status: 0 success or no changes, 1 error, 2 changes (plan
--detailed-exitcode), drift, or a certificate expiring (certs
--expiring-within), 3 apply would refuse the plan (plan --fail-on-blockers).`,
		Example: `  idpsync validate examples/split/
  idpsync plan --sandbox examples/federation.yaml
  idpsync apply --sandbox examples/federation.yaml --auto-approve`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       f.Version,
	}
	cmd.PersistentFlags().String("root", "", "read ${file:...} only inside `DIR` (default: the top of the git work tree holding the configuration, else its directory)")
	cmd.SetIn(f.IO.In)
	cmd.SetOut(f.IO.Out)
	cmd.SetErr(f.IO.ErrOut)
	for _, sub := range subcommands {
		if only == "" || sub.name == only {
			cmd.AddCommand(sub.build(f))
		}
	}
	return cmd
}

// loadPolicy is the Factory's LoadPolicy: the one place the commands reach
// Open Policy Agent, so that only this package (and what links it) pays
// for linking it.
func loadPolicy(dir string) (policy.Evaluator, error) {
	r, err := rego.LoadDir(dir)
	if err != nil {
		return nil, err // not a nil *rego.Policies, which is a non-nil Evaluator
	}
	return r, nil
}

// onlyCommand is the subcommand the arguments run when the first one names
// it, else "". A process runs one command, and building the others' flag
// sets is about a millisecond of every start; anything else (help,
// completion, a flag first, a misspelt command to suggest the right one
// for) gets the whole tree.
func onlyCommand(args []string) string {
	if len(args) == 0 {
		return ""
	}
	for _, sub := range subcommands {
		if sub.name == args[0] {
			return sub.name
		}
	}
	return ""
}

// Main runs idpsync with the process's arguments and returns its exit code.
func Main() int {
	version, commit := cli.BuildInfo()
	f := cli.NewFactory(version, commit)

	// The first Ctrl-C asks commands to stop gracefully; the second cancels.
	interrupt := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		<-sigs
		close(interrupt)
		fmt.Fprintln(f.IO.ErrOut, "\nInterrupted: stopping once the requests in flight finish; press Ctrl-C again to abort.")
		<-sigs
		cancel()
	}()
	f.Interrupt = interrupt

	cmd := NewCmdFor(f, os.Args[1:])
	err := cmd.ExecuteContext(ctx)
	switch {
	case err == nil || cli.Reported(err):
	case interrupted(interrupt) && errors.Is(err, context.Canceled):
		// The cancellation surfaces wrapped in whatever stage it stopped
		// (loading, a request); the user asked for it, so say that instead.
		fmt.Fprintln(f.IO.ErrOut, "Error: interrupted")
	default:
		// Errors carry the API's messages and file names: the last line of
		// defence before the terminal or the CI log.
		fmt.Fprintf(f.IO.ErrOut, "Error: %s\n", sanitize.Lines(err.Error()))
	}
	return cli.ExitCode(err)
}

// interrupted says whether a SIGINT or SIGTERM has arrived.
func interrupted(interrupt <-chan struct{}) bool {
	select {
	case <-interrupt:
		return true
	default:
		return false
	}
}
