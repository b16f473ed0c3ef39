package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/idpsync/idpsync/plan/render"
)

// IOStreams are a command's standard streams. Commands write only here, so a
// test can run any command without a terminal.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	// OutTTY and InTTY say whether stdout and stdin are terminals.
	OutTTY bool
	InTTY  bool
	// Color is on when stdout is a terminal and NO_COLOR is unset.
	Color bool
	// ErrTTY says whether stderr is a terminal; Width is stdout's width in
	// columns when it is a terminal, else 0.
	ErrTTY bool
	Width  int
}

// System returns the process's streams.
func System() *IOStreams {
	outTTY := term.IsTerminal(int(os.Stdout.Fd()))
	_, noColor := os.LookupEnv("NO_COLOR")
	width := 0
	if outTTY {
		width, _, _ = term.GetSize(int(os.Stdout.Fd()))
	}
	return &IOStreams{
		ErrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		Width:  width,
		In:     os.Stdin,
		Out:    os.Stdout,
		ErrOut: os.Stderr,
		OutTTY: outTTY,
		InTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		Color:  outTTY && !noColor,
	}
}

// Test returns streams backed by buffers: no terminal, no colour.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// Exit codes, the same for every command.
const (
	ExitOK      = 0 // success, or no changes
	ExitError   = 1 // bad input, API error, failed apply
	ExitChanges = 2 // plan --detailed-exitcode found changes; drift found drift
	ExitBlocked = 3 // plan --fail-on-blockers: apply would refuse the plan
)

// ExitCodeError ends a command with a code other than 1 or with an error already
// reported to the user (Silent), so main prints nothing more.
type ExitCodeError struct {
	Code   int
	Err    error
	Silent bool
}

func (e *ExitCodeError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitCodeError) Unwrap() error { return e.Err }

// Exit returns an error that ends the command with code and prints nothing more.
func Exit(code int) error { return &ExitCodeError{Code: code, Silent: true} }

// ExitCode maps an error returned by a command to the process exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var e *ExitCodeError
	if errors.As(err, &e) {
		return e.Code
	}
	return ExitError
}

// Reported says whether the error was already shown to the user.
func Reported(err error) bool {
	var e *ExitCodeError
	return errors.As(err, &e) && e.Silent
}

// CheckOutput refuses an --output value the command does not offer.
func CheckOutput(got render.Format, allowed ...render.Format) error {
	if slices.Contains(allowed, got) {
		return nil
	}
	return fmt.Errorf("--output %q: expected one of %v", got, allowed)
}

// OutputFlag defines the command's --output (-o) flag, defaulting to text,
// with shell completion of the formats it offers.
func OutputFlag(cmd *cobra.Command, p *render.Format, usage string, offered ...render.Format) {
	cmd.Flags().StringVarP((*string)(p), "output", "o", string(render.FormatText), usage)
	names := make([]string, len(offered))
	for i, f := range offered {
		names[i] = string(f)
	}
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(names, cobra.ShellCompDirectiveNoFileComp))
}
