package plan

import (
	"testing"

	"github.com/idpsync/idpsync/plan/addr"
)

// Every kind of the kinds table names the live object drift reports, and
// the plan's resource constants are the table's kinds.
func TestEveryKindHasADriftID(t *testing.T) {
	ids := IDs{IdP: "i", CertificateSet: "c", Grant: "g", Share: "s", Recipient: "r"}
	for _, info := range addr.Kinds {
		if liveID(Action{Resource: info.Kind, IDs: ids}) == "" {
			t.Errorf("%s: drift names no live object", info.Kind)
		}
	}
	for _, r := range []Resource{ResourceIdP, ResourceCertificateSet, ResourceEncryption, ResourceGrant, ResourceShare, ResourceRecipient, ResourceSCIMSecret} {
		if _, ok := addr.Info(r); !ok {
			t.Errorf("plan.Resource %q has no row in addr.Kinds", r)
		}
	}
}
