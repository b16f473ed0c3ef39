// Package tfimport turns the JSON that `terraform show -json` prints (of a
// state or of a saved plan) into what idpsync needs to take over the Access
// identity providers and shares the Cloudflare provider manages: the live
// model that package importcmd renders as desired-state YAML, the Terraform
// addresses to forget (removed blocks and `terraform state rm` commands),
// and a report of every attribute it did not carry over and why.
//
// It knows the resource types of provider v5
// (cloudflare_zero_trust_access_identity_provider, cloudflare_share,
// cloudflare_share_recipient, cloudflare_share_resource) and of provider v4
// (cloudflare_access_identity_provider and the v4
// cloudflare_zero_trust_access_identity_provider, whose config and
// scim_config are one-element lists). Each mapping table cites the provider
// schema file it follows.
//
// It is pure: it reads bytes it is given and returns values. It must not do
// I/O, call the API, or print; the command renders.
//
// Threat model: the input is untrusted. A state holds client and SCIM secrets
// in plain text, and every name and for_each key in it was written by
// someone else. So:
//
//   - No secret value leaves this package. A secret attribute is reported by
//     its name only; the model carries no value for it, and the renderer
//     writes an ${env:NAME} reference in its place.
//   - Input is bounded (MaxInputBytes, MaxModuleDepth) and decoded into
//     typed structures before anything looks at it.
//   - Every address is rebuilt from parsed parts: module and resource names
//     must be identifiers, and instance keys are re-quoted with escapes, so
//     an address can neither break out of a removed block nor steer a
//     terminal. A string that could be read as an idpsync ${...} reference
//     stays a literal in the YAML (the renderer escapes it).
//   - Anything it cannot place is an error, not a guess: nothing is written
//     on error. In particular a shared federation grant whose IdP the state
//     does not name fails the import, since YAML without that federation
//     would plan its removal.
package tfimport
