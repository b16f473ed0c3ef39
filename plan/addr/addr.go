package addr

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// Address names an object a plan touches, in the form people type after
// --target: account[<label>] or zone[<label>], then .idp[<name>], then the
// kind's path (Kinds), then [<key>] for a keyed kind, then a suffix that
// tells apart two objects at one address (Deposed, DuplicateSuffix). The
// label is the account's or zone's name, else its id.
//
// Plans and their JSON keep the string form (String); Parse reads it back.
type Address struct {
	// Zone says the owner is a zone rather than an account.
	Zone bool
	// Owner is the account's or zone's label.
	Owner string
	// IdP is the IdP's name; empty in an owner's address.
	IdP string
	// Kind is the kind of object; empty in an owner's address.
	Kind Kind
	// Key is a keyed kind's key: a recipient's account id, or organization.
	Key string
	// Suffix is empty, Deposed, a DuplicateSuffix, or Deposed followed by
	// a DuplicateSuffix (a second grant of an IdP being replaced).
	Suffix string
}

// Deposed is the suffix of the address of an object that a replacement
// removes: the old grant and share of an IdP whose type changes are deleted
// before the IdP is replaced, and new ones are created under the plain
// address after it, so that every action of a plan has its own address.
const Deposed = " (deposed)"

// DuplicateSuffix tells a duplicate left by overlapping runs apart from the
// object kept: account[a].idp[Okta].grant (duplicate <id>).
func DuplicateSuffix(id string) string { return " (duplicate " + id + ")" }

var duplicateSuffix = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(` \(duplicate [^()]*\)$`) })

// AsDeposed is a with Deposed appended to its suffix.
func (a Address) AsDeposed() Address {
	a.Suffix += Deposed
	return a
}

// AsDuplicate is a with DuplicateSuffix(id) appended to its suffix.
func (a Address) AsDuplicate(id string) Address {
	a.Suffix += DuplicateSuffix(id)
	return a
}

// IsIdP reports whether a names an IdP itself, not one of its objects nor
// a copy of it told apart by a suffix.
func (a Address) IsIdP() bool { return a.Kind == IdP && a.Suffix == "" }

// Within reports whether a is t, or t names the IdP or the owner a belongs
// to: what --target t covers. Suffixes count only in the first case.
func (a Address) Within(t Address) bool {
	if a == t {
		return true
	}
	if t.IsOwner() {
		return a.OwnerAddress() == t
	}
	i, ok := a.IdPAddress()
	return ok && i == t
}

// Owner is the address of an account (zone false) or a zone.
func Owner(zone bool, label string) Address { return Address{Zone: zone, Owner: label} }

// Child is the address of the object of kind k under the IdP (or, for a
// keyed kind, its object key) of a; a must name an IdP or one of its objects.
func (a Address) Child(k Kind, key string) Address {
	return Address{Zone: a.Zone, Owner: a.Owner, IdP: a.IdP, Kind: k, Key: key}
}

// IdPOf is the address of the IdP name under the owner of a.
func (a Address) IdPOf(name string) Address {
	return Address{Zone: a.Zone, Owner: a.Owner, IdP: name, Kind: IdP}
}

// IsOwner reports whether a names an account or a zone.
func (a Address) IsOwner() bool { return a.Kind == "" }

// OwnerAddress is the address of the account or zone a belongs to.
func (a Address) OwnerAddress() Address { return Owner(a.Zone, a.Owner) }

// IdPAddress is the address of the IdP a belongs to (a itself for an IdP,
// without its suffix); false for an owner's address.
func (a Address) IdPAddress() (Address, bool) {
	if a.IsOwner() {
		return Address{}, false
	}
	return a.IdPOf(a.IdP), true
}

