package cli

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/idpsync/idpsync/apply"
	"github.com/idpsync/idpsync/plan"
)

// The --secrets-out directory holds two kinds of files, and nothing else of
// idpsync's:
//
//	<account label>-<IdP name>.<IdP id>.scim-secret   the secret (mode 0600)
//	<account label>-<IdP name>.<random>.scim-pending  a record, without any secret
//
// A pending record is written and synced before a request whose answer
// carries a SCIM secret (a create or update that switches SCIM on, a
// rotation). Once the answer's secret is in its file, synced, the record is
// removed. A record that stays says that a secret was handed out and never
// written: the run was killed, the answer was lost, or it held no secret.
// Plan, drift and apply read the directory (names, and the records' few
// fields) and report such an IdP; the file of an IdP's secret, by its id,
// says it was delivered. Nothing else is recorded anywhere: without the
// directory, idpsync cannot tell.
const (
	scimSecretSuffix  = ".scim-secret"
	scimPendingSuffix = ".scim-pending"
	// maxSecretsOutEntries bounds the listing of the directory, and
	// maxPendingRecord the bytes read of one record.
	maxSecretsOutEntries = 100_000
	maxPendingRecord     = 4 << 10
)

// safeID is an id that may stand in a file name as it is.
var safeID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`) })

// fileID is the IdP id as it appears in a file name: as the API gave it
// when it is made of letters, digits and dashes (a UUID), else a hash, so
// that an id from a hostile server can never name another path.
func fileID(id string) string {
	if safeID().MatchString(id) {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return "h" + hex.EncodeToString(sum[:8])
}

// scimBase is the readable start of an IdP's file names.
func scimBase(accountLabel, idpName string) string {
	base := unsafeFileChars().ReplaceAllString(accountLabel+"-"+idpName, "_")
	if len(base) > 100 {
		base = base[:100]
	}
	return base
}

// SCIMSecretFileName is the file an IdP's SCIM secret is written to. The
// IdP's id in the name keeps every copy of an IdP (two overlapping runs may
// each create one) in a file of its own, and says which IdP the secret
// opens whatever the label and name.
func SCIMSecretFileName(accountLabel, idpName, idpID string) string {
	return scimBase(accountLabel, idpName) + "." + fileID(idpID) + scimSecretSuffix
}

// secretFileID is the IdP id part of a secret file's name; false for a name
// that is not one.
func secretFileID(name string) (string, bool) {
	stem, ok := strings.CutSuffix(name, scimSecretSuffix)
	if !ok || strings.HasPrefix(name, ".") {
		return "", false
	}
	i := strings.LastIndexByte(stem, '.')
	if i < 0 || !safeID().MatchString(stem[i+1:]) {
		return "", false
	}
	return stem[i+1:], true
}

// pendingRecord is the content of a .scim-pending file. It holds no secret.
type pendingRecord struct {
	AccountID string `json:"account_id"`
	Address   string `json:"address"`
	IdPName   string `json:"idp_name"`
	// IdPID is empty for a create: its id is unknown when the request starts.
	IdPID string `json:"idp_id,omitempty"`
	// Host and PID name the process waiting for the answer: while it
	// lives, the record is a request in flight, not a loss.
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
}

// matches reports whether the record is about the IdP id named name.
func (r *pendingRecord) matches(accountID, name, id string) bool {
	return r.AccountID == accountID && (r.IdPID == id || r.IdPID == "" && r.IdPName == name)
}

// SCIMSecretWriter is the apply.SCIMSecretSink of --secrets-out: one file per
// IdP id, mode 0600, in a directory it creates with mode 0700, with a
// pending record around each request. It is safe for concurrent use, as
// apply runs actions at once.
type SCIMSecretWriter struct {
	Dir string

	mu      sync.Mutex
	started map[string]time.Time // this run's records, by file name
}

// Prepare creates the directory, so that a directory that cannot be made
// fails the apply before its first write rather than after the secret came.
func (w *SCIMSecretWriter) Prepare() error {
	if err := CheckOutDir("--secrets-out", w.Dir); err != nil {
		return err
	}
	if err := os.MkdirAll(w.Dir, 0o700); err != nil {
		return fmt.Errorf("--secrets-out: %w", err)
	}
	st, err := os.Stat(w.Dir)
	if err != nil {
		return fmt.Errorf("--secrets-out: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("--secrets-out: %s is not a directory", w.Dir)
	}
	return nil
}

// ExpectSCIMSecret records, before the request, that a secret is on its way
// for s's IdP, and returns the record's name for WriteSCIMSecret. A record
// that cannot be written fails the action before its request: better no
// secret asked for than one that could be lost without a trace.
func (w *SCIMSecretWriter) ExpectSCIMSecret(_ context.Context, s apply.SCIMSecret) (string, error) {
	if err := w.Prepare(); err != nil {
		return "", err
	}
	var nonce [8]byte
	rand.Read(nonce[:])
	name := scimBase(s.Account, s.IdPName) + "." + hex.EncodeToString(nonce[:]) + scimPendingSuffix
	host, _ := os.Hostname()
	rec := pendingRecord{
		AccountID: s.AccountID, Address: s.IdP, IdPName: s.IdPName, IdPID: s.IdPID,
		Host: host, PID: os.Getpid(), Started: time.Now().UTC(),
	}
	b, _ := json.Marshal(rec)
	if err := WriteFileSynced(filepath.Join(w.Dir, name), append(b, '\n'), 0o600); err != nil {
		return "", fmt.Errorf("record the SCIM secret expected: %w", err)
	}
	w.mu.Lock()
	if w.started == nil {
		w.started = map[string]time.Time{}
	}
	w.started[name] = rec.Started
	w.mu.Unlock()
	return name, nil
}

// WriteSCIMSecret writes one secret, syncs the file and the directory, and
// only then removes the pending record (s.Ticket) and those of earlier
// requests for the same IdP, now answered by this secret. It returns the
// file's path. Its errors name the file, never the secret.
func (w *SCIMSecretWriter) WriteSCIMSecret(_ context.Context, s apply.SCIMSecret) (string, error) {
	if s.IdPID == "" {
		return "", errors.New("no identity provider id to name the file by")
	}
	path := filepath.Join(w.Dir, SCIMSecretFileName(s.Account, s.IdPName, s.IdPID))
	if err := w.Prepare(); err != nil {
		return "", err
	}
	// WriteFileSynced replaces whatever is at path (a planted link
	// included) rather than writing through it; a rotation replaces the
	// IdP's previous secret, which no longer works.
	if err := WriteFileSynced(path, []byte(s.Secret+"\n"), 0o600); err != nil {
		return "", err
	}
	w.settle(s)
	return path, nil
}

// settle removes the pending records the secret of s answers: its own, and
// those of requests for the same IdP that started before it (a killed run,
// an earlier answer without a secret). A later record is another request
// still in flight, and stays. Failing to remove one only leaves a record the
// next plan finds answered, as the secret's file is there.
func (w *SCIMSecretWriter) settle(s apply.SCIMSecret) {
	w.mu.Lock()
	own, ok := w.started[s.Ticket]
	delete(w.started, s.Ticket)
	w.mu.Unlock()
	if s.Ticket != "" {
		os.Remove(filepath.Join(w.Dir, s.Ticket))
	}
	if !ok {
		own = time.Now()
	}
	names, _ := listDir(w.Dir)
	for _, name := range names {
		if !strings.HasSuffix(name, scimPendingSuffix) || name == s.Ticket {
			continue
		}
		rec, err := readPending(filepath.Join(w.Dir, name))
		if err == nil && rec.matches(s.AccountID, s.IdPName, s.IdPID) && !rec.Started.After(own) {
			os.Remove(filepath.Join(w.Dir, name))
		}
	}
	syncDir(w.Dir)
}

// ForgetSCIMSecret removes the secret file of an IdP apply deleted (a
// duplicate, a pruned or replaced IdP): it opens nothing any more, and a
// file left beside the kept copy's would only confuse whoever hands it over.
func (w *SCIMSecretWriter) ForgetSCIMSecret(_ context.Context, idpID string) {
	names, _ := listDir(w.Dir)
	for _, name := range names {
		if id, ok := secretFileID(name); ok && id == fileID(idpID) {
			os.Remove(filepath.Join(w.Dir, name))
		}
	}
	syncDir(w.Dir)
}

// ReadSCIMDeliveries reads what dir records of the SCIM secrets asked for:
// the ids whose secret file is present, and the pending records of requests
// no longer in flight. A directory that does not exist records nothing. It
// reads names and records only, never a secret.
func ReadSCIMDeliveries(dir string) (*plan.SCIMDeliveries, error) {
	d := &plan.SCIMDeliveries{Dir: dir, Delivered: map[string]time.Time{}}
	names, err := listDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return d, nil
	}
	if err != nil {
		return nil, fmt.Errorf("--secrets-out: %w", err)
	}
	host, _ := os.Hostname()
	for _, name := range names {
		if id, ok := secretFileID(name); ok {
			st, err := os.Lstat(filepath.Join(dir, name))
			if err != nil {
				continue // removed meanwhile
			}
			d.Delivered[id] = st.ModTime()
			continue
		}
		if !strings.HasSuffix(name, scimPendingSuffix) || strings.HasPrefix(name, ".") {
			continue
		}
		rec, err := readPending(filepath.Join(dir, name))
		if err != nil {
			// Records are written whole (a rename), so this is damage or
			// a stranger's file: fail closed, naming it.
			return nil, fmt.Errorf("--secrets-out: %s is not a record idpsync wrote (%v); if it is not needed, remove it", safeName(name), err)
		}
		if rec.Host == host && inFlight(rec.PID) && time.Since(rec.Started) < 24*time.Hour {
			continue // another apply on this host still waits for the answer
		}
		d.Pending = append(d.Pending, plan.SCIMPending{AccountID: rec.AccountID, IdPName: rec.IdPName, IdPID: rec.IdPID, Record: name, Started: rec.Started})
	}
	return d, nil
}

// safeName is a file name fit for a message: only the characters idpsync
// itself puts in names, anything else replaced.
func safeName(name string) string {
	return unsafeFileChars().ReplaceAllString(name, "_")
}

func listDir(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(maxSecretsOutEntries + 1)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if len(names) > maxSecretsOutEntries {
		return nil, fmt.Errorf("%s holds more than %d entries; give a directory of its own", dir, maxSecretsOutEntries)
	}
	return names, nil
}

func readPending(path string) (*pendingRecord, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPendingRecord+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxPendingRecord {
		return nil, fmt.Errorf("larger than %d bytes", maxPendingRecord)
	}
	var rec pendingRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, errors.New("not valid JSON")
	}
	if rec.AccountID == "" || rec.IdPName == "" && rec.IdPID == "" {
		return nil, errors.New("no account or identity provider")
	}
	return &rec, nil
}

// SCIMRotateCommand is the command that delivers a new SCIM secret for the
// IdP at addr: a rotation written into dir, with the paths and connection
// flags of this run.
func SCIMRotateCommand(api *API, dir string, paths []string) func(addr string) string {
	return func(addr string) string {
		args := []string{"idpsync", "apply", "--rotate-scim-secret", addr, "--secrets-out", dir}
		args = append(args, api.ConnectionFlags()...)
		args = append(args, paths...)
		return ShellJoin(args)
	}
}

// SCIMDeliveryFlag registers --secrets-out on plan and drift, which only
// read the directory: the IdPs whose SCIM secret an apply asked for and
// never wrote there are reported.
func SCIMDeliveryFlag(cmd *cobra.Command, dir *string) {
	cmd.Flags().StringVar(dir, "secrets-out", "", "the `DIR` apply writes SCIM secrets to: report each IdP whose secret an apply asked for and never wrote there (read only; nothing is written)")
}

// SCIMDeliveriesFor reads dir for a plan, with the command a finding shows;
// nil when no directory was given.
func SCIMDeliveriesFor(api *API, dir string, paths []string) (*plan.SCIMDeliveries, error) {
	if dir == "" {
		return nil, nil
	}
	d, err := ReadSCIMDeliveries(dir)
	if err != nil {
		return nil, err
	}
	d.Command = SCIMRotateCommand(api, dir, paths)
	return d, nil
}
