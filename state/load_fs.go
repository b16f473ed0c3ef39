package state

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// expandFS is expand for LoadOptions.FS: the same rules (a directory
// contributes its *.yaml and *.yml files, sorted, not recursively), over
// paths inside the FS, whose top is the configuration root.
func (l *loader) expandFS(paths []string) []loadTarget {
	var files []loadTarget
	seen := map[string]bool{}
	add := func(f string) {
		if !seen[f] {
			seen[f] = true
			files = append(files, loadTarget{f, "."})
		}
	}
	for _, p := range paths {
		p = path.Clean(p)
		if !fs.ValidPath(p) {
			l.errorf(Pos{File: p}, "", "path leaves the configuration root")
			continue
		}
		st, err := fs.Stat(l.fsys, p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				l.errorf(Pos{File: p}, "", "no such file or directory")
			} else {
				l.errorf(Pos{File: p}, "", "cannot read: %v", err)
			}
			continue
		}
		if !st.IsDir() {
			add(p)
			continue
		}
		entries, err := fs.ReadDir(l.fsys, p)
		if err != nil {
			l.errorf(Pos{File: p}, "", "cannot read directory: %v", err)
			continue
		}
		n := 0
		for _, e := range entries {
			ext := path.Ext(e.Name())
			if e.IsDir() || (ext != ".yaml" && ext != ".yml") || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			add(path.Join(p, e.Name()))
			n++
		}
		if n == 0 {
			l.errorf(Pos{File: p}, "pass the files to load, or a directory that holds them", "no *.yaml or *.yml files in this directory")
		}
	}
	return files
}

// readFS reads a desired-state file from LoadOptions.FS; nil when it
// reported why it could not.
func (l *loader) readFS(p string) []byte {
	if err := l.ctx.Err(); err != nil {
		l.errorf(Pos{File: p}, "", "loading stopped: %v", err)
		return nil
	}
	st, err := fs.Stat(l.fsys, p)
	if err != nil {
		l.errorf(Pos{File: p}, "", "cannot read: %v", err)
		return nil
	}
	if !st.Mode().IsRegular() {
		l.errorf(Pos{File: p}, "", "not a regular file")
		return nil
	}
	if st.Size() > maxFileSize {
		l.errorf(Pos{File: p}, "split the desired state into several files", "file is larger than %d MiB", maxFileSize>>20)
		return nil
	}
	data, err := fs.ReadFile(l.fsys, p)
	if err != nil {
		l.errorf(Pos{File: p}, "", "cannot read: %v", err)
		return nil
	}
	if len(data) > maxFileSize {
		l.errorf(Pos{File: p}, "split the desired state into several files", "file is larger than %d MiB", maxFileSize>>20)
		return nil
	}
	if data == nil {
		data = []byte{}
	}
	return data
}

// readReferencedFS reads the file a ${file:ARG} names, relative to baseDir,
// from fsys: inside its top, never under .git, a regular file of at most
// MaxReferencedFile bytes.
func readReferencedFS(fsys fs.FS, baseDir, arg string) ([]byte, error) {
	if path.IsAbs(arg) || strings.HasPrefix(arg, `\`) || strings.ContainsRune(arg, 0) {
		return nil, fmt.Errorf("`%s` is not a relative path inside the configuration root", truncate(arg, 60))
	}
	p := path.Join(baseDir, arg)
	if !fs.ValidPath(p) {
		return nil, fmt.Errorf("`%s` leaves the configuration root", truncate(arg, 60))
	}
	for _, part := range strings.Split(p, "/") {
		if strings.EqualFold(part, ".git") {
			return nil, fmt.Errorf("`%s` is inside a .git directory, which is never read", truncate(arg, 60))
		}
	}
	st, err := fs.Stat(fsys, p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("file %s %w", truncate(arg, 60), errNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read file %s: %w", truncate(arg, 60), err)
	}
	if err := regular(st, arg); err != nil {
		return nil, err
	}
	b, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, fmt.Errorf("cannot read file %s: %w", truncate(arg, 60), err)
	}
	if len(b) > MaxReferencedFile {
		return nil, fmt.Errorf("file %s is larger than %d KiB%w", truncate(arg, 60), MaxReferencedFile>>10, silent(errOversized))
	}
	return b, nil
}
