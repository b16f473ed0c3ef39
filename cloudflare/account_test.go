package cloudflare

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// TestListAccountsPaging: ListAccounts asks the documented maximum page size,
// reports how many pages the server says the listing holds, stops when the
// caller has enough, at the server's last page or at an empty page, and is
// held to the client's bounds on a listing.
func TestListAccountsPaging(t *testing.T) {
	tests := []struct {
		name  string
		total int
		cap   int // the server's own page limit; 0 serves per_page
		// info: "count" reports total_count, "pages" total_pages too, "" none.
		info      string
		stopAfter int // the caller stops after this page; 0 reads on
		wantCalls int
		wantPages int // Pages of the first page
		wantSeen  int
	}{
		{name: "empty", total: 0, info: "count", wantCalls: 1, wantSeen: 0},
		{name: "one page", total: 30, info: "count", wantCalls: 1, wantPages: 1, wantSeen: 30},
		{name: "total_count over per_page", total: 120, info: "count", wantCalls: 3, wantPages: 3, wantSeen: 120},
		{name: "total_pages", total: 120, info: "pages", wantCalls: 3, wantPages: 3, wantSeen: 120},
		{name: "server serves 20 a page", total: 120, cap: 20, info: "count", wantCalls: 6, wantPages: 6, wantSeen: 120},
		{name: "no result_info ends at an empty page", total: 120, wantCalls: 4, wantPages: 0, wantSeen: 120},
		{name: "the caller stops", total: 500, info: "count", stopAfter: 2, wantCalls: 2, wantPages: 10, wantSeen: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				if r.URL.Path != "/client/v4/accounts" {
					t.Errorf("path %s", r.URL.Path)
				}
				page, _ := strconv.Atoi(r.URL.Query().Get("page"))
				per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
				if per != accountPerPage || page < 1 {
					t.Errorf("page %d per_page %d, want page ≥ 1 and the documented maximum %d", page, per, accountPerPage)
				}
				if tt.cap > 0 {
					per = min(per, tt.cap)
				}
				items := []Account{}
				for i := (page - 1) * per; i < min(page*per, tt.total); i++ {
					items = append(items, Account{ID: fmt.Sprintf("%032x", i), Name: "a", ManagedBy: AccountManagedBy{ParentOrgID: "org"}})
				}
				env := accessOK(items)
				switch tt.info {
				case "count":
					env["result_info"] = map[string]any{"page": page, "per_page": per, "count": len(items), "total_count": tt.total}
				case "pages":
					env["result_info"] = map[string]any{"page": page, "per_page": per, "count": len(items), "total_count": tt.total, "total_pages": (tt.total + per - 1) / per}
				}
				writeJSON(w, 200, env)
			}))
			defer srv.Close()
			c, _ := newTestClient(t, srv, nil)
			seen, first := 0, -1
			err := c.ListAccounts(context.Background(), func(p AccountsPage) bool {
				if first < 0 {
					first = p.Pages
				}
				for _, a := range p.Accounts {
					if a.ManagedBy.ParentOrgID != "org" {
						t.Errorf("account %s lost its organization", a.ID)
					}
				}
				seen += len(p.Accounts)
				return tt.stopAfter == 0 || p.Page < tt.stopAfter
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := int(calls.Load()); got != tt.wantCalls {
				t.Errorf("%d requests, want %d", got, tt.wantCalls)
			}
			if first != tt.wantPages {
				t.Errorf("first page says %d pages, want %d", first, tt.wantPages)
			}
			if seen != tt.wantSeen {
				t.Errorf("%d accounts seen, want %d", seen, tt.wantSeen)
			}
		})
	}
}

// TestListAccountsBounded: a server that pages without end, or sends failures,
// ends the listing in an error, never in a loop or a silent success.
func TestListAccountsBounded(t *testing.T) {
	endless := func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		var b strings.Builder
		b.WriteString(`{"success":true,"errors":[],"messages":[],"result_info":{"page":` + strconv.Itoa(page) + `,"per_page":50,"count":50,"total_count":999999999},"result":[`)
		for i := range 50 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":"p%d-%d","name":"n"}`, page, i)
		}
		b.WriteString("]}")
		w.Write([]byte(b.String()))
	}
	for _, tc := range []struct {
		name string
		mod  func(*Options)
		want string
	}{
		{"objects", func(o *Options) { o.MaxListObjects = 500 }, "more than 500 objects by page 11"},
		{"bytes", func(o *Options) { o.MaxListBytes = 16 << 10 }, "more than 16384 bytes by page"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(endless))
			defer srv.Close()
			c, _ := newTestClient(t, srv, tc.mod)
			err := c.ListAccounts(context.Background(), func(AccountsPage) bool { return true })
			var le *LimitError
			if !errors.As(err, &le) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want a *LimitError saying %q", err, tc.want)
			}
		})
	}
	t.Run("refused", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 403, accessFail(10000, "Authentication error"))
		}))
		defer srv.Close()
		c, _ := newTestClient(t, srv, nil)
		called := false
		err := c.ListAccounts(context.Background(), func(AccountsPage) bool { called = true; return true })
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != 403 || called {
			t.Fatalf("err = %v (called %v), want the 403 as an *APIError and no page", err, called)
		}
	})
}
