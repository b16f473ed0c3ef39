package schemacmd

import (
	"github.com/spf13/cobra"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/schemas"
)

// NewCmd returns the schema command.
func NewCmd(ios *cli.IOStreams) *cobra.Command {
	var planSchema bool
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of the desired-state format",
		Long: `Schema prints the JSON Schema (draft 2020-12) of the desired-state YAML
format. Editors that speak the YAML language server protocol validate and
complete a file against it when the file starts with a modeline:

  # yaml-language-server: $schema=./idpsync.schema.json

idpsync validate checks the same schema, and more, from the command line.

With --plan it prints the JSON Schema of the JSON plan (plan --output json,
format 1.x), which policies and other tools read.`,
		Example: `  idpsync schema > idpsync.schema.json
  idpsync schema --plan > plan.schema.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			out := schemas.IdPSync
			if planSchema {
				out = schemas.Plan
			}
			_, err := ios.Out.Write(out)
			return err
		},
	}
	cmd.Flags().BoolVar(&planSchema, "plan", false, "print the schema of the JSON plan instead")
	return cmd
}
