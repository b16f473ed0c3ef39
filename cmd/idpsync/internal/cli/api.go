package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/internal/sanitize"
	"github.com/idpsync/idpsync/plan/planfile"
	"github.com/idpsync/idpsync/plan/render/progress"
	"github.com/idpsync/idpsync/policy"
	"github.com/idpsync/idpsync/samlmeta/fetch"
)

// DefaultSandboxDir is where --sandbox keeps the emulator's data, so that later
// runs see what earlier runs applied.
const DefaultSandboxDir = ".idpsync/sandbox"

// API holds the flags that select and reach the Cloudflare API. Every command
// that talks to the API registers them with AddFlags.
type API struct {
	Sandbox     string
	URL         string
	TokenFile   string
	RateLimit   string
	Concurrency int
	Timeout     time.Duration
	// MaxRetryWait is --max-retry-wait: the longest wait a server may ask
	// for (Retry-After, Ratelimit) before the command fails instead.
	MaxRetryWait time.Duration
	Debug        bool
}

// AddFlags registers the API flags on cmd.
func (a *API) AddFlags(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&a.Sandbox, "sandbox", "", "run against the built-in API emulator, keeping its data in `DIR` (default "+DefaultSandboxDir+")")
	fs.Lookup("sandbox").NoOptDefVal = DefaultSandboxDir
	// --sandbox DIR reads DIR as a configuration path (the flag's value
	// needs =): caught before anything is loaded.
	prev := cmd.PreRunE
	cmd.PreRunE = func(c *cobra.Command, args []string) error {
		if err := a.checkSandboxWord(c, args); err != nil {
			return err
		}
		if prev != nil {
			return prev(c, args)
		}
		return nil
	}
	fs.StringVar(&a.URL, "api-url", "", "API base `URL` (default $CLOUDFLARE_BASE_URL, else https://api.cloudflare.com/client/v4)")
	fs.StringVar(&a.TokenFile, "api-token-file", "", "read the API token from `FILE` instead of $CLOUDFLARE_API_TOKEN")
	fs.StringVar(&a.RateLimit, "rate-limit", "1200/5m", "client-side request budget, `N/DURATION`")
	fs.IntVar(&a.Concurrency, "concurrency", 8, "API requests in flight at most")
	fs.DurationVar(&a.Timeout, "request-timeout", 30*time.Second, "timeout of one API request attempt")
	fs.DurationVar(&a.MaxRetryWait, "max-retry-wait", cloudflare.DefaultMaxWait, "the longest wait the API may ask for (Retry-After, Ratelimit) before the command fails instead of waiting")
	fs.BoolVar(&a.Debug, "debug", false, "log every API request to stderr (also IDPSYNC_LOG=debug); credentials are never logged")
}

// Connection is an API client and what must be released after use.
type Connection struct {
	Client *cloudflare.Client
	// PlanKey authenticates saved plans and keys secret fingerprints; it comes
	// from the credentials this connection uses, or IDPSYNC_PLAN_KEY.
	PlanKey planfile.Key
	// Metadata fetches SAML metadata URLs, each at most once in this process;
	// with --debug it logs each fetch (URL, status, size, duration; never the
	// body), and LogMetadataFetches the total.
	Metadata *engine.MetadataOnce
	logger   *slog.Logger
	// close stops the in-process emulator when --sandbox started one.
	close func() error
	// waits is where the client's waits go while a progress view shows
	// them (see ShowWaits); nil means one line each on errOut. It is an
	// atomic pointer because the client reports waits from its own
	// goroutines while the command swaps views.
	waits  atomic.Pointer[func(cloudflare.WaitEvent)]
	errOut io.Writer
}

// ShowWaits sends the client's waits (a 429's Retry-After, a spent rate
// budget, a backoff) to show instead of stderr, until the returned restore
// is called; show is called from the goroutine that waits and must not
// block. The hook belongs to this connection, so one command's view never
// leaks into another's.
func (c *Connection) ShowWaits(show func(cloudflare.WaitEvent)) (restore func()) {
	prev := c.waits.Swap(&show)
	return func() { c.waits.Store(prev) }
}

// onWait passes a wait to the view ShowWaits set, or prints it on stderr.
func (c *Connection) onWait(ev cloudflare.WaitEvent) {
	if show := c.waits.Load(); show != nil {
		(*show)(ev)
		return
	}
	if c.errOut != nil {
		fmt.Fprintln(c.errOut, progress.WaitLine(ev))
	}
}

// LogMetadataFetches logs, with --debug, how many metadata fetches this
// process has made; a command calls it at the end of its fetch stage.
func (c *Connection) LogMetadataFetches(ctx context.Context) {
	if c == nil || c.logger == nil || c.Metadata == nil {
		return
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "metadata fetches", slog.Int("total", c.Metadata.Fetches()))
}

