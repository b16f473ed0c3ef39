package planfile

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/idpsync/idpsync/plan"
)

// Marker is the first key of every saved plan; its value is Version.
const Marker = "idpsync_saved_plan"

// Version is the version of the saved-plan envelope. The plan inside keeps
// its own plan.FormatVersion. Version 2 added the API endpoint to what the
// MAC covers.
const Version = 2

// MaxSize bounds what Read reads: a saved plan of thousands of IdPs is a few
// MiB, and an artifact, which whoever can write to the pipeline's artifacts
// controls, must not exhaust memory. Read checks the size the file system
// reports before it reads, and reads no more than this either way.
const MaxSize = 64 << 20

// macPrefix names the algorithm, so that another one can come later.
const macPrefix = "hmac-sha256:"

// ErrNotSavedPlan says a file has no saved-plan marker.
var ErrNotSavedPlan = errors.New("not a plan saved by idpsync plan --out")

// ErrPlanView says a file is the JSON view of a plan (plan --output json),
// which is for people and tools and is not authenticated.
var ErrPlanView = errors.New("this is the JSON view of a plan (plan --output json), which apply does not execute; save a plan for apply with idpsync plan --out FILE")

// MismatchError is a saved plan whose MAC does not verify.
type MismatchError struct {
	Path string
	// OtherKey is set when the file was authenticated with another key (other
	// credentials); otherwise the file was changed after it was written.
	OtherKey bool
	// Source is where the key apply used comes from.
	Source string
}

func (e *MismatchError) Error() string {
	if e.OtherKey {
		return fmt.Sprintf("%s: the saved plan was made with another key than %s: it was planned with other credentials (or another %s). "+
			"When the plan job and the apply job use different credentials (a read token to plan, a write token to apply), "+
			"set the same %s in both. Nothing was sent to the API.", e.Path, e.Source, EnvKey, EnvKey)
	}
	return fmt.Sprintf("%s: the saved plan was changed after idpsync wrote it (its MAC does not verify): refusing to apply it. "+
		"Plan again and apply the new file unmodified. Nothing was sent to the API.", e.Path)
}

// EndpointError is a saved plan made against another API than the one apply
// would send it to: its ids and version markers belong to that API.
type EndpointError struct {
	Path             string
	Planned, ApplyTo string
}

func (e *EndpointError) Error() string {
	return fmt.Sprintf("%s: the saved plan was made against the API at %s, and this apply would send it to %s: refusing to apply it. "+
		"Apply it against the API it was planned against (--api-url, CLOUDFLARE_BASE_URL or --sandbox as when planning), or plan again against this one. "+
		"Nothing was sent to the API.", e.Path, e.Planned, e.ApplyTo)
}

// header is the part of the envelope before the plan. The plan must come
// last: Write appends it verbatim and Read authenticates its bytes as they are.
type envelope struct {
	Marker *int   `json:"idpsync_saved_plan"`
	KeyID  string `json:"key_id"`
	// Endpoint is the API the plan was made against; the MAC covers it.
	Endpoint string          `json:"api_endpoint"`
	MAC      string          `json:"mac"`
	Plan     json.RawMessage `json:"plan"`
}

// mac authenticates the envelope's version and endpoint with the plan's exact
// bytes. The endpoint is quoted, so no choice of it can forge another line.
func mac(k Key, version int, endpoint string, planJSON []byte) string {
	m := hmac.New(sha256.New, k.mac)
	m.Write([]byte(Marker + " " + strconv.Itoa(version) + "\n"))
	m.Write([]byte(strconv.Quote(endpoint) + "\n"))
	m.Write(planJSON)
	return macPrefix + hex.EncodeToString(m.Sum(nil))
}

// Encode returns the saved-plan file of p, made against the API at endpoint,
// authenticated with k.
func Encode(p *plan.Plan, k Key, endpoint string) ([]byte, error) {
	if !k.Valid() {
		return nil, errors.New("save plan: no key")
	}
	body, err := json.MarshalIndent(p, "  ", "  ")
	if err != nil {
		return nil, fmt.Errorf("save plan: %w", err)
	}
	var b bytes.Buffer
	ep, _ := json.Marshal(endpoint)
	fmt.Fprintf(&b, "{\n  %q: %d,\n  \"key_id\": %q,\n  \"api_endpoint\": %s,\n  \"mac\": %q,\n  \"plan\": ", Marker, Version, k.ID(), ep, mac(k, Version, endpoint, body))
	b.Write(body)
	b.WriteString("\n}\n")
	return b.Bytes(), nil
}

// Save writes p, made against the API at endpoint, to path for apply, with
// mode 0600, replacing the file only once the new one is complete.
func Save(path string, p *plan.Plan, k Key, endpoint string) error {
	b, err := Encode(p, k, endpoint)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".idpsync-plan-*")
	if err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("save plan: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	return nil
}

