// Package spmetadatacmd implements `idpsync sp-metadata`: Cloudflare's side of
// a SAML identity provider, as SAML 2.0 metadata the IdP admin can upload.
//
// It parses flags into options, calls the packages that do the work (engine,
// plan, planfile, apply, samlmeta) and renders their results; it must not
// import another command package, and it holds no pipeline logic of its own.
package spmetadatacmd
