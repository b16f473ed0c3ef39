package cloudflare

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// ServerTime follows the API's Date header, so certificate lifetimes are
// measured by Cloudflare's clock even when the runner's is off.
func TestServerTime(t *testing.T) {
	tests := []struct {
		name     string
		date     func(now time.Time) string
		wantOK   bool
		wantSkew time.Duration
	}{
		{name: "no response yet", wantOK: false},
		{name: "API ahead by 30 days", date: func(now time.Time) string { return now.Add(720 * time.Hour).Format(http.TimeFormat) }, wantOK: true, wantSkew: 720 * time.Hour},
		{name: "API behind by an hour", date: func(now time.Time) string { return now.Add(-time.Hour).Format(http.TimeFormat) }, wantOK: true, wantSkew: -time.Hour},
		{name: "within a second is no skew", date: func(now time.Time) string { return now.Add(time.Second).Format(http.TimeFormat) }, wantOK: true, wantSkew: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var clock *fakeClock
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.date != nil {
					w.Header().Set("Date", tt.date(clock.Now()))
				}
				w.Write([]byte(`{"success":true,"errors":[],"messages":[],"result":[]}`))
			}))
			defer srv.Close()
			c, fc := newTestClient(t, srv, nil)
			clock = fc
			if tt.date != nil {
				if _, err := c.ListGrants(context.Background(), "023e105f4ecef8ad9ca31a8372d0c353"); err != nil {
					t.Fatal(err)
				}
			}
			got, ok := c.ServerTime()
			if ok != tt.wantOK {
				t.Fatalf("ok = %v, want %v", ok, tt.wantOK)
			}
			if !ok {
				return
			}
			// Date has whole seconds: allow for the truncation.
			if d := got.Sub(clock.Now()) - tt.wantSkew; d < -time.Second || d > time.Second {
				t.Errorf("ServerTime is %v from ours, want %v", got.Sub(clock.Now()), tt.wantSkew)
			}
		})
	}
}
