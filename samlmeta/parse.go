package samlmeta

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"encoding/xml"
)

// The namespaces of SAML 2.0 metadata (saml-metadata-2.0-os, section 2) and
// of XML Signature, which KeyInfo comes from.
const (
	NSMetadata = "urn:oasis:names:tc:SAML:2.0:metadata"
	NSDSig     = "http://www.w3.org/2000/09/xmldsig#"
	// ProtocolSAML2 is the protocolSupportEnumeration value of SAML 2.0 roles.
	ProtocolSAML2   = "urn:oasis:names:tc:SAML:2.0:protocol"
	BindingPOST     = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
	BindingRedirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
)

// MaxSize is the largest metadata document Parse accepts. IdP metadata is a
// few kilobytes; a federation aggregate of thousands of entities is not what
// an IdP declaration points at.
const MaxSize = 1 << 20

// maxDepth bounds element nesting: metadata is about eight levels deep.
const maxDepth = 64

// Position is a 1-based line and column (in bytes) inside a metadata document.
type Position struct {
	Line   int
	Column int
}

func (p Position) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Column) }

// Error is a problem with a metadata document, at a position inside it.
// Its message names elements and attributes, never their values.
type Error struct {
	Position
	Msg  string
	Hint string
}

func (e *Error) Error() string { return e.Position.String() + ": " + e.Msg }

// IdP is what an identity provider's metadata says about signing in with it.
type IdP struct {
	// EntityID is the entityID of the EntityDescriptor: the SAML issuer.
	EntityID   string
	EntityIDAt Position
	// SSOURL is the Location of the HTTP-POST SingleSignOnService, else of
	// the HTTP-Redirect one; SSOBinding says which.
	SSOURL     string
	SSOBinding string
	SSOAt      Position
	// SigningCerts are the certificates of every KeyDescriptor with
	// use="signing" or without use, PEM-encoded, in document order, without
	// duplicates.
	SigningCerts []Cert
}

// Cert is a signing certificate found in metadata.
type Cert struct {
	PEM  string
	Cert *x509.Certificate
	At   Position
}

// element is one element of the document with what Parse needs of it.
type element struct {
	name     xml.Name
	attrs    []xml.Attr
	at       Position
	children []*element
	text     strings.Builder
}

func (e *element) attr(local string) (string, bool) {
	for _, a := range e.attrs {
		if a.Name.Local == local && a.Name.Space == "" {
			return a.Value, true
		}
	}
	return "", false
}

// is reports whether e is the element local in namespace ns. Elements
// without a namespace are accepted too: some IdPs serve unprefixed metadata
// without declaring the default namespace.
func (e *element) is(ns, local string) bool {
	return e.name.Local == local && (e.name.Space == ns || e.name.Space == "")
}

func (e *element) all(ns, local string) []*element {
	var out []*element
	for _, c := range e.children {
		if c.is(ns, local) {
			out = append(out, c)
		}
	}
	return out
}

func errAt(p Position, hint, format string, args ...any) *Error {
	return &Error{Position: p, Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// Parse reads an identity provider's metadata: one EntityDescriptor, or an
// EntitiesDescriptor holding exactly one. The error, when there is one, is an
// *Error positioned inside data.
func Parse(data []byte) (*IdP, error) {
	if len(data) > MaxSize {
		return nil, errAt(Position{1, 1}, "", "metadata is larger than %d KiB", MaxSize>>10)
	}
	root, err := parseTree(data)
	if err != nil {
		return nil, err
	}
	ed, err := entity(root)
	if err != nil {
		return nil, err
	}
	return idpOf(ed)
}

// parseTree reads the document into elements, tracking where each starts.
// encoding/xml resolves no external entities and reads no DTD, so a document
// cannot make Parse read anything but data.
func parseTree(data []byte) (*element, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var (
		stack []*element
		root  *element
	)
	for {
		// Before Token the decoder stands on the first byte of the next
		// token, so this is where an element's "<" is.
		line, col := d.InputPos()
		at := Position{line, col}
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line, col := d.InputPos()
			return nil, errAt(Position{line, col}, "", "metadata is not well-formed XML: %s", syntaxProblem(err))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxDepth {
				return nil, errAt(at, "", "elements are nested more than %d deep", maxDepth)
			}
			el := &element{name: t.Name, attrs: slices.Clone(t.Attr), at: at}
			if len(stack) == 0 {
				if root != nil {
					return nil, errAt(at, "", "metadata has more than one root element")
				}
				root = el
			} else {
				top := stack[len(stack)-1]
				top.children = append(top.children, el)
			}
			stack = append(stack, el)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			} else if len(bytes.TrimSpace(t)) > 0 {
				return nil, errAt(at, "", "text outside the root element")
			}
		}
	}
	if root == nil {
		line, col := d.InputPos()
		return nil, errAt(Position{line, col}, "", "metadata has no root element, expected an EntityDescriptor")
	}
	return root, nil
}

