package cloudflare

import "time"

// SetClock runs the client's rate budget, 429 waits and backoff on now
// instead of the wall clock; pair it with Options.Sleep advancing the same
// clock. Tests only.
func SetClock(c *Client, now func() time.Time) { c.now = now }
