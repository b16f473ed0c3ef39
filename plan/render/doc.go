// Package render turns a plan.Plan or a plan.DriftReport into the views people
// read: a Terraform-like terminal view, JSON for machines, and GitHub-flavoured
// Markdown for pull-request comments. It only writes to the io.Writer it is
// given; choosing colour and width is up to the command.
//
// It reads plans and drift reports only: it must never compute a decision
// (what to create, what is destructive, what drifted) nor reach the API or the
// files; everything it shows is already in the plan. A certificate in a
// plan is shown by its parsed public facts (subject, expiry, SHA-256
// fingerprint); its PEM or base64 appears only in the JSON view.
package render
