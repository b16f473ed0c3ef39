package state

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/idpsync/idpsync/idptype"
)

// accountDecl is one declaration of an account in one document, with the
// positions its merge with other declarations reports against.
type accountDecl struct {
	acct     *Account
	idps     []idpDecl
	namePos  Pos
	prunePos Pos
	orgPos   Pos
	pruneSet bool
}

type idpDecl struct {
	idp     *IdP
	namePos Pos
	idPos   Pos
}

// members holds the key and value nodes of a mapping's keys, gathered in one
// pass; a duplicated key keeps its first occurrence, as the converted value does.
type members map[string][2]*yaml.Node

func membersOf(n *yaml.Node) members {
	m := make(members, 8)
	eachPair(n, func(k, v *yaml.Node) bool {
		if _, dup := m[k.Value]; !dup {
			m[k.Value] = [2]*yaml.Node{k, v}
		}
		return true
	})
	return m
}

func (m members) key(name string) *yaml.Node   { return m[name][0] }
func (m members) value(name string) *yaml.Node { return m[name][1] }

// maxRotateWithin is the longest useful rotate_within: certificates are
// valid for a year, so anything longer would rotate on every apply.
const maxRotateWithin = 365 * 24 * time.Hour

// decodeDocument builds the accounts a document declares. The schema has
// already judged the document's structure, so values of the wrong shape are
// skipped here without a word; what is checked is what a schema cannot say.
func (l *loader) decodeDocument(doc *yaml.Node, val any) {
	top, _ := val.(map[string]any)
	l.decodePolicy(doc, top)
	l.decodeDrift(doc, top)
	for _, key := range []string{"accounts", "zones"} {
		list, _ := top[key].([]any)
		listNode, _ := lookup(doc, []string{key})
		if listNode == nil || listNode.Kind != yaml.SequenceNode {
			continue
		}
		for i, av := range list {
			am, ok := av.(map[string]any)
			if !ok || i >= len(listNode.Content) {
				continue
			}
			l.decodeAccount(resolveAlias(listNode.Content[i]), am, key == "zones")
		}
	}
}

func (l *loader) decodeAccount(n *yaml.Node, am map[string]any, zone bool) {
	decl := &accountDecl{acct: &Account{Pos: l.pos(n), Zone: zone}}
	decl.acct.ID, _ = am["id"].(string)
	if zone && decl.acct.ID != "" {
		decl.acct.ID = idptype.ZoneKey(decl.acct.ID)
	}
	decl.acct.Name, _ = am["name"].(string)
	decl.acct.Organization, _ = am["organization"].(string)
	decl.acct.Prune, decl.pruneSet = am["prune"].(bool)
	decl.namePos, decl.prunePos, decl.orgPos = decl.acct.Pos, decl.acct.Pos, decl.acct.Pos
	mem := membersOf(n)
	if v := mem.value("name"); v != nil {
		decl.namePos = l.pos(v)
	}
	if v := mem.value("prune"); v != nil {
		decl.prunePos = l.pos(v)
	}
	if v := mem.value("organization"); v != nil {
		decl.orgPos = l.pos(v)
	}
	l.accounts = append(l.accounts, decl)

	idps, _ := am["identity_providers"].([]any)
	idpsNode := mem.value("identity_providers")
	if idpsNode == nil || idpsNode.Kind != yaml.SequenceNode {
		return
	}
	for i, iv := range idps {
		im, ok := iv.(map[string]any)
		if !ok || i >= len(idpsNode.Content) {
			continue
		}
		if d, ok := l.decodeIdP(decl.acct, resolveAlias(idpsNode.Content[i]), im); ok {
			decl.idps = append(decl.idps, d)
		}
	}
}