// Close stops the sandbox, if one was started.
func (c *Connection) Close() error {
	if c == nil {
		return nil
	}
	// The client's connections go first: a server shuts down gracefully,
	// and one connection dialed and never used holds that (with --sandbox,
	// the command's exit; in a test, the test server's close) for 5 seconds.
	if c.Client != nil {
		c.Client.CloseIdleConnections()
	}
	if c.close == nil {
		return nil
	}
	return c.close()
}

// Connect builds the API client the flags and environment select. With
// --sandbox it first starts the emulator on a random loopback port.
func (a *API) Connect(ctx context.Context, f *Factory) (*Connection, error) {
	rl, err := cloudflare.ParseRateLimit(a.RateLimit)
	if err != nil {
		return nil, fmt.Errorf("--rate-limit: %w", err)
	}
	if a.MaxRetryWait < time.Second && a.MaxRetryWait != 0 {
		return nil, fmt.Errorf("--max-retry-wait %s: must be at least 1s", a.MaxRetryWait)
	}
	opts := cloudflare.Options{
		RateLimit:   rl,
		Concurrency: a.Concurrency,
		Timeout:     a.Timeout,
		UserAgent:   "idpsync/" + f.Version,
		Logger:      a.logger(f),
		MaxWait:     a.MaxRetryWait,
	}
	key, err := a.PlanKey(f)
	if err != nil {
		return nil, err
	}
	conn := &Connection{PlanKey: key, Metadata: engine.NewMetadataOnce(&fetch.Fetcher{Logger: opts.Logger, UserAgent: opts.UserAgent}), logger: opts.Logger, errOut: f.IO.ErrOut}
	opts.OnWait = conn.onWait
	if a.Sandbox != "" {
		srv, creds, closeFn, err := startSandbox(ctx, a.Sandbox, f.IO.ErrOut)
		if err != nil {
			return nil, err
		}
		conn.close = closeFn
		opts.BaseURL = srv.URL
		// Both credentials, as a real user with shares holds them: the
		// client sends the token to /access and the key to /shares.
		opts.Token, opts.Email, opts.Key = creds.Token, creds.Email, creds.Key
	} else {
		opts.BaseURL = a.URL
		if opts.BaseURL == "" {
			opts.BaseURL, _ = f.Getenv("CLOUDFLARE_BASE_URL")
		}
		if err := a.credentials(f, &opts); err != nil {
			return nil, err
		}
	}
	client, err := cloudflare.New(opts)
	if err != nil {
		conn.Close()
		return nil, err
	}
	conn.Client = client
	return conn, nil
}

// PlanKey returns the key of saved plans and secret fingerprints without
// connecting: IDPSYNC_PLAN_KEY when set, else the sandbox's own key, else one
// derived from the API credentials. Apply verifies a saved plan with it
// before anything talks to the API.
func (a *API) PlanKey(f *Factory) (planfile.Key, error) {
	if v, ok := f.Getenv(planfile.EnvKey); ok {
		// Set but blank is refused too (EnvValueKey says why).
		return planfile.EnvValueKey(v)
	}
	if a.Sandbox != "" {
		return SandboxPlanKey(a.Sandbox)
	}
	var opts cloudflare.Options
	if err := a.credentials(f, &opts); err != nil {
		return planfile.Key{}, err
	}
	if opts.Token != "" {
		return planfile.TokenKey(opts.Token)
	}
	return planfile.GlobalKeyKey(opts.Email, opts.Key)
}

// Endpoint names the API the flags and environment select, without
// connecting: the base URL as the client will use it (default
// cloudflare.DefaultBaseURL, no trailing slash, any password redacted), or
// "sandbox" for --sandbox, whose port changes every run and whose own plan
// key already ties a saved plan to its data directory. A saved plan records
// it, and apply refuses the plan against another endpoint.
func (a *API) Endpoint(f *Factory) string {
	if a.Sandbox != "" {
		return "sandbox"
	}
	base := a.URL
	if base == "" {
		base, _ = f.Getenv("CLOUDFLARE_BASE_URL")
	}
	if base == "" {
		base = cloudflare.DefaultBaseURL
	}
	base = strings.TrimRight(base, "/")
	u, err := url.Parse(base)
	if err != nil {
		// Never the raw value: it may hold anything, and is shown.
		return "(not a valid URL)"
	}
	u.RawQuery, u.Fragment = "", ""
	return u.Redacted()
}

// ConnectionFlags are the flags of a that select the API, as typed on a
// command line, so that a printed hint reaches the same API.
func (a *API) ConnectionFlags() []string {
	var out []string
	if a.Sandbox != "" {
		if a.Sandbox == DefaultSandboxDir {
			out = append(out, "--sandbox")
		} else {
			out = append(out, "--sandbox="+a.Sandbox)
		}
	}
	if a.URL != "" {
		out = append(out, "--api-url="+a.URL)
	}
	if a.TokenFile != "" {
		out = append(out, "--api-token-file="+a.TokenFile)
	}
	return out
}

