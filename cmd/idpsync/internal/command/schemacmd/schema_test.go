package schemacmd

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/schemas"
)

func TestSchemaPrintsEmbeddedSchema(t *testing.T) {
	ios, _, out, errOut := cli.Test()
	cmd := NewCmd(ios)
	cmd.SetArgs(nil)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), schemas.IdPSync) || errOut.Len() != 0 {
		t.Errorf("stdout is not the schema (%d bytes), stderr %q", out.Len(), errOut)
	}
	var doc map[string]any
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil || doc["$id"] != schemas.ID {
		t.Errorf("not the schema: %v", err)
	}
}

func TestSchemaRefusesArguments(t *testing.T) {
	ios, _, _, _ := cli.Test()
	cmd := NewCmd(ios)
	cmd.SetArgs([]string{"extra"})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	if err := cmd.Execute(); err == nil {
		t.Error("an argument was accepted")
	}
}
