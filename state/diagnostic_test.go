package state

import "testing"

func TestDidYouMean(t *testing.T) {
	keys := []string{"issuer_url", "sso_target_url", "idp_public_certs", "sign_request"}
	tests := []struct{ word, want string }{
		{"issuer_ur", "did you mean `issuer_url`?"},
		{"Issuer_URL", "did you mean `issuer_url`?"},
		{"sso_url", ""},
		{"sign_requests", "did you mean `sign_request`?"},
		{"zzz", ""},
	}
	for _, tt := range tests {
		if got := didYouMean(tt.word, keys); got != tt.want {
			t.Errorf("didYouMean(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{{"", "", 0}, {"a", "", 1}, {"kitten", "sitting", 3}, {"prune", "prun", 1}}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestLoadModel checks the model a valid file produces: canonical JSON
// values, aliases and merge keys expanded, secrets recorded, sorting.
