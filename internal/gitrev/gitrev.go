package gitrev

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Bounds on what one Tree asks of git. A configuration directory holds a few
// hundred files; the caps make a hostile or mistaken one cheap to refuse.
const (
	// MaxRevision is the longest revision accepted.
	MaxRevision = 256
	// MaxEntries is the most files the tree below the directory may hold.
	MaxEntries = 100_000
	// MaxFile is the largest file read (larger ones are listed, not read).
	MaxFile = 32 << 20
	// MaxTotal is the most bytes of file content one Tree reads.
	MaxTotal = 256 << 20
	// maxListing bounds the output of the tree listing and of rev-parse.
	maxListing = 64 << 20
	// maxStderr is how much of git's error output is kept for a message.
	maxStderr = 2 << 10
)

// ErrRevision marks a revision refused before git saw it.
var ErrRevision = errors.New("invalid revision")

// CheckRevision refuses a revision git could take for an option, or that
// holds what no revision does (control characters, spaces): a CI job builds
// it from branch names a pull request chooses.
func CheckRevision(rev string) error {
	switch {
	case rev == "":
		return fmt.Errorf("%w: empty", ErrRevision)
	case strings.HasPrefix(rev, "-"):
		return fmt.Errorf("%w: it starts with '-', which git would read as an option", ErrRevision)
	case len(rev) > MaxRevision:
		return fmt.Errorf("%w: longer than %d bytes", ErrRevision, MaxRevision)
	case strings.ContainsFunc(rev, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }):
		return fmt.Errorf("%w: it holds a space or a control character", ErrRevision)
	}
	return nil
}

// Tree is the directory at a revision: an fs.FS (with fs.StatFS,
// fs.ReadDirFS and fs.ReadFileFS) of the regular files below it, by path
// relative to it. Symbolic links and submodules are not in it. Close ends
// the git process it keeps for reading files.
type Tree struct {
	// Commit is the commit the revision resolved to.
	Commit string

	ctx   context.Context
	dir   string
	files map[string]entry
	dirs  map[string][]string // directory → the names in it, sorted

	mu   sync.Mutex
	read int64
	cat  *catFile
}

type entry struct {
	oid  string
	size int64
	exec bool
}

// Open resolves rev in the git work tree holding dir and lists the files
// below dir at that commit. ctx bounds every git process of the Tree.
func Open(ctx context.Context, dir, rev string) (*Tree, error) {
	if err := CheckRevision(rev); err != nil {
		return nil, err
	}
	out, err := run(ctx, dir, 4<<10, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return nil, fmt.Errorf("revision %s: %w", rev, err)
	}
	commit := strings.TrimSpace(string(out))
	if !isObjectID(commit) {
		return nil, fmt.Errorf("revision %s: git answered %q, not a commit id", rev, clip(commit))
	}
	// The pathspec "." keeps the listing below dir: git lists a
	// subdirectory's files relative to it.
	out, err = run(ctx, dir, maxListing, "ls-tree", "-r", "-z", "--long", "--end-of-options", commit, "--", ".")
	if err != nil {
		return nil, fmt.Errorf("list the files at %s: %w", rev, err)
	}
	t := &Tree{Commit: commit, ctx: ctx, dir: dir, files: map[string]entry{}, dirs: map[string][]string{".": nil}}
	for rec := range bytes.SplitSeq(out, []byte{0}) {
		if len(rec) == 0 {
			continue
		}
		meta, name, ok := bytes.Cut(rec, []byte{'\t'})
		f := strings.Fields(string(meta))
		if !ok || len(f) != 4 {
			return nil, fmt.Errorf("list the files at %s: unexpected line %q", rev, clip(string(rec)))
		}
		mode, kind, oid := f[0], f[1], f[2]
		if kind != "blob" || (mode != "100644" && mode != "100755") {
			continue // a symbolic link, or a submodule's commit
		}
		size, err := strconv.ParseInt(f[3], 10, 64)
		if err != nil || !isObjectID(oid) || !fs.ValidPath(string(name)) {
			return nil, fmt.Errorf("list the files at %s: unexpected line %q", rev, clip(string(rec)))
		}
		if len(t.files) >= MaxEntries {
			return nil, fmt.Errorf("list the files at %s: more than %d files below %s; pass a directory that holds only the configuration, or --root", rev, MaxEntries, dir)
		}
		p := string(name)
		t.files[p] = entry{oid: oid, size: size, exec: mode == "100755"}
		t.addDirs(p)
	}
	for d := range t.dirs {
		slices.Sort(t.dirs[d])
		t.dirs[d] = slices.Compact(t.dirs[d])
	}
	return t, nil
}

