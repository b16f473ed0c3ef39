// Package plancmd implements `idpsync plan`.
//
// It parses the flags, loads and connects through cli, plans through
// engine.Plan, and renders the plan (plan/render) or saves it
// (plan/planfile). It sends no write and must not import another command
// package.
package plancmd
