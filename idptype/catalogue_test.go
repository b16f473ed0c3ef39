package idptype_test

import (
	"testing"

	"github.com/idpsync/idpsync/idptype"
)

// The catalogue and the enum list must name the same 16 types, or the schema
// and the validator would disagree about which types exist.
func TestCatalogueMatchesNames(t *testing.T) {
	if len(idptype.Names) != 16 || len(idptype.Types) != len(idptype.Names) {
		t.Fatalf("%d names, %d catalogue entries; want 16 of each", len(idptype.Names), len(idptype.Types))
	}
	for _, n := range idptype.Names {
		typ, ok := idptype.Types[n]
		if !ok || typ.Name != n || !idptype.Known(n) {
			t.Errorf("%s: in the catalogue %v, named %q, known %v", n, ok, typ.Name, idptype.Known(n))
		}
	}
	if idptype.Known("GitHub") {
		t.Error("type names are case-sensitive")
	}
}
