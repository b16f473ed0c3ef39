//go:build !unix

package cli

import (
	"errors"
	"os"
)

// tryLock creates path exclusively: without flock, the file's existence is
// the lock. A process killed while holding it leaves the file behind, to be
// removed by hand.
func tryLock(path string) (func(), error) {
	f, err := os.OpenFile(path+".held", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, errLocked
		}
		return nil, err
	}
	f.Close()
	return func() { os.Remove(path + ".held") }, nil
}