// addDirs records p in its directory, and each directory in its parent.
func (t *Tree) addDirs(p string) {
	for p != "." {
		d := path.Dir(p)
		_, known := t.dirs[d]
		t.dirs[d] = append(t.dirs[d], path.Base(p))
		if known {
			return
		}
		p = d
	}
}

// Close ends the git process reading files, if one was started.
func (t *Tree) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cat != nil {
		t.cat.close()
		t.cat = nil
	}
	return nil
}

// Stat implements fs.StatFS.
func (t *Tree) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	if e, ok := t.files[name]; ok {
		return info{name: path.Base(name), size: e.size, exec: e.exec}, nil
	}
	if _, ok := t.dirs[name]; ok {
		return info{name: path.Base(name), dir: true}, nil
	}
	return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
}

// ReadDir implements fs.ReadDirFS.
func (t *Tree) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	names, ok := t.dirs[name]
	if !ok {
		if _, isFile := t.files[name]; isFile {
			return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
		}
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	out := make([]fs.DirEntry, 0, len(names))
	for _, n := range names {
		st, err := t.Stat(path.Join(name, n))
		if err != nil {
			return nil, err
		}
		out = append(out, fs.FileInfoToDirEntry(st))
	}
	return out, nil
}

// ReadFile implements fs.ReadFileFS: the file's content at the commit, read
// through one `git cat-file --batch` kept for the Tree.
func (t *Tree) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrInvalid}
	}
	e, ok := t.files[name]
	if !ok {
		if _, isDir := t.dirs[name]; isDir {
			return nil, &fs.PathError{Op: "read", Path: name, Err: errors.New("is a directory")}
		}
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
	}
	if e.size > MaxFile {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("larger than %d MiB", MaxFile>>20)}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.read+e.size > MaxTotal {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("the files read at %s exceed %d MiB in all", t.Commit, MaxTotal>>20)}
	}
	if err := t.ctx.Err(); err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	if t.cat == nil {
		c, err := startCat(t.ctx, t.dir)
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: name, Err: err}
		}
		t.cat = c
	}
	b, err := t.cat.blob(e.oid, e.size)
	if err != nil {
		// The process may be out of step with its answers: start afresh.
		t.cat.close()
		t.cat = nil
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	t.read += int64(len(b))
	return b, nil
}

// Open implements fs.FS.
func (t *Tree) Open(name string) (fs.File, error) {
	st, err := t.Stat(name)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		entries, err := t.ReadDir(name)
		if err != nil {
			return nil, err
		}
		return &dirFile{info: st.(info), entries: entries}, nil
	}
	b, err := t.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return &file{info: st.(info), Reader: bytes.NewReader(b)}, nil
}

// catFile is a running `git cat-file --batch`.
type catFile struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Reader
	errb *limitedBuffer
}

func startCat(ctx context.Context, dir string) (*catFile, error) {
	cmd := gitCmd(ctx, dir, "cat-file", "--batch")
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	errb := &limitedBuffer{max: maxStderr}
	cmd.Stderr = errb
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("run git: %w", err)
	}
	return &catFile{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 64<<10), errb: errb}, nil
}

