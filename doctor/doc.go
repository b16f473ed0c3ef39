// Package doctor checks, before any write, what idpsync will need of the
// Cloudflare API with the credentials at hand: which credential serves which
// endpoint family, whether one read of each family idpsync uses succeeds for
// every declared account and zone (and, when it does not, the exact
// permission group that is missing), whether each answer has the shape of the
// repository's contract (emulator/testdata/access-subset.openapi.yaml), and
// what the rate-limit headers said.
//
// It must not write: it sends GETs only, one per family and owner, through
// cloudflare.Client.Probe, and one first page of the account listing
// (GET /accounts) through cloudflare.Client.ProbeAccounts. It must not quote what it read: a Report holds
// statuses, error codes, page sizes, rate-limit numbers and the contract's
// field names, never a value of an answer (names, ids, domains, messages).
// It does not print; the doctor command renders the Report.
package doctor
