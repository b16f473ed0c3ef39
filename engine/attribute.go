package engine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/plan/addr"
)

// AuditReader reads an account's audit log; *cloudflare.Client is one.
type AuditReader interface {
	AuditLog(ctx context.Context, accountID string, q cloudflare.AuditQuery) ([]cloudflare.AuditEntry, bool, error)
}

// AttributionWindow is how far back attribution looks: the audit log
// version 2 keeps 30 days (its API reference lists the limit).
const AttributionWindow = 30 * 24 * time.Hour

// attributionMaxEntries bounds what one account's query reads, newest first.
const attributionMaxEntries = 1000

// Attribute names, for each drifted object, the audit log's last change of
// it: who, how (dashboard or API), when and what. It makes one bounded query
// per account that has drift, none when nothing drifted, and never one per
// object. An audit log it may not read is said once in the report
// (AttributionUnavailable); it is not an error, since attribution only
// explains drift that is already reported.
func Attribute(ctx context.Context, r AuditReader, report *plan.DriftReport, now time.Time, concurrency int) error {
	byAccount := map[string][]int{}
	var accounts []string
	for i, it := range report.Items {
		// Zone IdPs have no account audit log of their own to ask, and
		// unverifiable fields are not drift.
		if it.Category == plan.DriftUnverifiable || it.AccountID == "" || idptype.IsZone(it.AccountID) {
			continue
		}
		if _, seen := byAccount[it.AccountID]; !seen {
			accounts = append(accounts, it.AccountID)
		}
		byAccount[it.AccountID] = append(byAccount[it.AccountID], i)
	}
	if len(accounts) == 0 {
		return nil
	}
	var mu sync.Mutex
	var unavailable []string
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(concurrency, 1))
	for _, acct := range accounts {
		items := byAccount[acct]
		g.Go(func() error {
			want := map[string]bool{}
			for _, i := range items {
				if id := report.Items[i].ResourceID; id != "" {
					want[id] = true
				}
			}
			q := cloudflare.AuditQuery{
				Since: now.Add(-AttributionWindow), Before: now.Add(time.Minute),
				MaxEntries: attributionMaxEntries,
				// Newest first: once every object is found, older entries
				// cannot change the answer. Missing objects have no id to
				// find, so their accounts read the whole bounded window.
				Done: func(got []cloudflare.AuditEntry) bool {
					return len(want) > 0 && allFound(want, got) && !hasMissing(report, items)
				},
			}
			entries, _, err := r.AuditLog(gctx, acct, q)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				mu.Lock()
				unavailable = append(unavailable, unavailableReason(acct, err))
				mu.Unlock()
				return nil
			}
			mu.Lock()
			defer mu.Unlock()
			attributeAccount(report, items, entries)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if len(unavailable) > 0 {
		report.AttributionUnavailable = unavailable[0]
		if len(unavailable) > 1 {
			report.AttributionUnavailable += fmt.Sprintf(" (and for %d more accounts)", len(unavailable)-1)
		}
	}
	report.Classify()
	return nil
}

// unavailableReason says why an account's audit log was not read, in words
// of our own: nothing the server wrote is repeated.
func unavailableReason(account string, err error) string {
	var apiErr *cloudflare.APIError
	if errors.As(err, &apiErr) {
		if apiErr.Status == http.StatusUnauthorized || apiErr.Status == http.StatusForbidden {
			return "attribution unavailable (needs " + cloudflare.AuditLogPermission + ")"
		}
		return fmt.Sprintf("attribution unavailable: the audit log of account %s answered HTTP %d", account, apiErr.Status)
	}
	return fmt.Sprintf("attribution unavailable: the audit log of account %s could not be read", account)
}

func allFound(want map[string]bool, got []cloudflare.AuditEntry) bool {
	found := 0
	seen := map[string]bool{}
	for _, e := range got {
		if want[e.Resource.ID] && !seen[e.Resource.ID] {
			seen[e.Resource.ID] = true
			found++
		}
	}
	return found == len(want)
}

func hasMissing(report *plan.DriftReport, items []int) bool {
	for _, i := range items {
		if report.Items[i].ResourceID == "" {
			return true
		}
	}
	return false
}

// attributeAccount matches an account's entries, newest first, to its items:
// by the object's id, or, for an IdP that is missing live (its id gone with
// it), by elimination when exactly one IdP deletion is in the window.
func attributeAccount(report *plan.DriftReport, items []int, entries []cloudflare.AuditEntry) {
	latest := map[string]*cloudflare.AuditEntry{}
	var idpDeletes []*cloudflare.AuditEntry
	for i := range entries {
		e := &entries[i]
		if prev := latest[e.Resource.ID]; prev == nil || e.Action.Time.After(prev.Action.Time) {
			latest[e.Resource.ID] = e
		}
		if e.Action.Type == "delete" && e.Resource.Type == "identity_provider" {
			idpDeletes = append(idpDeletes, e)
		}
	}
	for _, i := range items {
		it := &report.Items[i]
		if it.ResourceID != "" {
			if e := latest[it.ResourceID]; e != nil {
				it.Attribution = attribution(e)
			}
			continue
		}
		if it.Category == plan.DriftMissing && isIdPAddress(it.Address) && len(idpDeletes) == 1 {
			it.Attribution = attribution(idpDeletes[0])
			it.Attribution.Inferred = true
		}
	}
}

// isIdPAddress says whether an address is an IdP's own (account[a].idp[n]),
// not one of its children's nor a duplicate's.
func isIdPAddress(s string) bool {
	a, err := addr.Parse(s)
	return err == nil && a.IsIdP()
}

func attribution(e *cloudflare.AuditEntry) *plan.Attribution {
	a := &plan.Attribution{ActorType: e.Actor.Type, Time: e.Action.Time.UTC().Truncate(time.Second), Action: e.Action.Type}
	switch {
	case e.Actor.Type == plan.AuditActorSystem:
		a.Actor = "Cloudflare"
	case e.Actor.Email != "":
		a.Actor = e.Actor.Email
	case e.Actor.TokenName != "":
		a.Actor = "API token " + e.Actor.TokenName
	default:
		a.Actor = "actor " + e.Actor.ID
	}
	// actor.context values: cloudflare-go v7.9.0 accounts/logaudit.go,
	// LogAuditListResponseActorContext.
	switch e.Actor.Context {
	case "dash":
		a.Interface = "dashboard"
	case "api_token", "api_key", "oauth", "origin_ca_key":
		a.Interface = "api"
	}
	return a
}
