package policy

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/idpsync/idpsync/state"
)

const canary = "canary-5e1f-never-in-input"

// TestInputReferenceForm: the input holds references, never the values
// they resolve to.
func TestInputReferenceForm(t *testing.T) {
	d, diags := state.Load(context.Background(), []string{"testdata/rules/desired.yaml"}, state.LoadOptions{
		Root: "testdata/rules", Now: func() time.Time { return now },
		Getenv: func(k string) (string, bool) { return canary, k == "OIDC_SECRET" },
	})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	in, err := Input(fixturePlan(), d)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(in)
	s := string(b)
	if strings.Contains(s, canary) {
		t.Fatal("a secret value reached the policy input")
	}
	for _, want := range []string{`"client_secret":"${env:OIDC_SECRET}"`, `"version":1`, `"lockout":[{`} {
		if !strings.Contains(s, want) {
			t.Errorf("input lacks %s:\n%s", want, s)
		}
	}
	// A saved plan has no desired state: input.desired is null.
	in, _ = Input(fixturePlan(), nil)
	if in["desired"] != nil {
		t.Errorf("desired = %v for a saved plan", in["desired"])
	}
}
