package plan

import (
	"slices"
	"testing"
	"time"
)

// TestApplyExceptions covers an exception in force, one past its date, one
// limited to fields the item does not only change, and one matching nothing.
func TestApplyExceptions(t *testing.T) {
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	newReport := func() *DriftReport {
		r := &DriftReport{Items: []DriftItem{
			{Category: DriftChanged, Address: "account[a].idp[GitHub]", Changes: []Change{
				{Path: "config.client_id"}, {Path: "config.client_secret", WriteOnly: true}}},
			{Category: DriftChanged, Address: "account[a].idp[Okta]", Changes: []Change{{Path: "config.sso_target_url"}, {Path: "name"}}},
			{Category: DriftUnmanaged, Address: "account[a].idp[Shadow]"},
			{Category: DriftUnverifiable, Address: "account[a].idp[GitHub]"},
		}}
		r.Evaluate(DefaultFailOn)
		return r
	}
	for _, tt := range []struct {
		name        string
		exceptions  []DriftException
		accepted    []string // addresses accepted
		expired     []string
		stale       int
		wantDrifted bool
	}{
		{name: "in force, last day included",
			exceptions: []DriftException{{Address: "account[a].idp[*]", Reason: "r", Until: "2027-03-01"}},
			accepted:   []string{"account[a].idp[GitHub]", "account[a].idp[Okta]", "account[a].idp[Shadow]"}},
		{name: "expired",
			exceptions:  []DriftException{{Address: "account[a].idp[GitHub]", Reason: "r", Until: "2027-02-28"}},
			expired:     []string{"account[a].idp[GitHub]"},
			wantDrifted: true},
		{name: "fields: write-only changes do not count, other fields do",
			exceptions: []DriftException{
				{Address: "account[a].idp[GitHub]", Fields: []string{"config.client_id"}, Reason: "r", Until: "2099-01-01"},
				{Address: "account[a].idp[Okta]", Fields: []string{"config"}, Reason: "r", Until: "2099-01-01"},
				{Address: "account[a].idp[Shadow]", Reason: "r", Until: "2099-01-01"}},
			accepted:    []string{"account[a].idp[GitHub]", "account[a].idp[Shadow]"},
			stale:       1,
			wantDrifted: true},
		{name: "stale",
			exceptions:  []DriftException{{Address: "account[zzz].idp[*]", Reason: "r", Until: "2099-01-01"}},
			stale:       1,
			wantDrifted: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newReport()
			r.ApplyExceptions(tt.exceptions, now)
			var accepted, expired []string
			for _, it := range r.Items {
				if it.Category == DriftUnverifiable && (it.Accepted != nil || it.ExpiredException != nil) {
					t.Errorf("unverifiable item marked: %+v", it)
				}
				if it.Accepted != nil {
					accepted = append(accepted, it.Address)
				}
				if it.ExpiredException != nil {
					expired = append(expired, it.Address)
				}
			}
			if !slices.Equal(accepted, tt.accepted) || !slices.Equal(expired, tt.expired) {
				t.Errorf("accepted %v expired %v, want %v and %v", accepted, expired, tt.accepted, tt.expired)
			}
			if len(r.StaleExceptions) != tt.stale {
				t.Errorf("stale %v, want %d", r.StaleExceptions, tt.stale)
			}
			if r.Drifted != tt.wantDrifted {
				t.Errorf("Drifted = %v, want %v", r.Drifted, tt.wantDrifted)
			}
		})
	}
}

func TestParseFailOnAndEvaluate(t *testing.T) {
	if _, err := ParseFailOn("changed,chnaged"); err == nil {
		t.Fatal("a misspelt category was accepted")
	}
	if _, err := ParseFailOn(" , "); err == nil {
		t.Fatal("an empty list was accepted")
	}
	all, err := ParseFailOn("all")
	if err != nil || len(all) != len(FailOnCategories) {
		t.Fatalf("all = %v, %v", all, err)
	}
	r := &DriftReport{Items: []DriftItem{
		{Category: DriftCloudflare, Address: "a"},
		{Category: DriftChanged, Address: "b", Accepted: &Acceptance{Reason: "r", Until: "2099-01-01"}},
		{Category: DriftUnverifiable, Address: "c"},
	}}
	for _, tt := range []struct {
		failOn string
		want   bool
	}{
		{"changed,missing,duplicate,unmanaged,pending,certificate", false},
		{"cloudflare-initiated", true},
		{"accepted", true},
		{"unverifiable", true},
		{"changed", false},
	} {
		f, err := ParseFailOn(tt.failOn)
		if err != nil {
			t.Fatal(err)
		}
		if r.Evaluate(f); r.Drifted != tt.want {
			t.Errorf("--fail-on %s: Drifted = %v, want %v", tt.failOn, r.Drifted, tt.want)
		}
	}
}

func TestClassifyMovesSystemChanges(t *testing.T) {
	r := &DriftReport{Items: []DriftItem{
		{Category: DriftUnmanaged, Address: "b", Attribution: &Attribution{ActorType: AuditActorSystem}},
		{Category: DriftChanged, Address: "a", Attribution: &Attribution{ActorType: "user"}},
		{Category: DriftUnverifiable, Address: "c", Attribution: &Attribution{ActorType: AuditActorSystem}},
	}}
	r.Classify()
	if r.Items[0].Address != "a" || r.Items[0].Category != DriftChanged {
		t.Errorf("a person's change moved: %+v", r.Items[0])
	}
	if r.Items[1].Category != DriftCloudflare || r.Items[1].Cause != DriftUnmanaged {
		t.Errorf("a system change not classified: %+v", r.Items[1])
	}
	if r.Items[2].Category != DriftUnverifiable {
		t.Errorf("unverifiable fields reclassified: %+v", r.Items[2])
	}
}
