package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/idpsync/idpsync/plan/render"
)

// CommentLimit holds the flags that fit a Markdown view into a size-limited
// place (a pull-request or merge-request comment) while keeping the whole view
// in a file for the job summary or an artifact.
type CommentLimit struct {
	MaxBytes   int
	Notice     string
	FullOutput string
}

// AddFlags registers --max-bytes, --truncated-notice and --full-output.
func (c *CommentLimit) AddFlags(cmd *cobra.Command, what string) {
	fs := cmd.Flags()
	fs.IntVar(&c.MaxBytes, "max-bytes", 0, "with --output markdown: fit the view in at most `N` bytes, leaving out details, never an alert or the summary (0: no limit)")
	fs.StringVar(&c.Notice, "truncated-notice", "The full "+what+" is in the CI job's output.", "with --max-bytes: where a reader finds the full "+what+" (`TEXT`, Markdown)")
	fs.StringVar(&c.FullOutput, "full-output", "", "with --max-bytes: also write the whole Markdown view to `FILE`")
}

// Check validates the flags against the output format, before anything is read.
func (c *CommentLimit) Check(output render.Format) error {
	if c.MaxBytes < 0 {
		return fmt.Errorf("--max-bytes %d: expected 0 or more", c.MaxBytes)
	}
	if (c.MaxBytes > 0 || c.FullOutput != "") && output != render.FormatMarkdown {
		return errors.New("--max-bytes and --full-output apply to --output markdown only")
	}
	return nil
}

// WriteFit is Write for a view that fits itself to a size (the Markdown
// plan trims its details and keeps its alerts): view gets 0 for the whole.
func (c *CommentLimit) WriteFit(w io.Writer, view func(w io.Writer, maxBytes int, notice string) error) error {
	if c.FullOutput != "" {
		var buf bytes.Buffer
		if err := view(&buf, 0, ""); err != nil {
			return err
		}
		if err := WriteFile(c.FullOutput, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("--full-output: %w", err)
		}
		if c.MaxBytes == 0 || buf.Len() <= c.MaxBytes {
			if _, err := w.Write(buf.Bytes()); err != nil {
				return fmt.Errorf("writing view: %w", err)
			}
			return nil
		}
	}
	if err := view(w, c.MaxBytes, c.Notice); err != nil {
		return fmt.Errorf("--max-bytes: %w", err)
	}
	return nil
}

// Write renders the view through render (a Markdown view), writes the whole
// of it to --full-output when set, and writes it to w cut to --max-bytes.
func (c *CommentLimit) Write(w io.Writer, view func(io.Writer) error) error {
	if c.MaxBytes == 0 && c.FullOutput == "" {
		return view(w)
	}
	var buf bytes.Buffer
	if err := view(&buf); err != nil {
		return err
	}
	if c.FullOutput != "" {
		if err := WriteFile(c.FullOutput, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("--full-output: %w", err)
		}
	}
	out, err := render.TruncateMarkdown(buf.Bytes(), c.MaxBytes, c.Notice)
	if err != nil {
		return fmt.Errorf("--max-bytes: %w", err)
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("writing view: %w", err)
	}
	return nil
}
