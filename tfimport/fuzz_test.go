package tfimport

import (
	"os"
	"strings"
	"testing"
)

// FuzzConvert: whatever the input, Convert returns (no panic), its errors are
// one printable line, and nothing it returns or renders holds the canary the
// seeds put in every sensitive attribute.
func FuzzConvert(f *testing.F) {
	for _, name := range []string{"v5-state", "v5-plan", "v4-state"} {
		b, err := os.ReadFile("testdata/" + name + ".json")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(showJSON(idpRes("x", nil), shareRes("s", "Identity provider: GitHub", "f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1")))
	f.Add([]byte(`{"format_version":"1.0","values":{"root_module":{"child_modules":[{"address":"module.a[\"x\\\"y\"]"}]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Convert(data, Options{Grants: fixtureGrants})
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r\x1b") {
				t.Errorf("error with a control character: %q", err)
			}
			return
		}
		out := string(RemovedBlocks(r)) + strings.Join(StateRmCommands(r), "\n")
		for _, s := range r.Skipped {
			out += s.Address + s.Attribute + s.Reason
		}
		for _, g := range r.Gaps {
			out += g.Address + g.Attribute + g.Why
		}
		out += strings.Join(r.Warnings, "\n")
		if strings.Contains(out, "CANARY") {
			t.Error("a secret reached the output")
		}
		for _, from := range r.Removed() {
			if strings.ContainsAny(from, "[\"\n{}") {
				t.Errorf("removed block from %q is not a plain address", from)
			}
		}
	})
}
