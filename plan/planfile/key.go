package planfile

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// EnvKey is the environment variable that, when set, keys saved plans
// instead of the API credentials: the plan and apply jobs of a pipeline that
// uses a read token to plan and a write token to apply set it to the same
// value in both.
const EnvKey = "IDPSYNC_PLAN_KEY"

// MinEnvKeyLen is the shortest IDPSYNC_PLAN_KEY accepted, in bytes: a short
// key could be found by trying guesses against a saved plan's MAC, which
// anyone who can read the CI artifact holds. 32 bytes is what `openssl rand
// -hex 16` prints, and the size of the HMAC-SHA256 key it becomes.
const MinEnvKeyLen = 32

// MaxEnvKeyLen bounds IDPSYNC_PLAN_KEY: a key is tens of characters, and a
// variable set to a file's content by mistake is refused rather than used.
const MaxEnvKeyLen = 1024

// hkdfSalt separates idpsync's keys from any other use of the same credential.
const hkdfSalt = "idpsync saved plan v1"

// Key authenticates saved plans and keys secret fingerprints. Its zero value
// is not usable.
type Key struct {
	mac     []byte
	secrets []byte
	id      string
	// Source says where the key comes from, for messages: "the API token",
	// "IDPSYNC_PLAN_KEY", ... It never holds key material.
	Source string
}

// Valid reports whether the key was derived.
func (k Key) Valid() bool { return len(k.mac) > 0 }

// SecretKey is the key of the plan's secret fingerprints (plan.SecretHash).
func (k Key) SecretKey() []byte { return k.secrets }

// ID is a public identifier of the key: an HMAC under it, so it reveals
// nothing of the key, but it tells apart "made with another key" from "edited".
func (k Key) ID() string { return k.id }

// derive makes the subkeys from input keying material. kind separates the
// kinds of material, so that a token can never equal an email+key pair.
func derive(kind string, ikm []byte, source string) (Key, error) {
	if len(ikm) == 0 {
		return Key{}, errors.New("planfile: empty key material")
	}
	in := append([]byte(kind+"\x00"), ikm...)
	mac, err := hkdf.Key(sha256.New, in, []byte(hkdfSalt), "saved plan mac", 32)
	if err != nil {
		return Key{}, fmt.Errorf("planfile: derive key: %w", err)
	}
	sec, err := hkdf.Key(sha256.New, in, []byte(hkdfSalt), "secret fingerprints", 32)
	if err != nil {
		return Key{}, fmt.Errorf("planfile: derive key: %w", err)
	}
	m := hmac.New(sha256.New, mac)
	m.Write([]byte("key id"))
	return Key{mac: mac, secrets: sec, id: hex.EncodeToString(m.Sum(nil)[:8]), Source: source}, nil
}

// TokenKey derives the key from an API token.
func TokenKey(token string) (Key, error) {
	return derive("token", []byte(token), "the API token")
}

// GlobalKeyKey derives the key from the legacy email + Global API Key pair.
func GlobalKeyKey(email, apiKey string) (Key, error) {
	return derive("email+key", []byte(email+"\x00"+apiKey), "CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY")
}

// EnvValueKey derives the key from the value of IDPSYNC_PLAN_KEY.
//
// A blank value is refused rather than ignored: a CI secret that is missing
// expands to "", and falling back to the API credentials then would make the
// plan job and the apply job disagree about the key with a message about
// the wrong cause, or, with a shared token, hide the misconfiguration.
func EnvValueKey(v string) (Key, error) {
	if strings.TrimSpace(v) == "" {
		return Key{}, fmt.Errorf("%s is set but blank (a CI secret that does not exist expands to nothing): set it to at least %d bytes (for example the output of `openssl rand -hex 32`), or unset it to key saved plans by the API credentials", EnvKey, MinEnvKeyLen)
	}
	if len(v) < MinEnvKeyLen {
		return Key{}, fmt.Errorf("%s is %d bytes long; it must be at least %d (for example the output of `openssl rand -hex 32`)", EnvKey, len(v), MinEnvKeyLen)
	}
	if len(v) > MaxEnvKeyLen {
		return Key{}, fmt.Errorf("%s must be at most %d characters long (for example the output of `openssl rand -hex 32`)", EnvKey, MaxEnvKeyLen)
	}
	return derive("plan key", []byte(v), EnvKey)
}

// RandomKey derives the key from random bytes kept elsewhere (the sandbox's
// data directory); source names where.
func RandomKey(b []byte, source string) (Key, error) {
	if len(b) < 32 {
		return Key{}, fmt.Errorf("%s: the key is too short", source)
	}
	return derive("random", b, source)
}
