package main

import (
	"slices"
	"testing"

	"github.com/spf13/cobra"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/cmd/idpsync/internal/command/root"
)

// TestOneCommandTree: the tree Main builds when the first argument names a
// command holds that command alone, and the command answers exactly as in
// the whole tree: its help, its flag errors, its version. It lives here,
// not in package root, because this test binary links the whole CLI
// anyway; a test binary of root's own would link it (and OPA) once more.
func TestOneCommandTree(t *testing.T) {
	t.Parallel()
	tree := func(args []string) []string {
		ios, _, _, _ := cli.Test()
		var names []string
		for _, c := range root.NewCmdFor(&cli.Factory{IO: ios}, args).Commands() {
			names = append(names, c.Name())
		}
		return names
	}
	ios, _, _, _ := cli.Test()
	var whole []string
	for _, c := range root.NewCmd(&cli.Factory{IO: ios}).Commands() {
		whole = append(whole, c.Name())
	}
	if len(whole) < 10 {
		t.Fatalf("the whole tree has only %v", whole)
	}

	// run runs args in the tree Main builds for them (alone) or in the
	// whole tree, and returns what it wrote and its error.
	run := func(alone bool, args []string) (string, string, string) {
		ios, _, out, errOut := cli.Test()
		f := &cli.Factory{IO: ios, Version: "1.2.3", Commit: "abc"}
		var cmd *cobra.Command
		if alone {
			cmd = root.NewCmdFor(f, args)
		} else {
			cmd = root.NewCmd(f)
		}
		cmd.SetArgs(args)
		err := cmd.Execute()
		return out.String(), errOut.String(), fmtErr(err)
	}
	for _, name := range whole {
		// A name the tree lists but Main's table spells otherwise would
		// build the whole tree here.
		if got := tree([]string{name, "x"}); !slices.Equal(got, []string{name}) {
			t.Errorf("the tree for %s x has %v, want %s alone", name, got, name)
		}
		for _, args := range [][]string{{name, "--help"}, {name, "--no-such-flag"}, {name, "-h", "--root", "."}} {
			o1, e1, err1 := run(true, args)
			o2, e2, err2 := run(false, args)
			if o1 != o2 || e1 != e2 || err1 != err2 {
				t.Errorf("%v: alone it writes\n%s%s(%s)\nin the whole tree\n%s%s(%s)", args, o1, e1, err1, o2, e2, err2)
			}
			if args[1] != "--no-such-flag" && o1 == "" {
				t.Errorf("%v: no help", args)
			}
		}
	}
	o1, _, _ := run(true, []string{"version"})
	if o2, _, _ := run(false, []string{"version"}); o1 != o2 || o1 == "" {
		t.Errorf("version alone %q, in the whole tree %q", o1, o2)
	}
	for _, args := range [][]string{nil, {"--version"}, {"help"}, {"valdate"}, {"--root", ".", "validate"}, {"completion"}, {"__complete", "v"}} {
		if got := tree(args); !slices.Equal(got, whole) {
			t.Errorf("the tree for %v has %v, want the whole tree %v", args, got, whole)
		}
	}
}

func fmtErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
