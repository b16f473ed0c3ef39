package state

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"45d", 45 * day, false},
		{"12h", 12 * time.Hour, false},
		{"2w", 14 * day, false},
		{"90m", 90 * time.Minute, false},
		{"30s", 30 * time.Second, false},
		{"1w3d", 10 * day, false},
		{"0d", 0, false},
		{"", 0, true},
		{"d", 0, true},
		{"45", 0, true},
		{"45x", 0, true},
		{"1.5d", 0, true},
		{"-3d", 0, true},
		{"45 d", 0, true},
		{"99999999999999999999w", 0, true},
		{"15250w15250w", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
