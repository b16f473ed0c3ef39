package plan

import (
	"strings"
	"testing"
)

// An undelivered SCIM secret is a danger of its own: it opens every view
// even when the plan changes nothing, with the command that fixes it.
func TestDangersUndeliveredSCIM(t *testing.T) {
	addr := "account[platform].idp[Partners]"
	p := &Plan{
		Actions: []Action{{Address: "account[platform].idp[Okta]", Action: Update, Resource: ResourceIdP, SCIMSecret: true}},
		UndeliveredSCIM: []UndeliveredSCIMSecret{
			{Address: addr, Command: "idpsync apply --rotate-scim-secret '" + addr + "' --secrets-out out idp.yaml"},
			{Address: "account[platform].idp[NoCommand]"},
		},
	}
	ds := p.Dangers()
	if len(ds) != 3 {
		t.Fatalf("Dangers = %+v, want a SCIM secret to hand over and two never delivered", ds)
	}
	if ds[0].Kind != DangerSCIMSecret {
		t.Errorf("first danger is %s, want the secret this plan hands over first", ds[0].Kind)
	}
	for i, want := range []struct{ addr, command string }{
		{addr, "idpsync apply --rotate-scim-secret '" + addr + "' --secrets-out out idp.yaml"},
		{"account[platform].idp[NoCommand]", "apply --rotate-scim-secret 'account[platform].idp[NoCommand]' --secrets-out DIR"},
	} {
		d := ds[i+1]
		if d.Kind != DangerSCIMUndelivered || d.Address != want.addr {
			t.Errorf("danger %d = %s %s, want %s %s", i+1, d.Kind, d.Address, DangerSCIMUndelivered, want.addr)
		}
		if !strings.HasSuffix(d.Message, want.command) || !strings.Contains(d.Message, "nobody holds it") {
			t.Errorf("danger %d message %q lacks what happened or %q", i+1, d.Message, want.command)
		}
	}
	if got := (&Plan{}).Dangers(); got != nil {
		t.Errorf("an empty plan has dangers: %+v", got)
	}
}
