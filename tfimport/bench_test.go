package tfimport

import (
	"fmt"
	"testing"
)

// BenchmarkConvert converts a state of n identity providers spread over
// for_each instances of a module, with a share each: the size of a large
// organization's Access state.
func BenchmarkConvert(b *testing.B) {
	for _, n := range []int{100, 2000} {
		var resources []map[string]any
		for i := range n {
			id := fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
			name := fmt.Sprintf("IdP %d", i)
			resources = append(resources, idpRes("x", func(r, v map[string]any) {
				r["index"] = name
				v["id"], v["name"] = id, name
			}))
			s := shareRes("s", "Identity provider: "+name, fmt.Sprintf("%032x", i))
			s["index"] = name
			s["values"].(map[string]any)["id"] = fmt.Sprintf("%032x", i+1<<20)
			resources = append(resources, s)
		}
		data := showJSON(resources...)
		b.Run(fmt.Sprintf("idps=%d/bytes=%d", n, len(data)), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Convert(data, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
