package versioncmd

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
)

// NewCmd returns the version command.
func NewCmd(f *cli.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version of idpsync",
		Example: "  idpsync version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			date := f.Date
			if date == "" {
				date = "unknown"
			}
			fmt.Fprintf(f.IO.Out, "idpsync %s (commit %s, built %s, %s %s/%s)\n", f.Version, f.Commit, date, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}
