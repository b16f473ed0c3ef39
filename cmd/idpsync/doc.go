// Command idpsync manages Cloudflare Access identity providers, their SAML
// encryption and their federation across accounts, declaratively.
//
// main only calls root.Main: the commands live one per package under
// internal/command, what they share under internal/cli. It must hold no logic.
package main
