package plan

import "testing"

// A missing IdP is one finding: its certificate set, encryption, grant and
// share are missing with it, and reporting them as "changed" would mislead.
func TestDriftMissingIdPIsOneItem(t *testing.T) {
	idp := "account[a].idp[Okta]"
	p := &Plan{FormatVersion: FormatVersion, Actions: []Action{
		{Address: idp, IdP: idp, Resource: ResourceIdP, Action: Create, Reason: ReasonMissing},
		{Address: idp + ".encryption.certificate_set", IdP: idp, Resource: ResourceCertificateSet, Action: Create, Reason: ReasonMissing},
		{Address: idp + ".encryption", IdP: idp, Resource: ResourceEncryption, Action: Update, Reason: ReasonEncryptionEnabled},
		{Address: idp + ".grant", IdP: idp, Resource: ResourceGrant, Action: Create, Reason: ReasonMissing},
	}}
	r := Drift(p)
	if len(r.Items) != 1 || r.Items[0].Category != DriftMissing || r.Items[0].Address != idp {
		t.Fatalf("items = %+v, want one missing item for %s", r.Items, idp)
	}
	if !r.Drifted {
		t.Error("Drifted = false")
	}
}
