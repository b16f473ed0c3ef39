package emulatorcmd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/emulator"
)

const defaultListen = "127.0.0.1:8787"

type options struct {
	listen       string
	data         string
	token        string
	email, key   string
	autoAccounts bool
	latency      time.Duration
	rateLimit    string
	faults       float64
	asyncDelay   time.Duration
	maxFederated int
	maxPerPage   int
	shareAuth    string
	tokenLacks   []string
	lenient      emulator.Leniency
	seed         int64
}

// NewCmd returns the emulator command.
func NewCmd(ios *cli.IOStreams) *cobra.Command {
	o := &options{}
	cmd := &cobra.Command{
		Use:   "emulator",
		Short: "Serve a local emulator of the Cloudflare API subset idpsync manages",
		Long: `Serve a local emulator of the Cloudflare API endpoints idpsync uses: Access
identity providers, SAML encryption certificate sets, IdP federation grants and
resource-sharing shares. Point idpsync at the printed base URL to plan and apply
without touching a real Cloudflare account.

State lives in memory, or in the --data file, which is written atomically after
every change and holds client secrets (mode 0600). Requests authenticate with a
bearer token (--token, or one generated and printed at start) or with --email
and --key.

The emulator is as strict as the strictest of Cloudflare's published sources:
the /shares endpoints refuse API tokens (--share-auth token accepts them), an
account has no Access organization until one is created, total_count counts
the whole collection whatever the filters, per_page is held to the API
reference's maxima, and total_pages is reported only where the SDK declares it.
Each leniency is a flag (--lenient-total-count, --lenient-per-page,
--auto-access-organization, --total-pages), and --token-lacks makes the token
lack a permission, answered 403.

The emulator can misbehave on purpose: --latency delays every request,
--rate-limit refuses requests beyond a budget per window with 429, --faults
fails that share of requests with 500, 502, 503, 429 or a dropped connection
(half of the failed writes are committed anyway), and --async-delay stretches
share and recipient transitions. GET /__emulator/stats counts requests; POST
/__emulator/clock with {"advance":"720h"} moves the emulator clock.

It listens on loopback unless --listen names another address; it stops on
SIGINT or SIGTERM.`,
		Example: `  # In-memory emulator with a generated token
  idpsync emulator

  # Persistent state, a fixed token, accounts created on first use
  idpsync emulator --data emu.json --token dev-token --auto-accounts

  # Cloudflare's real rate limit, flaky network and slow reconciliation
  idpsync emulator --rate-limit 1200/5m --faults 0.2 --latency 50ms --async-delay 2s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return run(cmd.Context(), ios, o, cmd.Flags().Changed("listen"))
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", defaultListen, "address to listen on (host:port)")
	f.StringVar(&o.data, "data", "", "JSON data file to load and keep up to date (default: in memory)")
	f.StringVar(&o.token, "token", "", "accepted API token (default: generate one and print it)")
	f.StringVar(&o.email, "email", "", "accepted X-Auth-Email, with --key")
	f.StringVar(&o.key, "key", "", "accepted X-Auth-Key, with --email")
	f.BoolVar(&o.autoAccounts, "auto-accounts", false, "create unknown accounts on first use, in organization "+emulator.SandboxOrganizationID)
	f.DurationVar(&o.latency, "latency", 0, "delay added to every request")
	f.StringVar(&o.rateLimit, "rate-limit", "", "request budget per window, e.g. 1200/5m (default: unlimited)")
	f.Float64Var(&o.faults, "faults", 0, "share of requests that fail at random, 0 to 1")
	f.DurationVar(&o.asyncDelay, "async-delay", 0, "time share and recipient transitions take")
	f.IntVar(&o.maxFederated, "max-federated-idps", 5, "IdP federation grants allowed per account")
	f.IntVar(&o.maxPerPage, "max-per-page", 0, "serve at most this many objects a page, whatever per_page asks, as a real server may (default: as asked)")
	f.StringVar(&o.shareAuth, "share-auth", "key", "what the /shares endpoints accept: key (X-Auth-Email and X-Auth-Key only, as documented) or token (API tokens too, a leniency)")
	f.StringSliceVar(&o.tokenLacks, "token-lacks", nil, "`SCOPE`s the API token lacks, answered 403: account, access, apps, shares, or SCOPE:write for its writes only (repeatable)")
	f.BoolVar(&o.lenient.FilteredTotalCount, "lenient-total-count", false, "leniency: result_info.total_count counts what filters matched, not the whole collection")
	f.BoolVar(&o.lenient.PerPage, "lenient-per-page", false, "leniency: accept per_page up to the extracted OpenAPI document's maxima (certificate sets: 1000, not the API reference's 100)")
	f.BoolVar(&o.lenient.AccessOrganization, "auto-access-organization", false, "leniency: every account has an Access organization from the start")
	f.BoolVar(&o.lenient.TotalPages, "total-pages", false, "leniency: every list reports result_info.total_pages")
	f.Int64Var(&o.seed, "seed", 0, "seed of the fault generator (default: random)")
	return cmd
}

func run(ctx context.Context, ios *cli.IOStreams, o *options, listenGiven bool) error {
	if ctx == nil {
		ctx = context.Background()
	}
	loopback, err := isLoopback(o.listen)
	if err != nil {
		return err
	}
	if !loopback && !listenGiven {
		return fmt.Errorf("refusing to listen on %s, which is not a loopback address; pass --listen explicitly to do so", o.listen)
	}
	if (o.email == "") != (o.key == "") {
		return errors.New("--email and --key go together")
	}
	rl, err := emulator.ParseRateLimit(o.rateLimit)
	if err != nil {
		return err
	}
	if o.maxFederated < 1 {
		return fmt.Errorf("--max-federated-idps must be at least 1, got %d", o.maxFederated)
	}
	if o.maxPerPage < 0 {
		return fmt.Errorf("--max-per-page must not be negative, got %d", o.maxPerPage)
	}
	switch o.shareAuth {
	case "key":
	case "token":
		o.lenient.ShareTokens = true
	default:
		return fmt.Errorf("--share-auth must be key or token, got %q", o.shareAuth)
	}
	var lacks []emulator.Scope
	for _, s := range o.tokenLacks {
		lacks = append(lacks, emulator.Scope(s))
	}
	generated := o.token == ""
	token := o.token
	if generated {
		token, err = newToken()
		if err != nil {
			return err
		}
	}
	opts := emulator.Options{
		DataFile:         o.data,
		Tokens:           []string{token},
		AutoAccounts:     o.autoAccounts,
		MaxFederatedIdPs: o.maxFederated,
		MaxPerPage:       o.maxPerPage,
		TokenLacks:       lacks,
		Lenient:          o.lenient,
		AsyncDelay:       o.asyncDelay,
		Latency:          o.latency,
		RateLimit:        rl,
		Faults:           o.faults,
		Seed:             o.seed,
	}
	if o.email != "" {
		opts.Keys = []emulator.APIKey{{Email: o.email, Key: o.key}}
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := emulator.Start(opts, o.listen)
	if err != nil {
		return err
	}

	if !loopback {
		fmt.Fprintf(ios.ErrOut, "warning: listening on %s, which other machines may reach; the emulator is meant for local use\n", srv.Addr)
	}
	fmt.Fprintf(ios.Out, "Cloudflare API emulator listening on %s\n", srv.URL)
	if generated {
		fmt.Fprintf(ios.Out, "Authenticate with: Authorization: Bearer %s\n", token)
	} else {
		fmt.Fprintln(ios.Out, "Authenticate with: Authorization: Bearer <the token given with --token>")
	}
	if o.email != "" {
		fmt.Fprintf(ios.Out, "            or: X-Auth-Email: %s and X-Auth-Key: <the key given with --key>\n", o.email)
	}
	if !o.lenient.ShareTokens {
		fmt.Fprintln(ios.Out, "The /shares endpoints accept only X-Auth-Email and X-Auth-Key, as documented (--email and --key; --share-auth token lifts this)")
	}
	if o.autoAccounts {
		fmt.Fprintf(ios.Out, "Accounts are created on first use, in organization %s (declare it as organization: in your files)\n", srv.Emulator.AutoAccountOrganization())
	}
	if o.data != "" {
		fmt.Fprintf(ios.Out, "State is kept in %s\n", o.data)
	} else {
		fmt.Fprintln(ios.Out, "State is kept in memory and lost on exit")
	}
	fmt.Fprintln(ios.Out, "Press Ctrl-C to stop.")

	<-ctx.Done()
	if err := srv.Close(); err != nil {
		return fmt.Errorf("shut down the emulator: %w", err)
	}
	fmt.Fprintln(ios.ErrOut, "emulator stopped")
	return nil
}

// isLoopback reports whether a listen address stays on this machine. An empty
// host listens on every interface, so it is not loopback.
func isLoopback(listen string) (bool, error) {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false, fmt.Errorf("--listen %q: %w", listen, err)
	}
	if host == "localhost" {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}

func newToken() (string, error) {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate a token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