// credentials takes the token from --api-token-file or CLOUDFLARE_API_TOKEN,
// and the legacy CLOUDFLARE_EMAIL + CLOUDFLARE_API_KEY pair; either suffices.
// With both, the client uses the token for /access and the key for /shares,
// the one scheme the share endpoints document. No flag holds a token itself:
// flags end up in shell history and process listings.
func (a *API) credentials(f *Factory, opts *cloudflare.Options) error {
	email, _ := f.Getenv("CLOUDFLARE_EMAIL")
	key, _ := f.Getenv("CLOUDFLARE_API_KEY")
	if email != "" && key != "" {
		opts.Email, opts.Key = email, key
	}
	if err := a.token(f, opts); err != nil || opts.Token != "" || opts.Email != "" {
		return err
	}
	return errors.New("no Cloudflare credentials: set CLOUDFLARE_API_TOKEN (or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY), or pass --api-token-file; to try idpsync without an account, add --sandbox")
}

func (a *API) token(f *Factory, opts *cloudflare.Options) error {
	if a.TokenFile != "" {
		b, err := readTokenFile(a.TokenFile)
		if err != nil {
			return fmt.Errorf("--api-token-file: %w", err)
		}
		opts.Token = strings.TrimSpace(string(b))
		if opts.Token == "" {
			return fmt.Errorf("--api-token-file: %s is empty", a.TokenFile)
		}
		return nil
	}
	if t, ok := f.Getenv("CLOUDFLARE_API_TOKEN"); ok && t != "" {
		opts.Token = t
	}
	return nil
}

// maxTokenFile bounds --api-token-file: Cloudflare tokens are tens of
// characters, and a path to a device or a huge file must not fill memory.
const maxTokenFile = 4 << 10

// readTokenFile reads a token file: a regular file (a FIFO would block the
// run where Ctrl-C is not yet watched, a device never ends) of at most
// maxTokenFile bytes. Its errors never quote the content.
func readTokenFile(path string) ([]byte, error) {
	if st, err := os.Stat(path); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxTokenFile+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, pathCause(err))
	}
	if len(b) > maxTokenFile {
		return nil, fmt.Errorf("%s is larger than %d KiB; it should hold one API token", path, maxTokenFile>>10)
	}
	return b, nil
}

func (a *API) logger(f *Factory) *slog.Logger {
	level, _ := f.Getenv("IDPSYNC_LOG")
	if !a.Debug && !strings.EqualFold(level, "debug") {
		return nil
	}
	return slog.New(slog.NewTextHandler(f.IO.ErrOut, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Factory is what commands are built from: streams, environment, version.
type Factory struct {
	IO      *IOStreams
	Version string
	Commit  string
	// Date is when the binary was built; see BuildDate.
	Date   string
	Getenv func(string) (string, bool)
	// Now is the clock used for certificate expiry; tests may fix it.
	Now func() time.Time
	// Interrupt is closed on the first Ctrl-C (or SIGTERM). The command's
	// context is cancelled on the second, so apply can let in-flight requests
	// finish after the first.
	Interrupt <-chan struct{}
	// LoadPolicy compiles a --policy directory. Package root sets it to the
	// Rego loader (package policy/rego), so that the commands and their
	// tests reach Open Policy Agent only through it and do not link it;
	// nil, --policy fails.
	LoadPolicy func(dir string) (policy.Evaluator, error)
}

// CancelOnInterrupt returns a context cancelled on the first Ctrl-C, for
// commands that have nothing to finish gracefully.
func (f *Factory) CancelOnInterrupt(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	if f.Interrupt != nil {
		go func() {
			select {
			case <-f.Interrupt:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	return ctx, cancel
}

// NewFactory returns the factory of a real process.
func NewFactory(version, commit string) *Factory {
	return &Factory{IO: System(), Version: version, Commit: commit, Date: BuildDate(), Getenv: os.LookupEnv, Now: time.Now}
}

// checkSandboxWord refuses `--sandbox DIR`, where DIR was meant as the
// sandbox's directory but, the flag's value being optional, is read as a
// configuration path: a directory that holds the emulator's data, or no
// YAML at all, is not a configuration.
func (a *API) checkSandboxWord(c *cobra.Command, args []string) error {
	fl := c.Flags().Lookup("sandbox")
	if fl == nil || !fl.Changed || a.Sandbox != DefaultSandboxDir {
		return nil
	}
	for _, arg := range args {
		st, err := os.Stat(arg)
		if err != nil || !st.IsDir() {
			continue
		}
		_, emuErr := os.Stat(filepath.Join(arg, "emulator.json"))
		yamls, _ := filepath.Glob(filepath.Join(arg, "*.yaml"))
		ymls, _ := filepath.Glob(filepath.Join(arg, "*.yml"))
		if emuErr == nil || len(yamls)+len(ymls) == 0 {
			return fmt.Errorf("--sandbox %s: %s is read as a configuration path, and it holds no configuration; to keep the sandbox there, write --sandbox=%s",
				sanitize.Text(arg), sanitize.Text(arg), sanitize.Text(arg))
		}
	}
	return nil
}