func (l *loader) decodeIdP(acct *Account, n *yaml.Node, im map[string]any) (idpDecl, bool) {
	idp := &IdP{Pos: l.pos(n), Config: map[string]any{}, KeyPos: map[string]Pos{}}
	d := idpDecl{idp: idp, namePos: idp.Pos, idPos: idp.Pos}
	idp.Name, _ = im["name"].(string)
	idp.Type, _ = im["type"].(string)
	idp.ID, _ = im["id"].(string)
	mem := membersOf(n)
	if v := mem.value("name"); v != nil {
		d.namePos = l.pos(v)
	}
	if v := mem.value("id"); v != nil {
		d.idPos = l.pos(v)
	}
	typ, known := idptype.Types[idp.Type]
	if idp.Name == "" || !known {
		return d, false // reported by the schema
	}
	if r, bad := invisibleRune(idp.Name); bad {
		// The login page shows the name: an invisible character makes two
		// IdPs look alike, or one look like another.
		l.errorf(d.namePos, "use printable characters only", "the identity provider name contains the invisible character %U", r)
		return d, false
	}

	if cfg, ok := im["config"].(map[string]any); ok {
		cfgNode := mem.value("config")
		eachPair(cfgNode, func(k, v *yaml.Node) bool {
			f, ok := typ.Field(k.Value)
			if !ok || f.ReadOnly || f.Name == "enable_encryption" {
				return true // reported by the schema
			}
			if _, seen := idp.KeyPos[f.Name]; seen {
				return true // a duplicate key, reported
			}
			idp.KeyPos[f.Name] = l.pos(k)
			if value, ok := l.configValue(idp, f, v, cfg[f.Name]); ok {
				idp.Config[f.Name] = value
			}
			return true
		})
	}

	if acct.Zone {
		// SAML certificate sets and federation grants exist per account
		// only (cloudflare-go v7.9.0 builds their paths under accounts/;
		// see idptype/scope.go).
		for _, key := range []string{"encryption", "federation"} {
			if k := mem.key(key); k != nil {
				l.errorf(l.pos(k), "declare the IdP under `accounts:` to use it", "`%s` is per account: the API offers it for no zone-level identity provider", key)
			}
		}
		// The schema pass reads the same document at this moment (see
		// loadDocument): leave it whole and decode a copy without the keys.
		im = maps.Clone(im)
		delete(im, "encryption")
		delete(im, "federation")
	}

	if em, ok := im["encryption"].(map[string]any); ok && idp.Type == idptype.SAML {
		enc := &Encryption{Pos: l.pos(mem.key("encryption"))}
		enc.Enabled, _ = em["enabled"].(bool)
		if s, ok := em["rotate_within"].(string); ok {
			v, _ := lookup(mem.value("encryption"), []string{"rotate_within"})
			switch dur, err := ParseDuration(s); {
			case err != nil:
				l.errorf(l.pos(v), "use an integer and a unit: w, d, h, m or s, e.g. 45d", "invalid duration `%s`", truncate(s, 40))
			case dur > maxRotateWithin:
				l.errorf(l.pos(v), "use at most 365d", "`rotate_within` of %s would rotate the certificate on every apply: certificates are valid for one year", s)
			case !enc.Enabled:
				l.warnf(l.pos(v), "", "`rotate_within` has no effect while encryption is disabled")
			default:
				enc.RotateWithin = dur
			}
		}
		idp.Encryption = enc
	}

	if mm, ok := im["metadata"].(map[string]any); ok && idp.Type == idptype.SAML {
		l.decodeMetadata(idp, mem.key("metadata"), mem.value("metadata"), mm)
	}

	if sm, ok := im["scim_config"].(map[string]any); ok && idptype.SCIMCapable(idp.Type) {
		idp.SCIM = l.decodeSCIM(mem.key("scim_config"), mem.value("scim_config"), sm)
	}

	if fm, ok := im["federation"].(map[string]any); ok && typ.Federable {
		idp.Federation = l.decodeFederation(acct, mem.key("federation"), mem.value("federation"), fm)
	}
	return d, true
}

