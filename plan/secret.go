package plan

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/state"
)

// SecretHash is hex(HMAC-SHA256(key, value)). A plan stores it instead of the
// value so that apply can check it resolves the same secret without the plan
// ever holding it. The key is never in the plan, so the hash lets nobody
// without it test a guess of the secret.
func SecretHash(key []byte, value string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil))
}

// isSensitive reports whether a declared key must never be shown: the
// catalogue says so, or the loader resolved it from a secret reference.
func isSensitive(t idptype.Type, d *state.IdP, key string) bool {
	if f, ok := t.Field(key); ok && f.Sensitive {
		return true
	}
	_, ok := d.Secrets[key]
	return ok
}

// isWriteOnly reports whether a key cannot be read back and so is never diffed.
func isWriteOnly(t idptype.Type, key string) bool {
	f, ok := t.Field(key)
	return ok && f.WriteOnly
}

// secretRefs names every sensitive declared key of d, sorted by key, with the
// hash of its resolved value.
func secretRefs(t idptype.Type, d *state.IdP, salt []byte) []SecretRef {
	var refs []SecretRef
	for k, v := range d.Config {
		if !isSensitive(t, d, k) {
			continue
		}
		src := d.Secrets[k]
		ref := SecretRef{Key: k, Ref: src.Ref, BaseDir: src.BaseDir, Root: src.Root, MetadataURL: src.MetadataURL, Deferred: src.Deferred}
		if !src.Deferred {
			ref.Hash = SecretHash(salt, secretString(v))
		}
		refs = append(refs, ref)
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].Key < refs[j].Key })
	return refs
}

func secretString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// writeOnlyChanges are the changes that say a write-only secret is sent: it
// cannot be read back, so the plan cannot say whether it differs.
func writeOnlyChanges(t idptype.Type, d *state.IdP) []Change {
	var out []Change
	for k := range d.Config {
		if isWriteOnly(t, k) {
			src := d.Secrets[k]
			out = append(out, Change{Path: "config." + k, After: SensitiveValue, Sensitive: true, WriteOnly: true, Ref: src.Ref, Deferred: src.Deferred})
		}
	}
	return out
}
