package addr

import "strings"

// Match reports whether an address matches a pattern in which * stands for
// any run of characters (brackets and dots included) and everything else
// for itself. Drift exceptions and policy waivers name what they cover with
// such patterns.
func Match(pattern, address string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == address
	}
	if !strings.HasPrefix(address, parts[0]) {
		return false
	}
	address = address[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(address, mid)
		if i < 0 {
			return false
		}
		address = address[i+len(mid):]
	}
	return strings.HasSuffix(address, last)
}