// decodeSCIM keeps the declared scim_config keys the schema accepts; the
// schema has refused read-only and unknown keys and values of the wrong shape.
func (l *loader) decodeSCIM(key, n *yaml.Node, sm map[string]any) *SCIM {
	s := &SCIM{Pos: l.pos(key), Settings: map[string]any{}}
	for k, v := range sm {
		f, ok := idptype.SCIMField(k)
		if !ok || f.ReadOnly {
			continue
		}
		switch v.(type) {
		case bool, string:
			s.Settings[k] = v
		}
	}
	// "This cannot be enabled unless user_deprovision is also enabled"
	// (cloudflare-go v7.9.0 IdentityProviderSCIMConfig.SeatDeprovision).
	if s.Settings["seat_deprovision"] == true && s.Settings["user_deprovision"] != true {
		at := s.Pos
		if v, _ := lookup(n, []string{"seat_deprovision"}); v != nil {
			at = l.pos(v)
		}
		l.errorf(at, "add `user_deprovision: true`", "`seat_deprovision` can only be on together with `user_deprovision`")
	}
	return s
}

func (l *loader) decodeFederation(acct *Account, key, n *yaml.Node, fm map[string]any) *Federation {
	fed := &Federation{Pos: l.pos(key)}
	list, _ := lookup(n, []string{"share_with"})
	items, _ := fm["share_with"].([]any)
	seen := map[string]bool{}
	var orgPos, firstAccountPos *Pos
	for i, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			continue
		}
		if list == nil || list.Kind != yaml.SequenceNode || i >= len(list.Content) {
			break
		}
		itemNode := resolveAlias(list.Content[i])
		pos := l.pos(itemNode)
		if org, ok := m["organization"].(bool); ok && org {
			p := pos
			orgPos = &p
			fed.Organization = true
		}
		account, ok := m["account"].(string)
		if !ok || !isHex32(account) {
			continue
		}
		if v, _ := lookup(itemNode, []string{"account"}); v != nil {
			pos = l.pos(v)
		}
		if firstAccountPos == nil {
			p := pos
			firstAccountPos = &p
		}
		switch {
		case account == acct.ID:
			l.errorf(pos, "the source account always has its own IdP", "account %s cannot share an identity provider with itself", account)
		case seen[account]:
			l.warnf(pos, "remove the repeat", "account %s is listed twice in `share_with`", account)
		default:
			seen[account] = true
			fed.Accounts = append(fed.Accounts, account)
		}
	}
	if orgPos != nil && firstAccountPos != nil {
		at := *orgPos
		if comparePos(*firstAccountPos, at) > 0 {
			at = *firstAccountPos
		}
		l.errorf(at, "`organization: true` already reaches every account of the organization; remove the `account:` items or it",
			"`share_with` mixes `organization: true` with accounts")
	}
	slices.Sort(fed.Accounts)
	return fed
}

// configValue resolves the references in one config value. Every key whose
// value came from a reference, and every catalogue-sensitive key, is recorded
// in Secrets: output shows such a key by its reference, never by its value.
func (l *loader) configValue(idp *IdP, f idptype.Field, n *yaml.Node, v any) (any, bool) {
	switch v := v.(type) {
	case string:
		raw := v
		ref, lit, err := parseValue(v)
		switch {
		case errors.Is(err, errNotReference):
			if f.Sensitive {
				l.errorf(l.pos(n), "use `${env:NAME}` or `${file:PATH}`", "`%s` is sensitive and must not be written in the file", f.Name)
				return nil, false
			}
			if msg := checkShape(f, lit); msg != "" {
				l.errorf(l.pos(n), shapeHint(f), "`%s` %s, got `%s`", f.Name, msg, truncate(lit, 60))
				return nil, false
			}
			return lit, true
		case err != nil:
			l.errorf(l.pos(n), refHint(err), "%s", err)
			return nil, false
		}
		src := SecretSource{Ref: raw, BaseDir: l.baseDir, Root: l.root}
		if l.fsys != nil && (f.Sensitive || ref.kind == refEnv) {
			// A comparison load (LoadOptions.FS) reads no secret and none
			// of the runner's environment: the reference as written is
			// what it compares.
			src.Deferred = true
			if idp.Secrets == nil {
				idp.Secrets = map[string]SecretSource{}
			}
			idp.Secrets[f.Name] = src
			return "", true
		}
		s, err := l.resolve(ref)
		if errors.Is(err, errUnset) && ((f.Sensitive && !l.requireSecrets) || (ref.kind == refEnv && l.skipEnv)) {
			// A secret is never compared (the API does not return it), so
			// only apply needs it; apply reads it before its first write.
			src.Deferred, s, err = true, "", nil
		}
		if errors.Is(err, errQuiet) {
			return nil, false
		}
		if err != nil {
			l.errorf(l.pos(n), refHint(err), "`%s`: %s", f.Name, err)
			return nil, false
		}
		if !src.Deferred {
			// The value is the runner's, not the file's: say what is wrong
			// with it without quoting it.
			if msg := checkShape(f, s); msg != "" {
				l.errorf(l.pos(n), shapeHint(f), "`%s`: the value of %s %s", f.Name, raw, msg)
				return nil, false
			}
		}
		if idp.Secrets == nil {
			idp.Secrets = map[string]SecretSource{}
		}
		idp.Secrets[f.Name] = src
		return s, true
	case []any:
		out := make([]any, len(v))
		ok := true
		for i, item := range v {
			in := n
			if n != nil && n.Kind == yaml.SequenceNode && i < len(n.Content) {
				in = resolveAlias(n.Content[i])
			}
			r, good := l.listItem(f, i, in, item)
			ok = ok && good
			out[i] = r
		}
		return out, ok
	}
	return v, true
}

