// Package emulator emulates the subset of the Cloudflare API v4 that idpsync
// manages: Access identity providers, SAML encryption certificate sets, IdP
// federation grants and resource-sharing shares with their recipients and
// resources. It is the stand-in for the real API in the sandbox, in tests and
// in benchmarks, and follows testdata/access-subset.openapi.yaml, the
// repository's copy of Cloudflare's OpenAPI subset: package emulator/contract
// checks every response of its tests, and every request of the client's
// tests, against that document. It defines its own wire shapes (wire.go) and
// imports no client package.
//
// # Serving
//
// Start serves an emulator on a loopback port; Handler serves it in any
// http.Server. The API lives under /client/v4 with the paths, methods and
// success statuses of the document (201 on creates, 202 on DELETE of an IdP or
// a grant, 204 on PUT recipients, 200 otherwise). Routes under /access answer
// with the Access envelope (success, errors, messages, result, result_info);
// routes under /shares answer with the thinner share envelope, which has no
// messages and whose errors carry only code and message.
//
// Every request must authenticate with "Authorization: Bearer <token>" or with
// "X-Auth-Email" and "X-Auth-Key". The /shares routes refuse tokens (403, code
// 10000), as their published security (email + key only, x-api-token-group:
// null) says. Options.TokenLacks makes tokens lack a permission scope
// (account: GET /accounts and GET /accounts/{id}; access: IdPs, organization, certificate sets,
// grants; apps: Access applications and policies; shares; each whole or
// ":write" only): those requests answer 403, code 10000, as Cloudflare answers
// a token without the permission group. The global key has every scope. When
// Options configures neither Tokens nor Keys, any well-formed credential passes.
//
// # Strict by default
//
// Where Cloudflare's sources (the OpenAPI subset, the API reference at
// developers.cloudflare.com, cloudflare-go v7.9.0, cloudflare-typescript)
// disagree or are silent, the emulator follows the strictest reading, so that
// a client passing its tests does not lean on a kindness the real API may not
// have. Each remaining kindness is a leniency in Options.Lenient, off by
// default, with the flag of `idpsync emulator` that turns it on:
//
//   - ShareTokens (--share-auth token): /shares accept API tokens, as
//     Cloudflare's federation guide's examples imply and its API reference
//     does not. For: users who want to see a token-only setup work.
//   - FilteredTotalCount (--lenient-total-count): result_info.total_count
//     counts what the filters matched. Strict: the whole collection, "Total
//     results available without any search parameters" (result_info of both
//     families in the OpenAPI subset; the SDK's grant-list result_info).
//     For: showing that a client comparing a filtered listing to total_count
//     (the share read-back once did) fails only against the strict default.
//   - PerPage (--lenient-per-page): per_page up to the maxima of Cloudflare's
//     extracted OpenAPI document. Strict: the API reference's, where smaller:
//     certificate sets 1..100 (developers.cloudflare.com/api/resources/
//     zero_trust/subresources/access/subresources/saml_certificates/methods/
//     list, "maximum100"; the extraction says 1000, the repository's contract
//     100); IdPs 1..1000 and shares 1..100 as documented; Access
//     applications, undocumented, 1..1000 as the IdPs. A larger per_page is
//     refused with 400, code 1009.
//   - AccessOrganization (--auto-access-organization): every account and zone
//     has its Access organization from the start. Strict: none until created
//     (POST .../access/organizations, the SDK's OrganizationService.New); GET
//     and PUT answer 404, code 7009, before. The sandbox turns it on: its
//     accounts stand for accounts where Zero Trust is set up.
//   - TotalPages (--total-pages): every list reports result_info.total_pages.
//     Strict: only the federation-grant list, the one list whose SDK type
//     declares it (cloudflare-go v7.9.0 AccessIdPFederationGrantListResponse
//     EnvelopeResultInfo; V4PagePaginationArray carries page and per_page only).
//
// # Behaviour worth knowing
//
//   - IdP names need not be unique, as in the real API.
//   - Strict where the documents are, lenient where they are silent, as far
//     as the SDK's types allow. config keys the document defines are checked
//     against idptype.Types: wrong JSON types, enum values and int bounds are
//     refused. Keys it does not define (in config, scim_config or a
//     header_attributes item) are stored and returned as sent, since no
//     schema forbids them and a key the API adds later must round-trip.
//     saml_certificate_set_id on a non-SAML IdP is accepted and ignored.
//     Read-only keys (redirect_url) are ignored on input and computed on
//     output. Keys the catalogue calls required are not enforced, because the
//     API document enforces none.
//   - Every IdP reads back with scim_config, filled with the API's defaults
//     for what was never set (enabled false, identity_update_behavior
//     no_action, seat_deprovision and user_deprovision false) and the
//     computed scim_base_url, as the Terraform provider expects of the real API.
//   - Grants are {id, idp_id}: no created_at, as in the SDK.
//   - Zones serve the IdP routes (and Access apps and organization) under
//     /zones/{zone_id}/access/..., as the SDK builds them; zone IdPs are
//     stored with account_id "zones/<zone id>" and zones in Data.Zones.
//     Options.AutoAccounts creates unknown zones as it does accounts.
//   - config.client_secret is stored but never returned. scim_config.secret
//     is generated the first time SCIM is enabled and returned in that
//     response only, and again, new, by POST
//     .../identity_providers/{id}/refresh_scim_secret (SCIM must be on);
//     reads never return it. No source documents refresh_scim_secret's
//     answer: Options.RefreshSCIMAnswer picks one of RefreshSCIMAnswers (the
//     IdP with scim_config.secret by default; {"secret"} alone; a bare
//     string; a null result; 204), so tests can hold the client to each. A PUT that leaves client_secret out keeps the stored one; a PUT
//     without scim_config keeps the SCIM settings; otherwise PUT replaces the
//     whole object.
//   - A PUT that sets config.enable_encryption to true must carry
//     saml_certificate_set_id of the set assigned to that IdP. A PUT without
//     saml_certificate_set_id keeps the assignment.
//   - Certificates are real self-signed RSA-2048 X.509 certificates valid one
//     year from the emulator clock; a set rotates by itself once the clock
//     passes not_after minus 30 days (applied on the next request).
//   - Asynchronous transitions (recipients associating→associated and
//     disassociating→disassociated, shares and share resources
//     deleting→deleted) complete once the emulator clock is Options.AsyncDelay
//     past the write. With no delay, the write's own response shows the
//     transitional state and any later request the final one.
//   - While a share carrying an idp-federation-grant resource is associated
//     with a recipient account, that account's IdP list shows a read-only
//     connection (read_only: true, the source's name and type, config {}) whose
//     ID is derived from the grant and the recipient account. It goes the
//     moment the grant is deleted, and when the recipient is disassociated or
//     the share deleted.
//   - Organization-targeted shares (organization_id, or neither recipient
//     field) reach every account of the owner's organization, including
//     accounts that join later.
//   - Access applications (create, list, get, delete) keep what idpsync reads:
//     name, domain, type, aud, allowed_idps, auto_redirect_to_identity.
//     allowed_idps must name IdPs of the account; deleting an IdP leaves the
//     applications that list it unchanged. An account's Access organization
//     (POST, GET and PUT .../access/organizations) exists once created (see
//     AccessOrganization above); the IdPs' redirect_url is built on its
//     auth_domain, or on team-<first 8 hex of the id>.cloudflareaccess.com
//     while there is none.
//   - Every successful write is logged in the account's audit log, served
//     as Audit Logs version 2 (GET /accounts/{account_id}/logs/audit; since
//     and before required, newest first, a cursor in
//     result_info.cursors.after, limit at most 1000 — the reference gives no
//     maximum, so this one is the emulator's). The actor is the credential's:
//     an API token as context api_token with a name derived from a digest of
//     the token (never the token), a global key as api_key with its email,
//     and a write carrying the X-Emulator-Dashboard-User header as a
//     dashboard (dash) edit by that user, which is how tests act as a person
//     in the dashboard. What the emulator does by itself (an automatic
//     certificate rotation, AddDefaultIdP) is logged with actor type system.
//     The log needs Account Settings Read, the scope "account" of
//     Options.TokenLacks. The log keeps the newest 20,000 entries.
//   - Access policies: reusable ones (GET and POST .../access/policies,
//     with app_count) and an application's own (GET and POST
//     .../apps/{app_id}/policies, account and zone form); an application's
//     listing holds its own and the reusable ones it uses, in precedence
//     order, as the SDK documents. Rules are kept as sent, one key each; a
//     rule naming an IdP (login_method.id, identity_provider_id) must name
//     one of the account. Deleting an application deletes its own policies.
//   - GET /accounts lists every account the emulator holds (credentials are
//     not tied to accounts), each as GET /accounts/{account_id} answers it,
//     by name; per_page is held to the reference's 5..50 (default 20).
//   - Shares carry no tags, so a tag filter matches no share.
//   - Lists past the last page answer an empty result. Out-of-range page or
//     per_page is refused rather than clamped, to catch client bugs.
//     Options.MaxPerPage (--max-per-page) serves at most that many objects a
//     page whatever per_page asks, reporting the real per_page in
//     result_info only, as a real server may; the unpaginated
//     share lists are then paginated too. Options.RefusePerPageAbove refuses
//     a per_page above it on every list (400, code 1009), as an endpoint
//     whose real maximum is below its documented one would.
//
// # Error codes
//
// Failures use codes of at least 1000 and a message a person can act on;
// Access-family errors about a request field carry source.pointer. The
// documents give few codes and statuses: every operation may fail with "4XX"
// (and the share operations with "5XX"), 7003 "No route for the URI" is the
// one example code, and specific statuses are documented only for the
// certificate-set create (403, 404), certificate get, PEM and rotate (404),
// grant get and delete (404) and the rate limit (429). Everything marked
// "invented" below is the emulator's choice, not Cloudflare's: clients must
// not depend on those codes or statuses, only on the status class.
//
//	code   status  meaning                                                    source
//	10000  403     Authentication error (missing or wrong credentials)        code invented; status class 4XX
//	10429  429     rate limit exceeded (Retry-After says when to come back)   code invented; 429 documented (D-LIM)
//	10500  500     internal error (injected fault, or unsaved data file)      code invented
//	10502  502     bad gateway (injected fault)                               code invented
//	10503  503     service unavailable (injected fault)                       code invented
//	 7000  404     account not found (without AutoAccounts)                   code and status invented
//	 7001  404     identity provider not found                                code invented; 404 documented for the certificate-set create only
//	 7002  404     SAML certificate set not found                             code invented; 404 documented
//	 7003  404     No route for the URI                                       documented example
//	 7004  404     IdP federation grant not found                             code invented; 404 documented
//	 7005  404     share not found                                            code and status invented
//	 7006  404     share recipient not found                                  code and status invented
//	 7007  404     share resource not found                                   code and status invented
//	 7008  404     Access application not found                               code and status invented
//	 7009  404     the account has no Access organization yet                 code and status invented
//	 1010  409     POST of an Access organization the account already has     code and status invented
//	 1001  400     body missing or not the JSON the endpoint takes            code and status invented
//	 1002  400     required field missing or empty                            code and status invented
//	 1003  400     wrong JSON type, enum value or bound                       code and status invented
//	 1005  400     type cannot be changed                                     code, status and rule invented
//	 1006  403     read-only identity provider cannot be changed or deleted   code and status invented (read_only is documented)
//	 1007  400     SAML encryption certificates are only for type saml        code and status invented
//	 1008  400     enable_encryption / saml_certificate_set_id without this IdP's set  code and status invented
//	 1009  400     page or per_page out of range                              code and status invented
//	 1100  400     account belongs to no organization (grants, shares)        code and status invented (rule documented)
//	 1101  400     IdP cannot be federated (onetimepin, cloudflare, read-only) code and status invented (rule documented)
//	 1102  400     federated IdP limit (Options.MaxFederatedIdPs) reached     code and status invented (cap documented)
//	 1103  409     the IdP already has a grant                                code, status and rule invented (REFERENCE.md §9.8)
//	 1104  409     IdP cannot be deleted while a grant refers to it           code and status invented (rule documented)
//	 1105  400     grant idp_id names no IdP of the account                   code and status invented
//	 1200  400     recipient outside the owner's organization                 code and status invented (rule documented)
//	 1201  409     account is already a recipient                             code, status and rule invented
//	 1202  400     recipients of an organization-targeted share unchangeable  code and status invented (rule documented)
//	 1203  400     recipient account does not exist                           code and status invented
//	 1204  400     resource is not a grant of the sharing account             code and status invented
//	 1205  400     share (or share resource) is deleting or deleted           code and status invented
//	 1206  409     resource already on the share                              code, status and rule invented
//	 1207  400     the owner cannot be its own recipient                      code, status and rule invented
//	 1208  400     organization and single-account recipients mixed           code and status invented (docs say give one)
//
// # Operation
//
// Options.Latency delays every API request; Options.RateLimit is a fixed
// window that opens at the first request, beyond whose budget every request
// gets 429 until the window ends. With a rate limit set, every response
// carries Ratelimit ("default";r=<remaining>;t=<seconds to reset>) and
// Ratelimit-Policy ("default";q=<budget>;w=<window seconds>), and 429s carry
// Retry-After. Options.Faults makes that share of requests fail with 500, 502,
// 503, 429 or a dropped connection; about half of the failures of writes
// happen after the write was committed. Control endpoints, which are never
// faulted, limited, counted or authenticated:
//
//	GET    /__emulator/stats   Stats as JSON
//	DELETE /__emulator/stats   reset the counters
//	GET    /__emulator/clock   {"now": ...}
//	POST   /__emulator/clock   {"advance":"720h"} moves the emulator clock; answers {"now": ...}
//
// # Data
//
// Data is the whole state: the data file's JSON, what Snapshot returns and
// what Load seeds. Its top-level keys are organizations ({id, name}),
// accounts ({id, name, organization_id}), identity_providers (the API object
// plus account_id, with secrets), certificate_sets ({account_id, idp_id, uid,
// created_at, updated_at, current_certificate, previous_certificate}), grants
// ({account_id, id, idp_id, created_at}), shares ({id, account_id, name,
// target_type, status, created, modified}), recipients ({id, share_id,
// account_id, association_status, ...}), share_resources ({id, share_id,
// resource_id, resource_type, resource_account_id, meta, status,
// resource_version, ...}), access_applications ({account_id, id, name,
// domain, type, aud, allowed_idps, auto_redirect_to_identity, policies (ids,
// in precedence order), ...}), access_policies ({account_id, id, name,
// decision, include, require, exclude, reusable}) and
// access_organizations ({account_id, name, auth_domain,
// auto_redirect_to_identity, session_duration}); default_organization_id
// and clock_offset are optional. Account, organization, grant, share, recipient and share-resource
// IDs are 32 lowercase hex characters; IdP and certificate IDs are UUIDs.
// Timestamps, statuses and versions left out of a fixture get defaults
// (now, active/associated, 1). testdata/seed.json is a worked example.
package emulator
