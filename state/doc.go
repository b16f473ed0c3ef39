// Package state holds the two sides idpsync compares: the desired state loaded
// and validated from YAML (with file:line:col diagnostics and ${env:}/${file:}
// references), and the model of the live state that package engine reads from
// the API and normalizes into the same vocabulary.
//
// It makes no API calls and must not import the HTTP client: plan/ and
// plan/render build on it without linking net/http. It never prints.
//
// Threat model: the YAML is untrusted. A pull request writes it, and plan runs
// it with an API token in the environment and publishes the output. So:
//
//   - A value read through a reference never leaves this package except in
//     IdP.Config, with its source in IdP.Secrets, which tells every renderer
//     to show the reference instead; diagnostics name the reference, never
//     what it resolved to. Certificates are the exception: they are public,
//     and parsed as X.509 before anything shows them.
//   - ${file:} reads only regular files inside the configuration root (the git
//     work tree, else the directory given, else LoadOptions.Root), never under
//     .git, never through a link that leaves the root, without blocking on a
//     FIFO; at most MaxReferencedFile per file and MaxReferencedTotal per load.
//   - A saml IdP's `metadata:` file is read under the same rules and parsed
//     at load time (samlmeta); a metadata URL is only checked here and
//     fetched by the engine. Values from a URL come from outside the
//     repository, so FillMetadata records issuer_url and sso_target_url in
//     Secrets (shown by their source), and certificates as certificates.
//   - LoadOptions.FS loads another revision of the configuration (read from
//     git) for comparison only: it resolves no ${env:} and no secret, and
//     reads public files from the FS under the same confinement and caps.
//   - Load honours its context, so a signal ends it promptly.
//   - Secrets (catalogue-sensitive keys) may be absent: they are deferred to
//     apply, which reads them before its first write.
package state