func (l *loader) listItem(f idptype.Field, i int, n *yaml.Node, v any) (any, bool) {
	s, isString := v.(string)
	if !isString {
		m, ok := v.(map[string]any)
		if !ok {
			return v, true
		}
		// header_attributes: names, never references; escapes still apply.
		out := make(map[string]any, len(m))
		for k, mv := range m {
			ms, ok := mv.(string)
			if !ok {
				out[k] = mv
				continue
			}
			vn, _ := lookup(n, []string{k})
			_, lit, err := parseValue(ms)
			switch {
			case errors.Is(err, errNotReference):
				if msg := lineShape(lit); msg != "" {
					l.errorf(l.pos(vn), "", "`%s` %s", k, msg)
					return nil, false
				}
				out[k] = lit
			case err == nil:
				l.errorf(l.pos(vn), "write `$${` for a literal `${`", "`%s` cannot be a reference", k)
				return nil, false
			default:
				l.errorf(l.pos(vn), refHint(err), "%s", err)
				return nil, false
			}
		}
		return out, true
	}
	isCert := f.Name == "idp_public_certs"
	ref, lit, err := parseValue(s)
	switch {
	case errors.Is(err, errNotReference):
		s = lit
		if !isCert {
			if msg := lineShape(s); msg != "" {
				l.errorf(l.pos(n), "", "item %d of `%s` %s", i+1, f.Name, msg)
				return nil, false
			}
		}
	case err != nil:
		l.errorf(l.pos(n), refHint(err), "%s", err)
		return nil, false
	case ref.kind == refEnv:
		l.errorf(l.pos(n), "environment values are secrets and are resolved again by key at apply time; use `${file:PATH}`",
			"item %d of `%s` cannot be an environment reference", i+1, f.Name)
		return nil, false
	case !isCert:
		// A list is shown item by item; only a certificate, parsed before it
		// is shown, may come from a file.
		l.errorf(l.pos(n), "write the value in the file", "item %d of `%s` cannot be a reference: only `idp_public_certs` items may be `${file:PATH}`", i+1, f.Name)
		return nil, false
	default:
		s, err = l.resolve(ref)
		if errors.Is(err, errQuiet) {
			return nil, false
		}
		if err != nil {
			l.errorf(l.pos(n), "", "item %d of `%s`: %s", i+1, f.Name, err)
			return nil, false
		}
	}
	if isCert {
		l.checkCertificate(n, i, s)
	}
	return s, true
}

// certResult caches the parse of a certificate: large organizations reference
// the same file from many IdPs.
type certResult struct {
	cert *x509.Certificate
	err  string
	hint string
}

