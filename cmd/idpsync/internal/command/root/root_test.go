package root

import (
	"slices"
	"testing"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
)

// TestOneCommandTree: the tree Main builds when the first argument names a
// command holds that command alone, and the command answers exactly as in
// the whole tree: its help, its flag errors, its version.
func TestOneCommandTree(t *testing.T) {
	ios, _, _, _ := cli.Test()
	var names []string
	for _, c := range NewCmd(&cli.Factory{IO: ios}).Commands() {
		names = append(names, c.Name())
	}
	var want []string
	for _, sub := range subcommands {
		want = append(want, sub.name)
	}
	slices.Sort(want) // cobra lists them sorted
	if !slices.Equal(names, want) {
		t.Fatalf("the tree has %v, the table %v", names, want)
	}

	run := func(only string, args []string) (string, string, string) {
		ios, _, out, errOut := cli.Test()
		cmd := newCmd(&cli.Factory{IO: ios, Version: "1.2.3", Commit: "abc"}, only)
		cmd.SetArgs(args)
		err := cmd.Execute()
		return out.String(), errOut.String(), fmtErr(err)
	}
	for _, sub := range subcommands {
		if got := onlyCommand([]string{sub.name, "x"}); got != sub.name {
			t.Errorf("onlyCommand(%s x) = %q", sub.name, got)
		}
		for _, args := range [][]string{{sub.name, "--help"}, {sub.name, "--no-such-flag"}, {sub.name, "-h", "--root", "."}} {
			o1, e1, err1 := run(sub.name, args)
			o2, e2, err2 := run("", args)
			if o1 != o2 || e1 != e2 || err1 != err2 {
				t.Errorf("%v: alone it writes\n%s%s(%s)\nin the whole tree\n%s%s(%s)", args, o1, e1, err1, o2, e2, err2)
			}
			if args[1] != "--no-such-flag" && o1 == "" {
				t.Errorf("%v: no help", args)
			}
		}
	}
	o1, _, _ := run("version", []string{"version"})
	if o2, _, _ := run("", []string{"version"}); o1 != o2 || o1 == "" {
		t.Errorf("version alone %q, in the whole tree %q", o1, o2)
	}
	for _, args := range [][]string{nil, {"--version"}, {"help"}, {"valdate"}, {"--root", ".", "validate"}, {"completion"}, {"__complete", "v"}} {
		if got := onlyCommand(args); got != "" {
			t.Errorf("onlyCommand(%v) = %q, want the whole tree", args, got)
		}
	}
}

func fmtErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
