package render

import (
	"testing"

	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/plan/addr"
)

// Every kind of the kinds table has a live id to show and a subject that
// names it.
func TestEveryKindRenders(t *testing.T) {
	ids := plan.IDs{IdP: "i", CertificateSet: "c", Grant: "g", Share: "s", Recipient: "r"}
	for _, info := range addr.Kinds {
		a := &plan.Action{Resource: info.Kind, IDs: ids, IdPName: "Okta", RecipientAccount: "0123"}
		if liveID(a) == "" {
			t.Errorf("%s: no live id shown", info.Kind)
		}
		if s := subject(a); len(s) <= len(info.Kind) || s[:len(info.Kind)] != string(info.Kind) {
			t.Errorf("%s: subject %q", info.Kind, s)
		}
	}
}