// Detect reports whether the file at path is a saved plan, by its content.
// It returns ErrPlanView for the JSON view of a plan, and false for anything
// else (a YAML file, a directory).
func Detect(path string) (bool, error) {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		return false, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return false, nil
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	return sniff(head[:n])
}

func sniff(head []byte) (bool, error) {
	t := bytes.TrimLeft(head, " \t\r\n")
	if !bytes.HasPrefix(t, []byte("{")) {
		return false, nil
	}
	t = bytes.TrimLeft(t[1:], " \t\r\n")
	switch {
	case bytes.HasPrefix(t, []byte(strconv.Quote(Marker))):
		return true, nil
	case bytes.HasPrefix(t, []byte(`"format_version"`)):
		return false, ErrPlanView
	}
	return false, nil
}

// where describes a JSON error of the envelope, read before its MAC is
// verified, by byte offset only: encoding/json's messages quote what they met
// (a field name, a number, a character), and the file is not yet known to be
// one idpsync wrote. The error itself is not wrapped for the same reason.
func where(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("not valid JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("a value of the wrong type at byte %d", te.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "it ends before the envelope does"
	}
	// DisallowUnknownFields' error has no offset.
	return "a field a saved plan does not have"
}

// Read reads and verifies the saved plan at path, for an apply against the
// API at endpoint. It checks the MAC over the bytes as stored before it parses
// the plan, so nothing of an edited file is ever used, then refuses a plan
// made against another API.
func Read(path string, k Key, endpoint string) (*plan.Plan, error) {
	// Checked before opening: opening a FIFO blocks until a writer comes,
	// and a device never ends; neither is a saved plan.
	if st, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("read saved plan: %w", err)
	} else if err := checkFile(path, st); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read saved plan: %w", err)
	}
	defer f.Close()
	// Again on what was opened: the path may have changed in between.
	if st, err := f.Stat(); err != nil {
		return nil, fmt.Errorf("read saved plan: %w", err)
	} else if err := checkFile(path, st); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(bufio.NewReader(f), MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read saved plan: %w", err)
	}
	if len(b) > MaxSize {
		return nil, fmt.Errorf("%s: larger than %d MiB; not a saved plan", path, MaxSize>>20)
	}
	return Decode(path, b, k, endpoint)
}

// checkFile refuses what is not a regular file of at most MaxSize bytes.
func checkFile(path string, st os.FileInfo) error {
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file; not a saved plan", path)
	}
	if st.Size() > MaxSize {
		return fmt.Errorf("%s: %d MiB, larger than the %d MiB a saved plan may be; not read", path, st.Size()>>20, MaxSize>>20)
	}
	return nil
}

// Decode is Read for bytes already in memory; name is used in messages.
func Decode(name string, b []byte, k Key, endpoint string) (*plan.Plan, error) {
	if ok, err := sniff(b); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	} else if !ok {
		return nil, fmt.Errorf("%s: %w", name, ErrNotSavedPlan)
	}
	var env envelope
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return nil, fmt.Errorf("%s: the saved plan is damaged: %s", name, where(err))
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: the saved plan is damaged: data after the plan", name)
	}
	if env.Marker == nil || env.Plan == nil || env.MAC == "" {
		return nil, fmt.Errorf("%s: the saved plan is damaged: marker, mac or plan missing", name)
	}
	if *env.Marker != Version {
		return nil, fmt.Errorf("%s: saved plan version %d is not supported (this idpsync reads version %d); plan again with this version", name, *env.Marker, Version)
	}
	if !k.Valid() {
		return nil, errors.New("read saved plan: no key")
	}
	if !hmac.Equal([]byte(env.MAC), []byte(mac(k, *env.Marker, env.Endpoint, env.Plan))) {
		return nil, &MismatchError{Path: name, OtherKey: env.KeyID != k.ID(), Source: k.Source}
	}
	// The ids, version markers and reads of a plan are those of the API it
	// was made against: another one (a staging endpoint, the sandbox) would
	// get writes planned for objects it does not hold.
	if env.Endpoint != endpoint {
		return nil, &EndpointError{Path: name, Planned: env.Endpoint, ApplyTo: endpoint}
	}
	var p plan.Plan
	pd := json.NewDecoder(bytes.NewReader(env.Plan))
	pd.DisallowUnknownFields()
	if err := pd.Decode(&p); err != nil {
		return nil, fmt.Errorf("%s: the saved plan cannot be read: %w", name, err)
	}
	major := func(v string) string { return strings.SplitN(v, ".", 2)[0] }
	if p.FormatVersion == "" || major(p.FormatVersion) != major(plan.FormatVersion) {
		return nil, fmt.Errorf("%s: plan format %q is not supported (this idpsync writes %s)", name, p.FormatVersion, plan.FormatVersion)
	}
	return &p, nil
}