// syntaxProblem describes an encoding/xml error in words of its own.
// encoding/xml's messages quote the document: element names ("element <a>
// closed by </b>"), entity names ("invalid character entity &x;"), the
// declaration's version and encoding, names it found invalid. So the message
// is only matched against, never shown; an unknown one gets a generic text.
func syntaxProblem(err error) string {
	msg := err.Error()
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		msg = se.Msg
	}
	for _, p := range syntaxProblems {
		if strings.Contains(msg, p.match) {
			return p.say
		}
	}
	return "a syntax error"
}

// syntaxProblems maps encoding/xml's messages (Go 1.26 encoding/xml/xml.go)
// to fixed descriptions, most specific first.
var syntaxProblems = []struct{ match, say string }{
	{"unexpected EOF in CDATA", "the document ends inside a CDATA section"},
	{"unexpected EOF", "the document ends before its elements are closed"},
	{"unexpected end element", "an end tag has no matching start tag"},
	{"closed by", "an end tag does not match the element it closes"},
	{" in space ", "an end tag's namespace does not match the element it closes"},
	{"expected element name after </", "an end tag has no element name"},
	{"invalid characters between </", "an end tag holds characters after its name"},
	{"expected target name after <?", "a processing instruction has no target"},
	{"unsupported version", "the XML declaration names a version other than 1.0"},
	{"CharsetReader", "the XML declaration names an encoding other than UTF-8"},
	{"opening charset", "the XML declaration names an encoding other than UTF-8"},
	{"<!-", "a malformed comment"},
	{"<![", "a malformed CDATA section or declaration"},
	{"expected element name after <", "a start tag has no element name"},
	{"expected /> in element", "a start tag is not closed"},
	{"expected attribute name", "an attribute has no name"},
	{"attribute name without =", "an attribute has no value"},
	{"unquoted or missing attribute value", "an attribute value is not quoted"},
	{"unescaped ]]>", "]]> outside a CDATA section"},
	{"unescaped < inside quoted string", "< inside an attribute value"},
	{"invalid character entity", "an undefined or malformed entity or character reference"},
	{"invalid UTF-8", "bytes that are not UTF-8"},
	{"illegal character code", "a character XML does not allow"},
	{"invalid XML name", "an invalid name"},
}

// entity finds the one EntityDescriptor of the document.
func entity(root *element) (*element, error) {
	switch {
	case root.is(NSMetadata, "EntityDescriptor"):
		return root, nil
	case !root.is(NSMetadata, "EntitiesDescriptor"):
		return nil, errAt(root.at, "point at the identity provider's own SAML 2.0 metadata",
			"the root element is not an EntityDescriptor or EntitiesDescriptor of namespace %s", NSMetadata)
	}
	var found []*element
	var walk func(*element)
	walk = func(e *element) {
		for _, c := range e.children {
			switch {
			case c.is(NSMetadata, "EntityDescriptor"):
				found = append(found, c)
			case c.is(NSMetadata, "EntitiesDescriptor"):
				walk(c)
			}
		}
	}
	walk(root)
	switch len(found) {
	case 0:
		return nil, errAt(root.at, "", "the EntitiesDescriptor holds no EntityDescriptor")
	case 1:
		return found[0], nil
	}
	return nil, errAt(found[1].at, "use the metadata of the one identity provider this IdP stands for",
		"metadata holds %d EntityDescriptors, expected one", len(found))
}

