// Package fetch downloads SAML metadata from a URL declared in the desired
// state, treating the URL and the response as untrusted: the YAML that names
// the URL comes from a pull request, and the plan job that fetches it holds the
// API token and posts its output publicly.
//
// Only https is fetched, except plain http to a loopback address (for tests
// and local development), enforced again when connecting. Redirects may not
// change the scheme; every fetch has a timeout and a size cap; the response is
// parsed with samlmeta and never echoed; failures name the URL and the HTTP
// status or a fixed reason, nothing read from the response. It must not
// read files or the environment.
package fetch
