package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// WriteFile writes data to path with mode perm, for every file a command
// writes on request (--cert-out, certs --out, import --out, sp-metadata
// --out, --full-output, --secrets-out). The data goes to a new file in the
// same directory, created exclusively with mode 0600, which then replaces
// path by rename: a symbolic link or hard link planted at path (a checkout
// can hold either) is replaced, never written through, and a reader never
// sees a half-written file. Its errors name path, never the data.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	return writeFile(path, data, perm, false)
}

// WriteFileSynced is WriteFile that also syncs the file before the rename
// and the directory after it, so that once it returns the file survives a
// crash or power loss: a SCIM secret the API hands out once must be on disk
// before the next request.
func WriteFileSynced(path string, data []byte, perm fs.FileMode) error {
	return writeFile(path, data, perm, true)
}

func writeFile(path string, data []byte, perm fs.FileMode, durable bool) error {
	if st, err := os.Lstat(path); err == nil && st.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, pathCause(err))
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, pathCause(err))
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, pathCause(err))
	}
	if durable {
		if err := tmp.Sync(); err != nil {
			return fmt.Errorf("write %s: sync: %w", path, pathCause(err))
		}
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, pathCause(err))
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		done = true
		return fmt.Errorf("write %s: %w", path, pathCause(err))
	}
	done = true
	if durable {
		if err := syncDir(filepath.Dir(path)); err != nil {
			return fmt.Errorf("write %s: sync its directory: %w", path, pathCause(err))
		}
	}
	return nil
}

// syncDir makes the renames and removals in dir durable. Some systems
// cannot sync a directory (EINVAL): there the rename is as durable as it gets.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, errors.ErrUnsupported) {
		return err
	}
	return nil
}

// pathCause is an error without the path a *fs.PathError or *os.LinkError
// repeats (the temporary file's name means nothing to the user).
func pathCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// CheckOutDir refuses an output directory (flag names it in messages) that
// is a symbolic link: a checkout or a shared runner can hold one pointing
// anywhere, and files written "into" it would land where the link points,
// out of sight of whoever reads the flag. A directory that does not exist
// yet is fine; the command creates it.
//
// With flag "", messages start with the directory: the caller names the flag.
func CheckOutDir(flag, dir string) error {
	if flag != "" {
		if err := CheckOutDir("", dir); err != nil {
			return fmt.Errorf("%s: %w", flag, err)
		}
		return nil
	}
	st, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case st.Mode()&fs.ModeSymlink != 0:
		target, _ := os.Readlink(dir)
		return fmt.Errorf("%s is a symbolic link (to %s); give the directory itself", dir, target)
	case !st.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	}
	return nil
}

// RefuseOverwrite refuses, before anything is written, to replace files
// that exist, so that a second import --out does not silently discard edits
// made to the first one's files; force lifts it.
func RefuseOverwrite(flag string, force bool, paths ...string) error {
	if force {
		return nil
	}
	for _, p := range paths {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("%s: %s exists; give --force to replace it (nothing written)", flag, p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s: %w", flag, err)
		}
	}
	return nil
}

// GitWorkTree returns the top of the git work tree dir is in (dir need not
// exist yet), or "" when it is in none. A .git entry (a directory in a
// clone, a file in a worktree or submodule) marks the top.
func GitWorkTree(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for d := abs; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return ""
		}
		d = parent
	}
}
