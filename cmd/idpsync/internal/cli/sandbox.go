package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/idpsync/idpsync/emulator"
	"github.com/idpsync/idpsync/plan/planfile"
)

// sandboxKeyFile holds the sandbox's random plan key: the sandbox token is
// made up anew by every run, so it cannot key plans saved by an earlier run.
const sandboxKeyFile = "plan.key"

// sandboxLockFile is locked for as long as a process uses the sandbox: the
// emulator loads the data file on start and rewrites it after every write,
// so two processes at once would each overwrite the other's objects.
const sandboxLockFile = "lock"

// startSandbox takes the sandbox's lock (waiting, with a message, while
// another process holds it), then runs the emulator in-process on a random
// loopback port, with its data under dir and every account created on first
// use, and credentials made up for this run only: a token, and a global key
// for the /shares endpoints, which refuse tokens as the real ones document.
// The returned close stops the emulator and releases the lock.
func startSandbox(ctx context.Context, dir string, errOut io.Writer) (*emulator.Server, sandboxCredentials, func() error, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, sandboxCredentials{}, nil, fmt.Errorf("sandbox: %w", err)
	}
	unlock, err := lockSandbox(ctx, dir, errOut)
	if err != nil {
		return nil, sandboxCredentials{}, nil, err
	}
	creds := sandboxCredentials{
		Token: "sandbox-" + rand.Text(),
		Email: "sandbox@idpsync.invalid",
		Key:   "sandbox-key-" + rand.Text(),
	}
	srv, err := emulator.Start(emulator.Options{
		DataFile:     filepath.Join(dir, "emulator.json"),
		Tokens:       []string{creds.Token},
		Keys:         []emulator.APIKey{{Email: creds.Email, Key: creds.Key}},
		AutoAccounts: true,
		// A sandbox account stands for one where Zero Trust is set up, as
		// every account that holds IdPs is: it has its Access organization
		// from the start. Every other strict behaviour stays on.
		Lenient: emulator.Leniency{AccessOrganization: true},
	}, "127.0.0.1:0")
	if err != nil {
		unlock()
		return nil, sandboxCredentials{}, nil, fmt.Errorf("sandbox: start the emulator: %w", err)
	}
	return srv, creds, func() error {
		err := srv.Close()
		unlock()
		return err
	}, nil
}

// sandboxCredentials are what one run's sandbox accepts.
type sandboxCredentials struct{ Token, Email, Key string }

// lockPoll is how often a waiting process tries the sandbox lock again.
const lockPoll = 100 * time.Millisecond

// lockSandbox takes the sandbox's lock, telling the user once when it has to
// wait for another process. Ctrl-C stops the wait.
func lockSandbox(ctx context.Context, dir string, errOut io.Writer) (func(), error) {
	path := filepath.Join(dir, sandboxLockFile)
	told := false
	for {
		unlock, err := tryLock(path)
		if err == nil {
			return unlock, nil
		}
		if !errors.Is(err, errLocked) {
			return nil, fmt.Errorf("sandbox: lock %s: %w", path, err)
		}
		if !told && errOut != nil {
			fmt.Fprintf(errOut, "Waiting for another idpsync process to finish with the sandbox %s...\n", dir)
			told = true
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("sandbox: another idpsync process is using %s: %w", dir, ctx.Err())
		case <-time.After(lockPoll):
		}
	}
}

// publishKey writes a new random key to path unless one is there already.
// Processes started together on a new sandbox read the key before any takes
// the sandbox's lock, so the key appears whole or not at all: it is written
// to a temporary file, then linked to its name, which fails when another
// process linked its own first (then both use that one). Creating path
// itself with O_EXCL and writing it would let a racing reader see it empty.
func publishKey(dir, path string) error {
	b := make([]byte, 32)
	rand.Read(b)
	tmp, err := os.CreateTemp(dir, sandboxKeyFile+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.Write(b)
	if err := tmp.Close(); werr != nil || err != nil {
		return errors.Join(werr, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return nil
}

// errLocked says another process holds the lock.
var errLocked = errors.New("locked by another process")

// SandboxPlanKey returns the sandbox's plan key, creating it on first use.
func SandboxPlanKey(dir string) (planfile.Key, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return planfile.Key{}, fmt.Errorf("sandbox: %w", err)
	}
	path := filepath.Join(dir, sandboxKeyFile)
	b, err := readKeyFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := publishKey(dir, path); err != nil {
			return planfile.Key{}, fmt.Errorf("sandbox: write the plan key: %w", err)
		}
		b, err = readKeyFile(path)
	}
	if err != nil {
		return planfile.Key{}, fmt.Errorf("sandbox: read the plan key: %w", err)
	}
	return planfile.RandomKey(b, "the sandbox's key ("+path+")")
}

// readKeyFile reads the sandbox's plan key: 32 bytes; anything much larger
// is not a key idpsync wrote, and is not read whole.
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, 1<<10+1))
	if err != nil {
		return nil, err
	}
	if len(b) > 1<<10 {
		return nil, fmt.Errorf("%s is not a key idpsync wrote (too large)", path)
	}
	return b, nil
}
