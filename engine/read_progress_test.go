package engine_test

import (
	"context"
	"slices"
	"testing"

	"github.com/idpsync/idpsync/engine"
)

// readLog records what ReadLive tells its Progress.
type readLog struct {
	total int
	read  []string
}

func (r *readLog) Reading(n int)    { r.total += n }
func (r *readLog) Read(id string)   { r.read = append(r.read, id) }
func (r *readLog) sorted() []string { return slices.Sorted(slices.Values(r.read)) }

// TestReadLiveProgress: a read says how many accounts it reads, then each
// account once, duplicates and peers counted once; without an account
// client, the peers are not read and not counted.
func TestReadLiveProgress(t *testing.T) {
	tests := []struct {
		name      string
		client    engine.LiveClient
		accounts  []string
		peers     []string
		wantTotal int
		wantRead  []string
	}{
		{"accounts and peers", &fakeAccounts{}, []string{"a1", "a2", "a1"}, []string{"p1", "a2"}, 3, []string{"a1", "a2", "p1"}},
		{"no account client", &fakeLive{}, []string{"a1", "a2"}, []string{"p1"}, 2, []string{"a1", "a2"}},
		{"nothing", &fakeLive{}, nil, nil, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := &readLog{}
			if _, err := engine.ReadLive(context.Background(), tt.client, tt.accounts, engine.ReadOptions{Peers: tt.peers, Progress: log}); err != nil {
				t.Fatal(err)
			}
			if log.total != tt.wantTotal {
				t.Errorf("Reading(%d), want %d", log.total, tt.wantTotal)
			}
			if got := log.sorted(); !slices.Equal(got, tt.wantRead) {
				t.Errorf("read %v, want %v", got, tt.wantRead)
			}
		})
	}
}