func (l *loader) checkCertificate(n *yaml.Node, i int, s string) {
	r, ok := l.certs[s]
	if !ok {
		r = parseCertificate(s)
		l.certs[s] = r
	}
	what := fmt.Sprintf("item %d of `idp_public_certs`", i+1)
	if r.err != "" {
		l.errorf(l.pos(n), r.hint, "%s %s", what, r.err)
		return
	}
	c := r.cert
	switch {
	case l.now.After(c.NotAfter):
		l.warnf(l.pos(n), "the IdP signs with another certificate by now; replace it", "%s (%s) expired on %s", what, certName(c), c.NotAfter.UTC().Format(time.DateOnly))
	case l.now.Before(c.NotBefore):
		l.warnf(l.pos(n), "", "%s (%s) is not valid before %s", what, certName(c), c.NotBefore.UTC().Format(time.DateOnly))
	}
}

func certName(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return "CN=" + c.Subject.CommonName
	}
	return "serial " + c.SerialNumber.String()
}

func parseCertificate(s string) certResult {
	block, rest := pem.Decode([]byte(s))
	if block == nil {
		return certResult{err: "is not a PEM certificate", hint: "expected -----BEGIN CERTIFICATE-----; e.g. `${file:certs/idp.pem}`"}
	}
	if block.Type != "CERTIFICATE" {
		// The block type is not quoted: the file may be one the runner wrote.
		return certResult{err: "is a PEM block of another type, not a certificate", hint: "a private key must never be here"}
	}
	if strings.Contains(string(rest), "-----BEGIN") {
		return certResult{err: "holds more than one PEM block", hint: "list each certificate as its own item"}
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return certResult{err: "is not a valid X.509 certificate: " + strings.TrimPrefix(err.Error(), "x509: ")}
	}
	return certResult{cert: c}
}

// refHint is the hint for a malformed reference: the escape, when the "${"
// may have been meant literally.
func refHint(err error) string {
	if errors.Is(err, errMisplacedRef) || errors.Is(err, errUnknownRef) {
		return "write `$${` for a literal `${`"
	}
	return ""
}

// resolve resolves a reference of the file being loaded, charging what it
// reads to the load's budget.
//
// Once the budget is spent, later file references fail with errQuiet: the
// error is reported once, where the budget ran out.
func (l *loader) resolve(ref reference) (string, error) {
	if l.budgetSpent && ref.kind == refFile {
		return "", errQuiet
	}
	var key string
	if ref.kind == refFile {
		key = l.root + "\x00" + filepath.Join(l.baseDir, ref.arg)
		if o := l.oversized[key]; o != nil {
			o.more++
			return "", errQuiet
		}
	}
	v, err := ref.resolve(&refEnvironment{ctx: l.ctx, getenv: l.getenv, root: l.root, budget: &l.budget, cache: l.fileCache, fsys: l.fsys}, l.baseDir)
	if errors.Is(err, errBudget) {
		l.budgetSpent = true
	}
	if errors.Is(err, errOversized) {
		// Every caller reports the error at once, as the next diagnostic;
		// later references to the file only add to its count.
		if l.oversized == nil {
			l.oversized = map[string]*oversizedFile{}
		}
		l.oversized[key] = &oversizedFile{diag: len(l.diags)}
	}
	return v, err
}

// oversizedFile is a referenced file over MaxReferencedFile: it is reported
// once, at its first reference, with the count of the others, so that a
// thousand references make one error rather than a thousand.
type oversizedFile struct {
	diag int // index of its diagnostic in loader.diags
	more int // references after the first
}

// countOversized adds to each oversized file's error how many further
// references name it.
func (l *loader) countOversized() {
	for _, o := range l.oversized {
		if o.more > 0 && o.diag < len(l.diags) {
			noun := "references"
			if o.more == 1 {
				noun = "reference"
			}
			l.diags[o.diag].Message += fmt.Sprintf(" (and %d further %s to it)", o.more, noun)
		}
	}
}

// invisibleRune returns the first character of s that is not printable:
// controls, format characters (zero-width spaces and joiners, bidi controls)
// and every space but U+0020, all of which hide in a name on the login page.
func invisibleRune(s string) (rune, bool) {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return r, true
		}
	}
	return 0, false
}
