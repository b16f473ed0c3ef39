package state

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Limits on what ${file:...} may read. Certificates and secrets are a few
// kilobytes; the caps make a hostile configuration cheap to refuse.
const (
	// MaxReferencedFile is the most one ${file:...} reads.
	MaxReferencedFile = 256 << 10
	// MaxReferencedTotal is the most all references of one load read together,
	// counted per reference: a file named a thousand times counts a thousand times.
	MaxReferencedTotal = 8 << 20
)

// errNotFound is the one failure of a ${file:...} a secret may defer to apply
// time; every refusal of the confinement rules is an error of the configuration.
var errNotFound = errors.New("does not exist")

// FindRoot returns the configuration root of a path given on the command
// line: the top of the git work tree holding it, else the directory itself
// (or the file's directory). It never reads a file.
func FindRoot(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	dir := abs
	if st, err := os.Stat(abs); err == nil && !st.IsDir() {
		dir = filepath.Dir(abs)
	}
	for d := dir; ; {
		// .git is a directory in a clone and a file in a worktree or submodule.
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir, nil
		}
		d = parent
	}
}

// confinedPath turns the argument of ${file:ARG}, relative to baseDir, into
// the real path of a regular file inside root. Every refusal names the
// reference as written (arg), never anything read.
func confinedPath(root, baseDir, arg string) (string, error) {
	if filepath.IsAbs(arg) || strings.HasPrefix(arg, "/") || strings.HasPrefix(arg, `\`) || filepath.VolumeName(arg) != "" {
		return "", fmt.Errorf("`%s` is an absolute path: ${file:...} reads only files inside the configuration root, by relative path", truncate(arg, 60))
	}
	if strings.ContainsRune(arg, 0) {
		return "", errors.New("the file path holds a NUL byte")
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", fmt.Errorf("cannot resolve the configuration root: %w", errors.Unwrap(err))
	}
	p := filepath.Join(baseDir, arg)
	if !within(root, p) && !within(realRoot, p) {
		return "", fmt.Errorf("`%s` leaves the configuration root (the top of the git work tree, else the directory given); --root sets it", truncate(arg, 60))
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("file %s %w", truncate(arg, 60), errNotFound)
		}
		return "", fmt.Errorf("cannot read file %s: %w", truncate(arg, 60), errors.Unwrap(err))
	}
	if !within(realRoot, real) {
		return "", fmt.Errorf("`%s` is a symbolic link that resolves outside the configuration root", truncate(arg, 60))
	}
	rel, _ := filepath.Rel(realRoot, real)
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		if strings.EqualFold(part, ".git") {
			return "", fmt.Errorf("`%s` is inside a .git directory, which holds credentials and is never read", truncate(arg, 60))
		}
	}
	// Stat before opening: opening a FIFO blocks, and a device can be endless.
	st, err := os.Stat(real)
	if err != nil {
		return "", fmt.Errorf("cannot read file %s: %w", truncate(arg, 60), errors.Unwrap(err))
	}
	if err := regular(st, arg); err != nil {
		return "", err
	}
	return real, nil
}

// regular refuses anything but a regular file of at most MaxReferencedFile bytes.
func regular(st os.FileInfo, arg string) error {
	switch m := st.Mode(); {
	case m.IsDir():
		return fmt.Errorf("%s is a directory, not a file", truncate(arg, 60))
	case !m.IsRegular():
		return fmt.Errorf("%s is not a regular file (%s); only regular files are read", truncate(arg, 60), kindOf(m))
	case st.Size() > MaxReferencedFile:
		return fmt.Errorf("file %s is larger than %d KiB%w", truncate(arg, 60), MaxReferencedFile>>10, silent(errOversized))
	}
	return nil
}

func kindOf(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

// within reports whether p is root or lies below it, lexically.
func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	if err != nil {
		return false
	}
	return rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// readConfined reads a file confinedPath admitted. It opens without blocking
// and without following a final symlink, then checks again what it opened, so
// a file swapped for a FIFO or a link after the check is still refused.
func readConfined(ctx context.Context, real, arg string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(real, os.O_RDONLY|openNoBlock, 0)
	if err != nil {
		return nil, fmt.Errorf("cannot read file %s: %w", truncate(arg, 60), errors.Unwrap(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read file %s: %w", truncate(arg, 60), errors.Unwrap(err))
	}
	if err := regular(st, arg); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxReferencedFile+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read file %s: %w", truncate(arg, 60), errors.Unwrap(err))
	}
	if len(b) > MaxReferencedFile {
		return nil, fmt.Errorf("file %s is larger than %d KiB%w", truncate(arg, 60), MaxReferencedFile>>10, silent(errOversized))
	}
	return b, nil
}
