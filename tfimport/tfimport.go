package tfimport

import (
	"cmp"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/state"
)

// Options are the choices of one conversion.
type Options struct {
	// Grants names the IdP of a federation grant: grant id → IdP name in
	// the share's account. The state records a share's grant id but not
	// the IdP the grant is of (provider v5.22.0 has no grant resource), so
	// a share not named as the dashboard names it needs one.
	Grants map[string]string
}

// Result is what a conversion found.
type Result struct {
	Kind Kind
	// Live is the model of the objects Terraform manages, keyed by owner
	// (account id, or idptype.ZoneKey of a zone id).
	Live *state.Live
	// Owners lists Live's owners: accounts sorted, then zones sorted.
	Owners []string
	// Imported lists every resource instance taken over, sorted.
	Imported []Imported
	// Skipped lists every attribute of an imported resource that idpsync
	// does not carry over, and resources left to Terraform.
	Skipped []Skip
	// Gaps are the attributes the YAML cannot make plan clean against the
	// live object, with why and what to do.
	Gaps []Gap
	// Warnings are everything else worth reading before applying.
	Warnings []string
	// CertFiles are files the YAML reads certificates from that the state
	// could not provide (provider v4 conceals idp_public_cert).
	CertFiles []CertFile
	// Refs are config values to write as references, per owner and IdP id:
	// the certificate files above.
	Refs map[string]map[string]map[string]any
	// Other counts the managed resources of other types, left to Terraform.
	Other map[string]int
}

// Imported is one resource instance taken over.
type Imported struct {
	Address  Address
	Provider string // "v4" or "v5"
	// ID is the object's id, which Terraform configuration that referred to
	// the resource needs once the resource block is gone.
	ID string
}

// Skip is an attribute (or, with Attribute empty, a resource) not carried over.
type Skip struct {
	Address   string
	Attribute string
	Reason    string
}

// Gap is an attribute the YAML cannot reproduce as Terraform set it.
type Gap struct {
	Address   string
	Attribute string
	Why       string
}

// CertFile is a certificate the user must save before planning.
type CertFile struct {
	Path    string // relative to the YAML file
	Address string
}

