package cloudflare

import "testing"

func TestRedactMessages(t *testing.T) {
	var r redactor
	r.add("abc", "abcdef", `q"uote`, "")
	got := r.messages([]Message{
		{Code: 1, Message: "client_id abcdef and abc"},
		{Code: 2, Message: `value "q\"uote" refused`},
		{Code: 3, Message: "nothing to hide"},
	})
	want := []string{"client_id (redacted) and (redacted)", `value "(redacted)" refused`, "nothing to hide"}
	for i, m := range got {
		if m.Message != want[i] {
			t.Errorf("message %d = %q, want %q", i, m.Message, want[i])
		}
	}
}
