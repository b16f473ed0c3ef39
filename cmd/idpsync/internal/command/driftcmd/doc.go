// Package driftcmd implements `idpsync drift`, the nightly check that live
// state still matches the declared state.
//
// It parses the flags, loads and connects through cli, plans through
// engine, turns the plan into a drift report (plan.Drift), renders it
// (plan/render) and sends it where --notify says (notify). It sends no
// write to the API and must not import another command package.
package driftcmd
