package samlmeta

import (
	"errors"
	"net/netip"
	"net/url"
	"strings"
)

// CheckURL reports whether raw may be fetched as metadata: an absolute https
// URL, or plain http to a loopback address (tests, local development), with
// no credentials. It is here, not in samlmeta/fetch, so that the loader can
// refuse a URL without linking an HTTP client; the fetcher checks again, and
// checks the address it actually connects to.
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || !u.IsAbs() {
		return errors.New("not an absolute URL with a host")
	}
	if u.User != nil {
		return errors.New("credentials in the URL are not allowed")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if IsLoopback(u.Hostname()) {
			return nil
		}
		return errors.New("plain http is allowed only to a loopback address; use https")
	}
	return errors.New("the scheme must be https")
}

// IsLoopback accepts loopback IP literals and "localhost".
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}
