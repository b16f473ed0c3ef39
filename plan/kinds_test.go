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

// Every versioned kind of the kinds table is read by the diff and found
// again by Moved: a saved plan of an unchanged world is not stale. A new
// versioned kind that Moved does not index would make every such plan
// stale, and fails here first.
func TestMovedKnowsEveryVersionedKind(t *testing.T) {
	live := liveState(liveOkta(), liveGitHub())
	p, err := Diff(desiredState(desiredOkta(), desiredGitHub()), live, opts())
	if err != nil {
		t.Fatal(err)
	}
	read := map[Resource]bool{}
	for _, r := range p.Reads {
		read[r.Resource] = true
	}
	for _, info := range addr.Kinds {
		if info.Versioned && !read[info.Kind] {
			t.Errorf("%s is versioned, but the fixture's plan reads none", info.Kind)
		}
	}
	if moved := Moved(p, live); len(moved) != 0 {
		t.Errorf("Moved on an unchanged world = %v", moved)
	}
}
