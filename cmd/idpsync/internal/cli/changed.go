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
	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/internal/gitrev"
	"github.com/idpsync/idpsync/internal/sanitize"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/plan/addr"
	"github.com/idpsync/idpsync/state"
)

// Base is the desired state at a git revision, for ChangedSince.
type Base struct {
	// Desired is nil when nothing was declared at the revision.
	Desired *state.Desired
	Commit  string
	// Unloadable, when set, says why the configuration at the revision
	// could not be compared: every account is then planned.
	Unloadable string
}

// LoadBase loads the configuration of paths as it was at the git revision
// rev, from the repository holding the configuration root, reading nothing
// outside the root, no secret and nothing of the environment. A revision git
// could take for an option is refused before git runs. It reads only what
// the command line names, so it may run while the work tree is loaded.
func (f *Factory) LoadBase(ctx context.Context, l Load, paths []string, rev string) (*Base, error) {
	if err := gitrev.CheckRevision(rev); err != nil {
		return nil, fmt.Errorf("--changed-since %q: %w", rev, err)
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	root := l.Root
	if root == "" {
		var err error
		if root, err = state.FindRoot(paths[0]); err != nil {
			return nil, fmt.Errorf("--changed-since: cannot find the configuration root: %w", err)
		}
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("--changed-since: %w", err)
	}
	var rels []string
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, fmt.Errorf("--changed-since: %w", err)
		}
		rel, err := filepath.Rel(root, abs)
		if err != nil || !filepath.IsLocal(rel) && rel != "." {
			return nil, fmt.Errorf("--changed-since: %s is outside the configuration root %s; --root sets the root", sanitize.Visible(p), sanitize.Visible(root))
		}
		rels = append(rels, filepath.ToSlash(rel))
	}
	tree, err := gitrev.Open(ctx, root, rev)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("--changed-since: %s", sanitize.Visible(err.Error()))
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
	b := &Base{Commit: tree.Commit}
	if len(at) == 0 {
		return b, nil
	}
	opts := f.LoadOptions(l)
	opts.FS = tree
	d, diags := state.Load(ctx, at, opts)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if diags.HasErrors() || d == nil {
		n := len(diags.Errors())
		b.Unloadable = fmt.Sprintf("the configuration at %s does not load (%d %s), so what changed is unknown", rev, n, plural(n, "error", "errors"))
		return b, nil
	}
	b.Desired = d
	return b, nil
}

// Compare is what changed from the base to head.
func (b *Base) Compare(head *state.Desired) *changeset.Result {
	if b.Unloadable != "" {
		return changeset.Everything(head, b.Unloadable)
	}
	return changeset.Compare(b.Desired, head)
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

// CheckTargetsPlanned refuses a --target in an account --changed-since
// skipped, naming why, rather than letting it match nothing. Targets that
// do not parse are left to the plan's own check.
func CheckTargetsPlanned(targets []string, c *plan.ChangedSince) error {
	if c == nil || c.Whole != "" {
		return nil
	}
	for _, t := range targets {
		a, err := addr.Parse(t)
		if err != nil {
			continue
		}
		for _, sk := range c.Skipped {
			if idptype.IsZone(sk.ID) == a.Zone && (a.Owner == sk.Label || a.Owner == idptype.OwnerID(sk.ID)) {
				return fmt.Errorf("--target %s: --changed-since skipped %s: its declaration did not change since %s; plan without --changed-since to target it", sanitize.Visible(t), sanitize.Visible(idptype.OwnerKind(sk.ID)+" "+sk.Label), sanitize.Visible(c.Revision))
			}
		}
	}
	return nil
}

// errChangedSinceAccount refuses two ways of choosing accounts at once.
var errChangedSinceAccount = errors.New("--changed-since and --account both choose the accounts to plan: give one")

// CheckChangedSince refuses --changed-since with --account, and a revision
// git could take for an option, before anything is read.
func CheckChangedSince(rev string, given bool, accounts []string) error {
	if rev == "" && !given {
		return nil
	}
	if len(accounts) > 0 {
		return errChangedSinceAccount
	}
	if err := gitrev.CheckRevision(rev); err != nil {
		return fmt.Errorf("--changed-since %q: %w", rev, err)
	}
	return nil
}
