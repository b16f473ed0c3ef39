package state

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// ParseDuration parses the durations of the desired state: one or more
// <integer><unit> terms, with units w (week), d (day), h, m and s, e.g. "45d",
// "12h", "2w", "90m" or "1w3d". Unlike time.ParseDuration it knows days and
// weeks, which is how certificate lifetimes are spoken of, and it refuses
// fractions and signs, which are never meant here.
func ParseDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, errors.New("empty duration")
	}
	var total time.Duration
	for i := 0; i < len(s); {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return 0, fmt.Errorf("invalid duration %q: expected a number at offset %d", s, start)
		}
		if i == len(s) {
			return 0, fmt.Errorf("invalid duration %q: missing unit (w, d, h, m or s)", s)
		}
		var unit time.Duration
		switch s[i] {
		case 'w':
			unit = 7 * 24 * time.Hour
		case 'd':
			unit = 24 * time.Hour
		case 'h':
			unit = time.Hour
		case 'm':
			unit = time.Minute
		case 's':
			unit = time.Second
		default:
			return 0, fmt.Errorf("invalid duration %q: unknown unit %q (use w, d, h, m or s)", s, s[i])
		}
		var n int64
		for _, c := range s[start:i] {
			n = n*10 + int64(c-'0')
			if n > math.MaxInt64/int64(unit) {
				return 0, fmt.Errorf("invalid duration %q: too large", s)
			}
		}
		term := time.Duration(n) * unit
		if total > math.MaxInt64-term {
			return 0, fmt.Errorf("invalid duration %q: too large", s)
		}
		total += term
		i++
	}
	return total, nil
}
