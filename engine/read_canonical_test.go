package engine

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

// canonical gives what the JSON round trip gives, whether it copies a map
// decoded from JSON or encodes and decodes anything else.
func TestCanonicalIsTheJSONRoundTrip(t *testing.T) {
	roundTrip := func(m map[string]any) map[string]any {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for name, m := range map[string]map[string]any{
		"decoded":       {"a": "x", "n": 4096.0, "neg": math.Copysign(0, -1), "b": true, "z": nil, "l": []any{"g", 1.5, map[string]any{"k": "v"}}},
		"ints":          {"n": 3, "u": uint8(7), "l": []string{"a", "b"}},
		"struct-ish":    {"m": map[string]string{"k": "v"}, "f": float32(1.25)},
		"invalid utf-8": {"s": "a\xffb"},
		"empty":         {},
	} {
		got, err := canonical(m)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want := roundTrip(m); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: canonical = %#v, the round trip gives %#v", name, got, want)
		}
	}
	// A copy: deleting from it leaves the read object as it was.
	m := map[string]any{"k": "v", "nested": map[string]any{"a": 1.0}}
	got, _ := canonical(m)
	delete(got, "k")
	delete(got["nested"].(map[string]any), "a")
	if len(m) != 2 || len(m["nested"].(map[string]any)) != 1 {
		t.Errorf("canonical shares its maps with its input: %v", m)
	}
	if _, err := canonical(map[string]any{"nan": math.NaN()}); err == nil {
		t.Error("NaN: no error")
	}
}
