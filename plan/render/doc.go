// Package render turns a plan.Plan, a plan.DriftReport, and the reports of
// `certs` and `scim` (CertsReport, plan.SCIMEntry) into the views people
// read: a Terraform-like terminal view, JSON for machines, and
// GitHub-flavoured Markdown for pull-request comments, plus the drift
// webhook's text. It only writes to the io.Writer it is given (or returns
// bytes); choosing colour and width is up to the command. Apply's progress
// has its own package, render/progress.
//
// It reads what it is given only: it must never compute a decision (what to
// create, what is destructive, what drifted) nor reach the API or the files;
// everything it shows is already in the plan or report. A certificate in a
// plan is shown by its parsed public facts (subject, expiry, SHA-256
// fingerprint); its PEM or base64 appears only in the JSON view.
package render
