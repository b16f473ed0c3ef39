package state

import (
	"github.com/idpsync/idpsync/idptype"

	"bytes"
	"cmp"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	pathpkg "path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// maxFileSize refuses a desired-state file before reading it: a real one is a
// few hundred kilobytes even for thousands of IdPs.
const maxFileSize = 32 << 20

// LoadOptions are the environment a load resolves references and checks dates against.
type LoadOptions struct {
	// Getenv looks up ${env:NAME} references; nil means os.LookupEnv.
	Getenv func(string) (string, bool)
	// Now is the time certificates are checked against; nil means time.Now.
	Now func() time.Time
	// Root is the configuration root every ${file:...} is confined to; empty
	// means the top of the git work tree holding each path given, else that
	// path's directory.
	Root string
	// RequireSecrets makes an unset secret an error. Without it, a sensitive
	// key whose variable is unset or whose file is absent is deferred
	// (SecretSource.Deferred): plan and drift never compare secrets.
	RequireSecrets bool
	// SkipEnv defers every unset ${env:NAME}, not only secrets, for a check of
	// the files alone (validate). A Desired loaded this way must not be applied.
	SkipEnv bool
	// MaxFederatedIdPs caps the IdPs one account may federate; 0 means
	// MaxFederatedIdPs, the documented five.
	MaxFederatedIdPs int
	// FS, when set, is where the files are read instead of the disk: the
	// paths are slash-separated paths inside it, and its top is the
	// configuration root (Root is ignored). It loads another revision of
	// the configuration for comparison only (plan --changed-since): every
	// ${env:NAME} and every sensitive ${file:PATH} is deferred unread, so
	// such values are compared in their declared form, while public files
	// (certificates, SAML metadata) are read from FS. A Desired loaded this
	// way must not be planned or applied.
	FS fs.FS
}

// loader is the state of one Load: the diagnostics so far, the file being
// read, and the declarations gathered from every document.
type loader struct {
	diagnoser
	ctx            context.Context
	getenv         func(string) (string, bool)
	now            time.Time
	skipEnv        bool
	requireSecrets bool
	rootOpt        string
	fsys           fs.FS
	budget         int64
	budgetSpent    bool
	fileCache      map[string]string
	oversized      map[string]*oversizedFile // by root and path

	schemas *schemaSet

	file    string // the file being read, as named to the user
	baseDir string // its absolute directory, for ${file:...}
	root    string // the configuration root of the file
	nodes   int    // nodes produced from the current document

	files        []string
	accounts     []*accountDecl
	certs        map[string]certResult
	meant        map[string]bool // path+"\x00"+key: keys a misspelt key was taken for
	maxFederated int             // the cap of federated IdPs per account

	policy          *Policy // set when any document has a `policy:` block
	rules           []policyDecl
	waivers         []*Waiver
	driftExceptions []DriftException
}

// Load reads the desired state from files and directories (a directory
// contributes its *.yaml and *.yml files, sorted, not recursively), validates
// all of it, and merges accounts declared in several places. Every problem
// found is returned, sorted by position. The Desired is nil when any
// diagnostic is an error.
//
// Load reads files only inside the configuration root, never more than
// MaxReferencedTotal bytes for references, and stops when ctx is done.
func Load(ctx context.Context, paths []string, opts LoadOptions) (*Desired, Diagnostics) {
	l := &loader{
		ctx: ctx, getenv: opts.Getenv, now: time.Now(), skipEnv: opts.SkipEnv, requireSecrets: opts.RequireSecrets,
		rootOpt: opts.Root, budget: MaxReferencedTotal, fileCache: map[string]string{}, certs: map[string]certResult{},
		fsys: opts.FS,
	}
	if l.fsys != nil {
		// Nothing of the runner's environment reaches a comparison load.
		l.getenv, l.skipEnv, l.requireSecrets, l.rootOpt = func(string) (string, bool) { return "", false }, true, false, "."
	}
	l.maxFederated = cmp.Or(max(opts.MaxFederatedIdPs, 0), MaxFederatedIdPs)
	if opts.Root != "" && l.fsys == nil {
		if abs, err := filepath.Abs(opts.Root); err == nil {
			l.rootOpt = abs
		}
	}
	if l.getenv == nil {
		l.getenv = os.LookupEnv
	}
	if opts.Now != nil {
		l.now = opts.Now()
	}
	var err error
	if l.schemas, err = loadSchemaSet(); err != nil {
		// The schema is embedded and tested: this is a build defect.
		l.errorf(Pos{}, "", "internal error: %v", err)
		return nil, l.diags
	}

	for _, f := range l.expand(paths) {
		if err := ctx.Err(); err != nil {
			l.errorf(Pos{File: f.path}, "", "loading stopped: %v", err)
			break
		}
		l.loadFile(f)
	}
	if err := ctx.Err(); err != nil && !l.diags.HasErrors() {
		l.errorf(Pos{}, "", "loading stopped: %v", err)
	}
	l.countOversized()
	d := l.merge()
	diags := l.diags.sortDedupe()
	if diags.HasErrors() {
		return nil, diags
	}
	return d, diags
}

// loadTarget is one file to read and the configuration root its references
// are confined to.
type loadTarget struct {
	path string
	root string
}

// expand turns the paths given into the files to read, in order, each once.
// A file found by listing a directory is read only when it is a regular file
// whose real path stays inside the root: a pull request can commit a
// symbolic link named like a configuration file.
func (l *loader) expand(paths []string) []loadTarget {
	if l.fsys != nil {
		return l.expandFS(paths)
	}
	var files []loadTarget
	seen := map[string]bool{}
	add := func(f, root string) {
		if !seen[filepath.Clean(f)] {
			seen[filepath.Clean(f)] = true
			files = append(files, loadTarget{f, root})
		}
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				l.errorf(Pos{File: p}, "", "no such file or directory")
			} else {
				l.errorf(Pos{File: p}, "", "cannot read: %v", errors.Unwrap(err))
			}
			continue
		}
		root := l.rootOpt
		if root == "" {
			if root, err = FindRoot(p); err != nil {
				l.errorf(Pos{File: p}, "", "cannot find the configuration root: %v", err)
				continue
			}
		}
		if !st.IsDir() {
			add(p, root)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			l.errorf(Pos{File: p}, "", "cannot read directory: %v", errors.Unwrap(err))
			continue
		}
		n := 0
		for _, e := range entries { // sorted by name
			ext := filepath.Ext(e.Name())
			if e.IsDir() || (ext != ".yaml" && ext != ".yml") || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			f := filepath.Join(p, e.Name())
			if e.Type()&os.ModeSymlink != 0 {
				real, err := filepath.EvalSymlinks(f)
				realRoot, rerr := filepath.EvalSymlinks(root)
				if err != nil || rerr != nil || !within(realRoot, real) {
					l.errorf(Pos{File: f}, "commit the file itself, or pass its path explicitly", "symbolic link to a file outside the configuration root")
					n++
					continue
				}
			}
			add(f, root)
			n++
		}
		if n == 0 {
			l.errorf(Pos{File: p}, "pass the files to load, or a directory that holds them", "no *.yaml or *.yml files in this directory")
		}
	}
	return files
}

var yamlLineRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^yaml: line (\d+): (.*)$`) })

func (l *loader) loadFile(t loadTarget) {
	path := t.path
	l.file, l.root = path, t.root
	var data []byte
	if l.fsys != nil {
		l.baseDir = pathpkg.Dir(path)
		if data = l.readFS(path); data == nil {
			return
		}
	} else if data = l.readDisk(path); data == nil {
		return
	}
	l.files = append(l.files, path)
	l.parseFile(data)
}

// readDisk reads a desired-state file from the disk; nil when it reported
// why it could not.
func (l *loader) readDisk(path string) []byte {
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		dir = filepath.Dir(path)
	}
	l.baseDir = dir
	// Never block on a FIFO or read a device, whatever the name says.
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		l.errorf(Pos{File: path}, "", "not a regular file (%s)", kindOf(st.Mode()))
		return nil
	}
	f, err := os.OpenFile(path, os.O_RDONLY|openNoBlockFollow, 0)
	if err != nil {
		l.errorf(Pos{File: path}, "", "cannot read: %v", errors.Unwrap(err))
		return nil
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		l.errorf(Pos{File: path}, "", "not a regular file (%s)", kindOf(st.Mode()))
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		l.errorf(Pos{File: path}, "", "cannot read: %v", err)
		return nil
	}
	if len(data) > maxFileSize {
		l.errorf(Pos{File: path}, "split the desired state into several files", "file is larger than %d MiB", maxFileSize>>20)
		return nil
	}
	if data == nil {
		data = []byte{}
	}
	return data
}

// parseFile decodes every YAML document of the file being loaded.
func (l *loader) parseFile(data []byte) {
	path := l.file
	dec := yaml.NewDecoder(bytes.NewReader(data))
	docs := 0
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			l.yamlError(err)
			return
		}
		docs++
		l.loadDocument(&doc)
	}
	if docs == 0 {
		l.errorf(Pos{File: path}, "start it with `version: 1`", "file holds no YAML document")
	}
}

// yamlError reports a syntax error at the line the parser names.
func (l *loader) yamlError(err error) {
	msg := err.Error()
	pos := Pos{File: l.file}
	if m := yamlLineRe().FindStringSubmatch(msg); m != nil {
		pos.Line, _ = strconv.Atoi(m[1])
		pos.Column = 1
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	l.errorf(pos, "", "invalid YAML: %s", msg)
}

func (l *loader) loadDocument(doc *yaml.Node) {
	l.nodes = 0
	start := len(l.diags)
	val, err := l.toValue(doc, 0)
	var tooLarge errTooLarge
	if errors.As(err, &tooLarge) {
		l.errorf(l.pos(doc), "a document this large is usually an alias bomb; write the values out", "document expands to more than %d nodes", maxNodes)
		return
	}
	if val == nil {
		l.errorf(l.pos(doc), "start it with `version: 1`", "empty document")
		return
	}
	// Each later pass stays silent where an earlier one already spoke: a
	// problem is reported once, in the most specific words available.
	reported := map[Pos]bool{}
	for _, d := range l.diags[start:] {
		reported[d.Pos] = true
	}

	// The schema pass and the semantic pass only read the document, so they
	// run side by side; their diagnostics are then combined in a fixed order.
	type schemaResult struct {
		leaves []*jsonschema.ValidationError
		err    error
	}
	done := make(chan schemaResult, 1)
	go func() {
		leaves, err := l.schemas.validate(val)
		done <- schemaResult{leaves, err}
	}()
	before := len(l.diags)
	l.decodeDocument(doc, val)
	semantic := slices.Clone(l.diags[before:])
	l.diags = l.diags[:before]
	res := <-done

	l.keepNew(reported, func() { l.reportSchema(doc, val, res.leaves, res.err) })
	l.keepNew(reported, func() { l.diags = append(l.diags, semantic...) })
}

// keepNew runs a pass and drops the diagnostics it adds at positions already
// reported, then records the positions of those it keeps.
func (l *loader) keepNew(reported map[Pos]bool, pass func()) {
	before := len(l.diags)
	pass()
	kept := l.diags[:before]
	for _, d := range l.diags[before:] {
		if !reported[d.Pos] {
			kept = append(kept, d)
		}
	}
	for _, d := range kept[before:] {
		reported[d.Pos] = true
	}
	l.diags = kept
}

// merge combines the declarations of every document into the Desired state,
// reporting conflicts between them.
func (l *loader) merge() *Desired {
	d := &Desired{Files: l.files, DriftExceptions: l.driftExceptions}
	byID := map[string]*mergedAccount{}
	byName := map[string]*mergedAccount{}
	pinned := map[string]Pos{}
	for _, decl := range l.accounts {
		if !isHex32(idptype.OwnerID(decl.acct.ID)) {
			continue // reported; it cannot be matched with other declarations
		}
		m := byID[decl.acct.ID]
		if m == nil {
			m = &mergedAccount{decl: decl, names: map[string]Pos{}}
			byID[decl.acct.ID] = m
			d.Accounts = append(d.Accounts, decl.acct)
		} else {
			m.absorb(l, decl)
		}
		for _, idp := range decl.idps {
			if first, dup := m.names[idp.idp.Name]; dup {
				kind := idptype.OwnerKind(m.decl.acct.ID)
				l.errorf(idp.namePos, "names are unique per "+kind+": rename one, or remove it", "duplicate identity provider `%s` in %s %s (first declared at %s)", idp.idp.Name, kind, m.decl.acct.Label(), first)
				continue
			}
			m.names[idp.idp.Name] = idp.namePos
			if idp.idp.ID != "" {
				if first, dup := pinned[idp.idp.ID]; dup {
					l.errorf(idp.idPos, "an id pins one declaration to one live IdP", "identity provider id %s is pinned twice (first at %s)", idp.idp.ID, first)
				} else {
					pinned[idp.idp.ID] = idp.idPos
				}
			}
			if idp.idp.Federation != nil {
				m.federated++
				if m.federated > l.maxFederated {
					l.errorf(idp.idp.Federation.Pos, "remove a `federation` block, or share one IdP with more accounts; --max-federated-idps sets the cap",
						"account %s federates more than %d identity providers; the API allows at most %d at a time", m.decl.acct.Label(), l.maxFederated, l.maxFederated)
				}
			}
			m.decl.acct.IdentityProviders = append(m.decl.acct.IdentityProviders, idp.idp)
		}
	}
	for _, a := range d.Accounts {
		m := byID[a.ID]
		if a.Name == "" {
			continue
		}
		// A zone and an account may share a name: zone[x] and account[x]
		// are different addresses.
		nameKey := idptype.OwnerKind(a.ID) + "\x00" + a.Name
		if other, dup := byName[nameKey]; dup {
			l.errorf(m.decl.namePos, "account names label addresses and select accounts: make them unique",
				"%s name `%s` is also used by %s (at %s)", idptype.OwnerKind(a.ID), a.Name, idptype.OwnerName(other.decl.acct.ID), other.decl.namePos)
			continue
		}
		// account[X] and --account X take a name or an id: a name that is
		// another account's id would address both.
		if other, clash := byID[a.Name]; clash && other.decl.acct.ID != a.ID && !a.Zone {
			l.errorf(m.decl.namePos, "account names label addresses and select accounts: give this one a name that is no account's id",
				"account name `%s` is the id of another declared account", a.Name)
			continue
		}
		byName[nameKey] = m
	}
	slices.SortFunc(d.Accounts, func(x, y *Account) int { return strings.Compare(x.ID, y.ID) })
	for _, a := range d.Accounts {
		slices.SortStableFunc(a.IdentityProviders, func(x, y *IdP) int { return strings.Compare(x.Name, y.Name) })
	}
	l.mergePolicy(d)
	if len(l.files) > 0 && len(d.Accounts) == 0 && !l.diags.HasErrors() {
		l.warnf(Pos{File: l.files[0]}, "", "no accounts are declared")
	}
	return d
}

// MaxFederatedIdPs is how many IdPs of one account the API lets federate at a
// time by default: five, as the API reference, the spec and the SDK's
// AccessIdPFederationGrantService.New comment say (REFERENCE.md §4). The
// product guide says one IdP as a source (§9.1); --max-federated-idps lowers
// the cap for accounts where the API enforces that.
const MaxFederatedIdPs = 5

// mergedAccount is an account as merged so far, with where each field was set.
type mergedAccount struct {
	decl      *accountDecl
	names     map[string]Pos // IdP names declared in the account
	federated int
}

// absorb merges a further declaration of the account; account-level fields
// set in both places must agree.
func (m *mergedAccount) absorb(l *loader, decl *accountDecl) {
	a, b := m.decl, decl
	if b.acct.Name != "" {
		switch {
		case a.acct.Name == "":
			a.acct.Name, a.namePos = b.acct.Name, b.namePos
		case a.acct.Name != b.acct.Name:
			l.errorf(b.namePos, "an account split across files must have one name; set it in one place",
				"%s is named `%s` here but `%s` at %s", idptype.OwnerName(a.acct.ID), b.acct.Name, a.acct.Name, a.namePos)
		}
	}
	if b.pruneSet {
		switch {
		case !a.pruneSet:
			a.acct.Prune, a.pruneSet, a.prunePos = b.acct.Prune, true, b.prunePos
		case a.acct.Prune != b.acct.Prune:
			l.errorf(b.prunePos, "set `prune` in one place",
				"%s has prune: %t here but prune: %t at %s", idptype.OwnerName(a.acct.ID), b.acct.Prune, a.acct.Prune, a.prunePos)
		}
	}
	if b.acct.Organization != "" {
		switch {
		case a.acct.Organization == "":
			a.acct.Organization, a.orgPos = b.acct.Organization, b.orgPos
		case a.acct.Organization != b.acct.Organization:
			l.errorf(b.orgPos, "an account belongs to one organization",
				"account %s is in organization %s here but %s at %s", a.acct.ID, b.acct.Organization, a.acct.Organization, a.orgPos)
		}
	}
}

func isHex32(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f') {
			return false
		}
	}
	return true
}
