// Package notify posts a drift summary to a webhook (a Slack incoming
// webhook, or anything that takes JSON with a text field).
//
// It sends only what it is given, which the drift report's view builds from
// addresses, categories and actors: never a secret, a configuration value or
// anything read from the environment. The webhook URL is itself a secret (a
// Slack webhook's path is its credential), so it must not appear in any
// error or output. It must not print, and it makes exactly one bounded
// request: https only (plain http to a loopback address alone, for tests),
// no redirects, a timeout, and an answer read no further than a small cap.
package notify