// Parent is the address a's extends: a child kind's parent, an IdP's owner;
// false for an owner's address. The suffix is dropped.
func (a Address) Parent() (Address, bool) {
	if a.IsOwner() {
		return Address{}, false
	}
	if a.Kind == IdP {
		return a.OwnerAddress(), true
	}
	info, ok := Info(a.Kind)
	if !ok {
		return Address{}, false
	}
	if info.Parent == IdP {
		return a.IdPOf(a.IdP), true
	}
	return a.Child(info.Parent, ""), true
}

// String is the address as plans, views and --target write it.
func (a Address) String() string {
	var b strings.Builder
	if a.Zone {
		b.WriteString("zone[")
	} else {
		b.WriteString("account[")
	}
	b.WriteString(a.Owner)
	b.WriteByte(']')
	if !a.IsOwner() {
		b.WriteString(".idp[")
		b.WriteString(a.IdP)
		b.WriteByte(']')
		if info, ok := Info(a.Kind); ok && info.Path != "" {
			b.WriteByte('.')
			b.WriteString(info.Path)
			if info.Keyed {
				b.WriteByte('[')
				b.WriteString(a.Key)
				b.WriteByte(']')
			}
		}
	}
	b.WriteString(a.Suffix)
	return b.String()
}

// Parse reads an address back from its string form.
//
// Labels, names and keys may hold any character, brackets and dots
// included, so Parse reads from both ends: the owner's label ends at the
// first "].idp[", and the kind is the path the address ends with (Kinds),
// a keyed kind's key being the last bracket. A label that itself holds
// "].idp[" is read the same way, so such an address names another IdP.
func Parse(s string) (Address, error) {
	var a Address
	rest := s
	if m := duplicateSuffix().FindString(rest); m != "" {
		a.Suffix = m
		rest = strings.TrimSuffix(rest, m)
	}
	if strings.HasSuffix(rest, Deposed) {
		a.Suffix = Deposed + a.Suffix
		rest = strings.TrimSuffix(rest, Deposed)
	}
	switch {
	case strings.HasPrefix(rest, "account["):
		rest = strings.TrimPrefix(rest, "account[")
	case strings.HasPrefix(rest, "zone["):
		a.Zone, rest = true, strings.TrimPrefix(rest, "zone[")
	default:
		return Address{}, fmt.Errorf("%q is not an address: it must start with account[ or zone[", s)
	}
	i := strings.Index(rest, "].idp[")
	if i < 0 {
		if !strings.HasSuffix(rest, "]") || a.Suffix != "" {
			return Address{}, fmt.Errorf("%q is not an address: expected account[<name or id>] or zone[<name or id>], then .idp[<name>]", s)
		}
		a.Owner = strings.TrimSuffix(rest, "]")
		return a, nil
	}
	a.Owner, rest = rest[:i], rest[i+len("].idp["):]
	a.Kind = IdP
	for _, info := range Kinds {
		if info.Path == "" {
			continue
		}
		if info.Keyed {
			sep := "]." + info.Path + "["
			if j := strings.LastIndex(rest, sep); j >= 0 && strings.HasSuffix(rest, "]") {
				a.Kind, a.IdP, a.Key = info.Kind, rest[:j], rest[j+len(sep):len(rest)-1]
				return a, nil
			}
			continue
		}
		if strings.HasSuffix(rest, "]."+info.Path) {
			a.Kind, a.IdP = info.Kind, strings.TrimSuffix(rest, "]."+info.Path)
			return a, nil
		}
	}
	if !strings.HasSuffix(rest, "]") {
		return Address{}, fmt.Errorf("%q is not an address: after .idp[<name>] comes nothing or one of %s", s, paths())
	}
	a.IdP = strings.TrimSuffix(rest, "]")
	return a, nil
}

// paths lists the kinds' paths for an error message.
func paths() string {
	var out []string
	for _, i := range Kinds {
		if i.Path == "" {
			continue
		}
		p := "." + i.Path
		if i.Keyed {
			p += "[<key>]"
		}
		out = append(out, p)
	}
	return strings.Join(out, ", ")
}