// Removed lists the from addresses of the removed blocks: one per resource
// (Terraform takes no instance key there), sorted.
func (r *Result) Removed() []string {
	var out []string
	for _, im := range r.Imported {
		out = append(out, im.Address.Config())
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// StateRm lists the instance addresses for `terraform state rm`, sorted.
func (r *Result) StateRm() []string {
	var out []string
	for _, im := range r.Imported {
		out = append(out, im.Address.String())
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Resource types read, by provider schema.
const (
	typeIdPv5       = "cloudflare_zero_trust_access_identity_provider" // v5, and v4 under its newer name
	typeIdPv4       = "cloudflare_access_identity_provider"            // v4 only
	typeShare       = "cloudflare_share"
	typeRecipient   = "cloudflare_share_recipient"
	typeShareRes    = "cloudflare_share_resource"
	providerSuffix  = "/cloudflare/cloudflare"
	resourceManaged = "managed"
)

var hex32 = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9a-f]{32}$`) })

// Convert reads the JSON of `terraform show -json` and maps the identity
// providers and shares in it. On error nothing of the result is to be used.
func Convert(data []byte, opts Options) (*Result, error) {
	s, kind, err := parse(data)
	if err != nil {
		return nil, err
	}
	c := &converter{
		res: &Result{
			Kind:  kind,
			Live:  &state.Live{Accounts: map[string]*state.LiveAccount{}},
			Other: map[string]int{},
			Refs:  map[string]map[string]map[string]any{},
		},
		opts: opts,
	}
	if kind == KindPlan {
		c.pendingChanges(s.ResourceChanges)
	}
	err = walk(s.root(kind), nil, 0, func(path modulePath, r *resource) error {
		if r.Mode != resourceManaged {
			return nil
		}
		switch r.Type {
		case typeIdPv5, typeIdPv4, typeShare, typeRecipient, typeShareRes:
		default:
			c.res.Other[r.Type]++
			return nil
		}
		addr, err := resourceAddress(path, r)
		if err != nil {
			return err
		}
		if !strings.HasSuffix(r.ProviderName, providerSuffix) {
			return fmt.Errorf("%s: provider %s, expected registry.terraform.io/cloudflare/cloudflare (or OpenTofu's registry.opentofu.org/cloudflare/cloudflare)", addr, quote(clip(r.ProviderName, 80)))
		}
		if r.Values == nil {
			return fmt.Errorf("%s: no values (expected the attributes of the object, as terraform show -json prints them)", addr)
		}
		rs := &res{addr: addr, r: r, sens: decodeSensitive(r.SensitiveValues)}
		switch r.Type {
		case typeIdPv5, typeIdPv4:
			return c.idp(rs)
		case typeShare:
			return c.share(rs)
		case typeRecipient:
			return c.recipient(rs)
		default:
			return c.shareResource(rs)
		}
	})
	if err != nil {
		return nil, err
	}
	if err := c.fold(); err != nil {
		return nil, err
	}
	c.finish()
	return c.res, nil
}

// res is one resource instance being read.
type res struct {
	addr Address
	r    *resource
	sens any
}

func (r *res) String() string { return r.addr.String() }

// schemaVersion says which provider wrote a resource. Provider v4 (SDKv2)
// leaves it 0; v5 has written 0 (up to 5.17), 1 (5.18–5.19,
// migrations.GetSchemaVersion(1, 500)) and 500 (5.20 on, "Version: 500" in
// each v5.22.0 internal/services/*/schema.go). Within 0 the shape tells them
// apart: v4's config is a list of one block, v5's an object.
func (r *res) schemaVersion(known ...int) (int, error) {
	if r.r.SchemaVersion == nil {
		return 0, fmt.Errorf("%s: no schema_version (expected the output of terraform show -json)", r)
	}
	v := *r.r.SchemaVersion
	if !slices.Contains(known, v) {
		return 0, fmt.Errorf("%s: schema_version %d of %s is of a provider version this importer does not know (expected %s: provider v4, or v5 up to 5.22)", r, v, r.r.Type, joinInts(known))
	}
	return v, nil
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}

type converter struct {
	res  *Result
	opts Options
	// idps by owner, then IdP id.
	idps map[string]map[string]*idpEntry
	// byName indexes idps by owner and IdP name, once all are read.
	byName map[string]map[string][]*idpEntry
	// shares by account id, then share id.
	shares     map[string]map[string]*shareEntry
	recipients []*recipientEntry
	resources  []*resourceEntry
}

type idpEntry struct {
	addr Address
	idp  *state.LiveIdP
}

func (c *converter) account(owner string) *state.LiveAccount {
	a := c.res.Live.Accounts[owner]
	if a == nil {
		a = &state.LiveAccount{ID: owner}
		c.res.Live.Accounts[owner] = a
	}
	return a
}

func (c *converter) skip(addr, attr, reason string) {
	c.res.Skipped = append(c.res.Skipped, Skip{Address: addr, Attribute: attr, Reason: reason})
}

func (c *converter) gap(addr, attr, why string) {
	c.res.Gaps = append(c.res.Gaps, Gap{Address: addr, Attribute: attr, Why: why})
}

func (c *converter) warn(format string, a ...any) {
	c.res.Warnings = append(c.res.Warnings, fmt.Sprintf(format, a...))
}

func (c *converter) imported(rs *res, provider string) {
	c.res.Imported = append(c.res.Imported, Imported{Address: rs.addr, Provider: provider, ID: Clean(clip(str(rs.r.Values["id"]), 64))})
}

// pendingChanges warns of the changes a saved plan would make to the
// resources read: the YAML describes the objects as they are.
func (c *converter) pendingChanges(changes []resourceChange) {
	for _, ch := range changes {
		if ch.Mode != resourceManaged {
			continue
		}
		switch ch.Type {
		case typeIdPv5, typeIdPv4, typeShare, typeRecipient, typeShareRes:
		default:
			continue
		}
		acts := ch.Change.Actions
		if len(acts) == 0 || (len(acts) == 1 && (acts[0] == "no-op" || acts[0] == "read")) {
			continue
		}
		c.warn("the plan would %s %s; the YAML describes the object as it is now, not as planned (apply or discard that change first)",
			Clean(strings.Join(acts, "+")), Clean(clip(ch.Address, 200)))
	}
}

// finish sorts everything for stable output.
func (c *converter) finish() {
	r := c.res
	var accts, zones []string
	for id, a := range r.Live.Accounts {
		slices.SortFunc(a.IdentityProviders, func(x, y *state.LiveIdP) int {
			return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.ID, y.ID))
		})
		if idptype.IsZone(id) {
			zones = append(zones, id)
		} else {
			accts = append(accts, id)
		}
	}
	sort.Strings(accts)
	sort.Strings(zones)
	r.Owners = append(accts, zones...)
	// Sorted by address, each address built once.
	type keyed struct {
		key string
		im  Imported
	}
	ks := make([]keyed, len(r.Imported))
	for i, im := range r.Imported {
		ks[i] = keyed{im.Address.String(), im}
	}
	slices.SortFunc(ks, func(x, y keyed) int { return cmp.Compare(x.key, y.key) })
	for i := range ks {
		r.Imported[i] = ks[i].im
	}
	slices.SortStableFunc(r.Skipped, func(x, y Skip) int {
		return cmp.Or(cmp.Compare(x.Address, y.Address), cmp.Compare(x.Attribute, y.Attribute))
	})
	slices.SortStableFunc(r.Gaps, func(x, y Gap) int {
		return cmp.Or(cmp.Compare(x.Address, y.Address), cmp.Compare(x.Attribute, y.Attribute))
	})
	slices.SortFunc(r.CertFiles, func(x, y CertFile) int { return cmp.Compare(x.Path, y.Path) })
}

// decodeSensitive reads sensitive_values: the shape of values with true
// where a value is sensitive.
func decodeSensitive(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		// Unreadable: everything is treated as sensitive.
		return true
	}
	return v
}

// sensitiveAt reports whether sensitive_values marks the path (or a parent).
func sensitiveAt(s any, path ...any) bool {
	for _, p := range path {
		if b, ok := s.(bool); ok {
			return b
		}
		switch k := p.(type) {
		case string:
			m, ok := s.(map[string]any)
			if !ok {
				return false
			}
			s = m[k]
		case int:
			l, ok := s.([]any)
			if !ok || k >= len(l) {
				return false
			}
			s = l[k]
		}
	}
	b, _ := s.(bool)
	return b
}

// containsSensitive reports whether anything at or under the path is marked.
func containsSensitive(s any, path ...any) bool {
	if sensitiveAt(s, path...) {
		return true
	}
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := s.(map[string]any)
			s = m[k]
		case int:
			l, _ := s.([]any)
			if k < len(l) {
				s = l[k]
			} else {
				s = nil
			}
		}
	}
	return anyTrue(s)
}

func anyTrue(s any) bool {
	switch x := s.(type) {
	case bool:
		return x
	case map[string]any:
		for _, v := range x {
			if anyTrue(v) {
				return true
			}
		}
	case []any:
		for _, v := range x {
			if anyTrue(v) {
				return true
			}
		}
	}
	return false
}

// empty is true for what a state holds for an unset attribute: null, and
// (provider v4, SDKv2 zero values) "", false, 0 and empty collections.
func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case bool:
		return !x
	case float64:
		return x == 0
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
