package state

import (
	"errors"
	"path/filepath"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/idpsync/idpsync/samlmeta"
)

// MetadataKeys are the saml config keys a `metadata:` block fills.
var MetadataKeys = []string{"issuer_url", "sso_target_url", "idp_public_certs"}

// decodeMetadata reads a saml IdP's `metadata:` block. A file is read now,
// under the rules of ${file:...} (inside the configuration root, charged to
// the load's budget), and its problems are reported at file:line:col inside
// it; a URL is only checked: the engine fetches it at plan time.
func (l *loader) decodeMetadata(idp *IdP, key, n *yaml.Node, mm map[string]any) {
	file, hasFile := mm["file"].(string)
	u, hasURL := mm["url"].(string)
	if hasFile == hasURL || (hasFile && file == "") {
		return // the schema says exactly one, not empty
	}
	meta := &Metadata{File: file, URL: u, Pos: l.pos(key)}
	conflict := false
	for _, k := range MetadataKeys {
		if at, declared := idp.KeyPos[k]; declared {
			conflict = true
			l.errorf(at, "remove the key, or the `metadata:` block",
				"`%s` is declared here and filled by `metadata:` at %s: declare it in one place", k, meta.Pos)
		}
	}
	if conflict {
		return
	}
	idp.Metadata = meta
	if hasURL {
		v, _ := lookup(n, []string{"url"})
		if err := samlmeta.CheckURL(u); err != nil {
			l.errorf(l.pos(v), "", "`url`: %s", err)
			idp.Metadata = nil
		}
		return
	}
	v, _ := lookup(n, []string{"file"})
	data, err := l.resolve(reference{kind: refFile, arg: file})
	switch {
	case errors.Is(err, errQuiet):
		return
	case errors.Is(err, errUnset):
		l.errorf(l.pos(v), "", "metadata %s", err)
		return
	case err != nil:
		l.errorf(l.pos(v), "", "`file`: %s", err)
		return
	}
	// Positions inside the metadata name it as the YAML file is named.
	shown := filepath.Join(filepath.Dir(l.file), file)
	m, err := samlmeta.Parse([]byte(data))
	if err != nil {
		var me *samlmeta.Error
		if !errors.As(err, &me) {
			l.errorf(l.pos(v), "", "metadata %s is not usable", truncate(file, 60))
			return
		}
		l.errorf(Pos{File: shown, Line: me.Line, Column: me.Column}, me.Hint,
			"%s (metadata of identity provider `%s`)", me.Msg, idp.Name)
		return
	}
	for _, c := range m.SigningCerts {
		at := Pos{File: shown, Line: c.At.Line, Column: c.At.Column}
		switch {
		case l.now.After(c.Cert.NotAfter):
			l.warnf(at, "the IdP signs with another certificate by now; refresh the metadata", "signing certificate (%s) expired on %s", certName(c.Cert), c.Cert.NotAfter.UTC().Format(time.DateOnly))
		case l.now.Before(c.Cert.NotBefore):
			l.warnf(at, "", "signing certificate (%s) is not valid before %s", certName(c.Cert), c.Cert.NotBefore.UTC().Format(time.DateOnly))
		}
	}
	idp.FillMetadata(m)
}

// FillMetadata sets the config keys metadata fills and records their source.
//
// Metadata fetched from a URL comes from outside the repository, where a
// pull request can point it: issuer_url and sso_target_url are then recorded
// in Secrets too, so that output shows their source instead of their value
// (changed or unchanged is still computed on the value), and apply fetches
// them again. Certificates are public facts, parsed before anything shows
// them, and show as certificates wherever they come from. Metadata from a
// file is inside the repository, so its values print like the file's own.
func (i *IdP) FillMetadata(m *samlmeta.IdP) {
	if i.Metadata == nil {
		return
	}
	src := i.Metadata.Source()
	certs := make([]any, len(m.SigningCerts))
	for n, c := range m.SigningCerts {
		certs[n] = c.PEM
	}
	if i.Config == nil {
		i.Config = map[string]any{}
	}
	i.Config["issuer_url"] = m.EntityID
	i.Config["sso_target_url"] = m.SSOURL
	i.Config["idp_public_certs"] = certs
	if i.Sources == nil {
		i.Sources = map[string]string{}
	}
	for _, k := range MetadataKeys {
		i.Sources[k] = src
	}
	if i.Metadata.URL != "" {
		if i.Secrets == nil {
			i.Secrets = map[string]SecretSource{}
		}
		for _, k := range []string{"issuer_url", "sso_target_url"} {
			i.Secrets[k] = SecretSource{Ref: src, MetadataURL: i.Metadata.URL}
		}
	}
}

// MetadataValue is the value metadata gives a key FillMetadata fills from a
// URL, for apply, which fetches the metadata again.
func MetadataValue(m *samlmeta.IdP, key string) (string, bool) {
	switch key {
	case "issuer_url":
		return m.EntityID, true
	case "sso_target_url":
		return m.SSOURL, true
	}
	return "", false
}
