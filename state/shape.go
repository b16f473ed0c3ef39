package state

import (
	"net/url"
	"unicode"

	"github.com/idpsync/idpsync/idptype"
)

// checkShape says what is wrong with a config string, or "". Every string is
// one line without control or invisible characters, so that no value can
// forge lines of a plan; a URL field is an absolute http(s) URL with a host
// (REFERENCE.md: okta_account, onelogin_account and centrify_account are URLs;
// the OIDC endpoints and sso_target_url are where browsers and Access are sent).
// The message never quotes the value.
func checkShape(f idptype.Field, s string) string {
	if msg := lineShape(s); msg != "" {
		return msg
	}
	if f.Format == idptype.FormatURL {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			return "is not an absolute http(s) URL with a host"
		}
	}
	return ""
}

// schemaURLPattern is the schema's pattern of a URL field (schemas/gen_schema.go).
const schemaURLPattern = `^(\$\{(env|file):[^}]+\}|https?://[^/?#@\s]+([/?#]\S*)?)$`

// lineShape refuses line breaks, control characters and the zero-width or
// direction-changing characters that make text read differently than it is.
func lineShape(s string) string {
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r':
			return "must be a single line"
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			return "holds a control or invisible character"
		}
	}
	return ""
}

func shapeHint(f idptype.Field) string {
	if f.Format == idptype.FormatURL {
		return "e.g. https://example.okta.com"
	}
	return ""
}