func idpOf(ed *element) (*IdP, error) {
	id, ok := ed.attr("entityID")
	id = strings.TrimSpace(id)
	if !ok || id == "" {
		return nil, errAt(ed.at, "", "the EntityDescriptor has no entityID")
	}
	if !singleLine(id) || len(id) > 1024 {
		return nil, errAt(ed.at, "", "the entityID is not a single line of at most 1024 characters")
	}
	roles := ed.all(NSMetadata, "IDPSSODescriptor")
	var role *element
	for _, r := range roles {
		if p, _ := r.attr("protocolSupportEnumeration"); slices.Contains(strings.Fields(p), ProtocolSAML2) {
			role = r
			break
		}
	}
	if role == nil {
		if len(roles) > 0 {
			return nil, errAt(roles[0].at, "", "the IDPSSODescriptor does not support SAML 2.0 (protocolSupportEnumeration lacks %s)", ProtocolSAML2)
		}
		return nil, errAt(ed.at, "this may be a service provider's metadata; use the identity provider's",
			"the EntityDescriptor has no IDPSSODescriptor: it describes no identity provider")
	}
	idp := &IdP{EntityID: id, EntityIDAt: ed.at}

	var post, redirect *element
	for _, s := range role.all(NSMetadata, "SingleSignOnService") {
		switch b, _ := s.attr("Binding"); b {
		case BindingPOST:
			post = cmpOr(post, s)
		case BindingRedirect:
			redirect = cmpOr(redirect, s)
		}
	}
	sso, binding := post, BindingPOST
	if sso == nil {
		sso, binding = redirect, BindingRedirect
	}
	if sso == nil {
		return nil, errAt(role.at, "Cloudflare signs in with the HTTP-POST or HTTP-Redirect binding",
			"the IDPSSODescriptor has no SingleSignOnService with the HTTP-POST or HTTP-Redirect binding")
	}
	loc, _ := sso.attr("Location")
	if u, err := url.Parse(strings.TrimSpace(loc)); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || !singleLine(loc) {
		return nil, errAt(sso.at, "", "the SingleSignOnService Location is not an absolute http(s) URL")
	}
	idp.SSOURL, idp.SSOBinding, idp.SSOAt = strings.TrimSpace(loc), binding, sso.at

	seen := map[string]bool{}
	for _, kd := range role.all(NSMetadata, "KeyDescriptor") {
		if use, ok := kd.attr("use"); ok && use != "signing" {
			continue
		}
		for _, ki := range kd.all(NSDSig, "KeyInfo") {
			for _, xd := range ki.all(NSDSig, "X509Data") {
				for _, xc := range xd.all(NSDSig, "X509Certificate") {
					c, err := certOf(xc)
					if err != nil {
						return nil, err
					}
					if !seen[c.PEM] {
						seen[c.PEM] = true
						idp.SigningCerts = append(idp.SigningCerts, c)
					}
				}
			}
		}
	}
	if len(idp.SigningCerts) == 0 {
		return nil, errAt(role.at, "Cloudflare verifies the IdP's signature with it",
			`the IDPSSODescriptor has no signing certificate (a KeyDescriptor with use="signing" or no use, holding ds:X509Certificate)`)
	}
	return idp, nil
}

func cmpOr(a, b *element) *element {
	if a != nil {
		return a
	}
	return b
}

// certOf decodes an X509Certificate element. The PEM is built from the
// parsed DER, so nothing but a certificate leaves this function.
func certOf(xc *element) (Cert, error) {
	b64 := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, xc.text.String())
	der, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return Cert{}, errAt(xc.at, "", "the X509Certificate is not base64")
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return Cert{}, errAt(xc.at, "", "the X509Certificate is not a valid X.509 certificate")
	}
	p := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	return Cert{PEM: string(p), Cert: c, At: xc.at}, nil
}

func singleLine(s string) bool {
	return !strings.ContainsFunc(s, unicode.IsControl)
}
