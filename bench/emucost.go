package main

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/idpsync/idpsync/emulator"
	"github.com/idpsync/idpsync/idptype"
)

// emuMeasured is how many accounts scenario 7 plans; the emulator holds
// more besides them. The tests plan fewer (harness.emuPlanned).
const emuMeasured = 50

// emulatorCost is scenario 7: the emulator's cost per request as the data it
// holds grows. The same no-change plan of 50 accounts (300 requests) runs
// against an emulator holding 50, 1,000 and 5,000 accounts of the workload's
// shape (the extra ones written straight into its data: 4 IdPs, 2 grants, 2
// shares of 3 recipients each). With no latency, CPU per request is the
// process's (emulator, client and reader, all in-process): only the
// emulator's part could grow with the data, so a flat figure shows the
// emulator stays out of every measurement.
func (h *harness) emulatorCost(ctx context.Context) ([]Row, error) {
	measured := cmp.Or(h.emuPlanned, emuMeasured)
	w := workload{Accounts: measured}
	s, err := h.appliedSite(ctx, w)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	e := s.srv.Emulator
	base := e.Snapshot()
	var rows []Row
	var first float64
	for k, n := range h.emuSizes {
		d, err := withFiller(base, max(0, n-measured))
		if err != nil {
			return rows, err
		}
		if err := e.Load(d); err != nil {
			return rows, fmt.Errorf("%d accounts: load: %w", n, err)
		}
		row := Row{Scenario: "7 emulator", Size: fmt.Sprintf("holding %d accounts", n), Metric: "CPU per request (µs)"}
		for run := range h.runs {
			c, err := s.client(unlimited, h.concurrency)
			if err != nil {
				return rows, err
			}
			e.ResetStats()
			var reqs int
			cst, err := measure(func() error {
				p, err := s.plan(ctx, c)
				if err == nil && p.HasChanges() {
					err = fmt.Errorf("the plan against the applied state has changes")
				}
				reqs = e.Stats().Total
				return err
			})
			if err != nil {
				return rows, fmt.Errorf("%d accounts: %w", n, err)
			}
			per := float64(cst.CPU.Microseconds()) / float64(reqs)
			row.Values = append(row.Values, per)
			h.logf("  7 emulator   %5d accounts  run %d/%d: %d requests, %s CPU, %.0f µs/request", n, run+1, h.runs, reqs, cst.CPU.Round(time.Millisecond), per)
		}
		if k == 0 {
			first = row.Median()
			row.Kind, row.Bound, row.BoundNote = boundReference, first, "the smallest"
		} else {
			row.Bound, row.MaxRatio = first, 1.5
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// withFiller returns base plus n accounts of the workload's shape, in the
// base's default organization.
func withFiller(base *emulator.Data, n int) (*emulator.Data, error) {
	d := *base
	d.Accounts = append([]emulator.Account(nil), base.Accounts...)
	d.IdentityProviders = append([]emulator.IdentityProvider(nil), base.IdentityProviders...)
	d.Grants = append([]emulator.Grant(nil), base.Grants...)
	d.Shares = append([]emulator.Share(nil), base.Shares...)
	d.Recipients = append([]emulator.Recipient(nil), base.Recipients...)
	d.ShareResources = append([]emulator.ShareResource(nil), base.ShareResources...)
	org := d.DefaultOrganizationID
	if org == "" && len(base.Accounts) > 0 {
		org = base.Accounts[0].OrganizationID
	}
	now := time.Now().UTC()
	hexID := func(parts ...any) string {
		sum := sha256.Sum256(fmt.Append(nil, parts...))
		return hex.EncodeToString(sum[:16])
	}
	acct := func(i int) string { return hexID("filler-account", i) }
	for i := range n {
		id := acct(i)
		d.Accounts = append(d.Accounts, emulator.Account{ID: id, Name: fmt.Sprintf("filler-%05d", i), OrganizationID: org})
		for j, typ := range []string{idptype.GitHub, idptype.GitHub, idptype.Google, idptype.Passkeys} {
			idp := emulator.IdentityProvider{AccountID: id, ID: uuid.NewSHA1(uuid.NameSpaceOID, fmt.Append(nil, id, j)).String(),
				Name: fmt.Sprintf("IdP %d", j), Type: typ, Config: map[string]any{"client_id": "x"}, CreatedAt: now}
			if typ == idptype.Passkeys {
				idp.Config = map[string]any{}
			}
			d.IdentityProviders = append(d.IdentityProviders, idp)
			if j >= sharesPerAccount {
				continue
			}
			g := emulator.Grant{AccountID: id, ID: hexID("grant", id, j), IdPID: idp.ID, CreatedAt: now}
			sh := emulator.Share{ID: hexID("share", id, j), AccountID: id, Name: "Identity provider: " + idp.Name,
				TargetType: "account", Status: "active", Created: now, Modified: now}
			d.Grants = append(d.Grants, g)
			d.Shares = append(d.Shares, sh)
			d.ShareResources = append(d.ShareResources, emulator.ShareResource{ID: hexID("resource", sh.ID), ShareID: sh.ID,
				ResourceID: g.ID, ResourceType: "idp-federation-grant", ResourceAccountID: id, Meta: map[string]any{},
				Status: "active", Version: 1, Created: now, Modified: now})
			for k := 1; k <= maxRecipients; k++ {
				d.Recipients = append(d.Recipients, emulator.Recipient{ID: hexID("recipient", sh.ID, k), ShareID: sh.ID,
					AccountID: acct((i + k) % n), AssociationStatus: "associated", Created: now, Modified: now})
			}
		}
	}
	return &d, nil
}
