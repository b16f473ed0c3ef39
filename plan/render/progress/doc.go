// Package progress shows long work while it runs: the reads of the live
// state, the actions of an apply and the waits of the API client (a spent
// request budget, a Retry-After), then a summary of each stage. On a
// terminal (Live) it keeps a few lines redrawn in place under the lines that
// matter; in a log (Lines: CI, a pipe) it writes those lines (writes,
// failures, waits), a one-line status at most every Options.Interval, and a
// summary; with JSON it writes one object per action event. Once an apply
// is over, it shows what the apply did (Result, Certificates, SCIM,
// Verified, Stale, Undelivered).
//
// It is fed events and a clock by the command. It must not decide anything
// (what to apply, whether to wait), reach the API or the files, read the real
// clock or find out by itself whether it writes to a terminal (Options say
// both), and it must not print a server's or a file's text without
// sanitising it.
package progress
