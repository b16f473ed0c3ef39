package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"github.com/idpsync/idpsync/changeset"
	"github.com/idpsync/idpsync/internal/gitrev"
	"github.com/idpsync/idpsync/internal/sanitize"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/state"
)

// ChangedSince compares the desired state head, loaded from paths, with the
// same paths at the git revision rev, read from the repository holding the
// configuration root (never outside the root). It returns what changed and
// the commit rev names. A revision git could take for an option is refused
// before git runs; a configuration at rev that does not load makes every
// account planned, with the reason.
func (f *Factory) ChangedSince(ctx context.Context, l Load, paths []string, rev string, head *state.Desired) (*changeset.Result, string, error) {
	if err := gitrev.CheckRevision(rev); err != nil {
		return nil, "", fmt.Errorf("--changed-since %s: %w", sanitize.Visible(rev), err)
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	root := l.Root
	if root == "" {
		var err error
		if root, err = state.FindRoot(paths[0]); err != nil {
			return nil, "", fmt.Errorf("--changed-since: cannot find the configuration root: %w", err)
		}
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, "", fmt.Errorf("--changed-since: %w", err)
	}
	var rels []string
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, "", fmt.Errorf("--changed-since: %w", err)
		}
		rel, err := filepath.Rel(root, abs)
		if err != nil || !filepath.IsLocal(rel) && rel != "." {
			return nil, "", fmt.Errorf("--changed-since: %s is outside the configuration root %s; --root sets the root", sanitize.Visible(p), sanitize.Visible(root))
		}
		rels = append(rels, filepath.ToSlash(rel))
	}
	tree, err := gitrev.Open(ctx, root, rev)
	if err != nil {
		if ctx.Err() != nil {
			return nil, "", ctx.Err()
		}
		return nil, "", fmt.Errorf("--changed-since: %s", sanitize.Visible(err.Error()))
	}
	defer tree.Close()

	// A file or directory this change adds did not exist at rev: what it
	// declares is all new.
	var at []string
	for _, p := range rels {
		st, err := fs.Stat(tree, p)
		if err != nil {
			continue
		}
		if st.IsDir() && !holdsYAML(tree, p) {
			continue
		}
		at = append(at, p)
	}
	var base *state.Desired
	if len(at) > 0 {
		opts := f.LoadOptions(l)
		opts.FS = tree
		d, diags := state.Load(ctx, at, opts)
		if err := ctx.Err(); err != nil {
			return nil, "", err
		}
		if diags.HasErrors() || d == nil {
			n := len(diags.Errors())
			return changeset.Everything(head, fmt.Sprintf("the configuration at %s does not load (%d %s), so what changed is unknown", rev, n, plural(n, "error", "errors"))), tree.Commit, nil
		}
		base = d
	}
	return changeset.Compare(base, head), tree.Commit, nil
}

func holdsYAML(fsys fs.FS, dir string) bool {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		ext := path.Ext(e.Name())
		if !e.IsDir() && (ext == ".yaml" || ext == ".yml") && !strings.HasPrefix(e.Name(), ".") {
			return true
		}
	}
	return false
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// ChangedSincePlan is what the plan records of a comparison (plan.ChangedSince).
func ChangedSincePlan(r *changeset.Result, rev, commit string) *plan.ChangedSince {
	conv := func(es []changeset.Entry) []plan.ScopedAccount {
		out := make([]plan.ScopedAccount, 0, len(es))
		for _, e := range es {
			out = append(out, plan.ScopedAccount{ID: e.ID, Label: e.Label, Reason: string(e.Reason), Via: e.Via})
		}
		return out
	}
	return &plan.ChangedSince{Revision: rev, Commit: commit, Whole: r.All, Planned: conv(r.Planned), Removed: conv(r.Removed), Skipped: conv(r.Skipped)}
}

// errChangedSinceAccount refuses two ways of choosing accounts at once.
var errChangedSinceAccount = errors.New("--changed-since and --account both choose the accounts to plan: give one")

// CheckChangedSince refuses --changed-since with --account.
func CheckChangedSince(rev string, accounts []string) error {
	if rev != "" && len(accounts) > 0 {
		return errChangedSinceAccount
	}
	return nil
}