// blob asks for one object and reads its answer: "<oid> blob <size>\n",
// the content, "\n". It reads no more than the size listed for the file.
func (c *catFile) blob(oid string, size int64) ([]byte, error) {
	if _, err := io.WriteString(c.in, oid+"\n"); err != nil {
		return nil, c.failed(err)
	}
	header, err := c.out.ReadString('\n')
	if err != nil {
		return nil, c.failed(err)
	}
	f := strings.Fields(header)
	if len(f) != 3 || f[0] != oid || f[1] != "blob" || f[2] != strconv.FormatInt(size, 10) {
		return nil, fmt.Errorf("git cat-file answered %q for %s", clip(header), oid)
	}
	b := make([]byte, size+1)
	if _, err := io.ReadFull(c.out, b); err != nil {
		return nil, c.failed(err)
	}
	if b[size] != '\n' {
		return nil, fmt.Errorf("git cat-file: object %s does not end where its size says", oid)
	}
	return b[:size], nil
}

func (c *catFile) failed(err error) error {
	if msg := strings.TrimSpace(c.errb.String()); msg != "" {
		return fmt.Errorf("git cat-file: %s", clip(msg))
	}
	return fmt.Errorf("git cat-file: %w", err)
}

func (c *catFile) close() {
	c.in.Close()
	_ = c.cmd.Process.Kill()
	_ = c.cmd.Wait()
}

// gitCmd is a git command run in dir that ends with ctx, never prompts,
// reads no replacement objects (a repository's refs/replace could make a
// commit say what another commit says) and starts no file-system monitor
// (core.fsmonitor names a program to run).
func gitCmd(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "git", append([]string{"--no-replace-objects", "-c", "core.fsmonitor=false"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "LC_ALL=C", "GIT_OPTIONAL_LOCKS=0")
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

// run runs a git command and returns its output, at most maxOut bytes.
func run(ctx context.Context, dir string, maxOut int, args ...string) ([]byte, error) {
	cmd := gitCmd(ctx, dir, args...)
	out := &limitedBuffer{max: maxOut}
	errb := &limitedBuffer{max: maxStderr}
	cmd.Stdout, cmd.Stderr = out, errb
	err := cmd.Run()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if out.over {
		return nil, fmt.Errorf("git %s wrote more than %d MiB", args[0], maxOut>>20)
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			msg := strings.TrimSpace(errb.String())
			if msg == "" {
				msg = "no such revision, or no commit"
				if args[0] != "rev-parse" {
					msg = "git " + args[0] + " failed"
				}
			}
			return nil, errors.New(clip(msg))
		}
		return nil, fmt.Errorf("run git: %w", err)
	}
	return out.Bytes(), nil
}

// limitedBuffer keeps the first max bytes written and records that more came.
type limitedBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room < len(p) {
		b.over = true
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return b.Buffer.Write(p)
}

func isObjectID(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// clip shortens what git said to one printable line: it may quote a path
// or a revision from the repository.
func clip(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	s = strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, s)
	if len(s) > 200 {
		// Cut on a rune boundary: half a rune would print as U+FFFD.
		cut := 200
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

type info struct {
	name string
	size int64
	dir  bool
	exec bool
}

func (i info) Name() string { return i.name }
func (i info) Size() int64  { return i.size }
func (i info) Mode() fs.FileMode {
	switch {
	case i.dir:
		return fs.ModeDir | 0o555
	case i.exec:
		return 0o555
	}
	return 0o444
}
func (i info) ModTime() time.Time { return time.Time{} }
func (i info) IsDir() bool        { return i.dir }
func (i info) Sys() any           { return nil }

type file struct {
	info info
	*bytes.Reader
}

func (f *file) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *file) Close() error               { return nil }

type dirFile struct {
	info    info
	entries []fs.DirEntry
	off     int
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Close() error               { return nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: errors.New("is a directory")}
}

func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.off += n
	return rest[:n], nil
}
