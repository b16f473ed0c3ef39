package engine_test

import (
	"strings"
	"testing"

	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/plan"
)

func TestSecretResolverRefusesChangedSecret(t *testing.T) {
	env := map[string]string{"S": "one"}
	getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	r := engine.NewSecretResolver([]byte("salt"), getenv)
	ref := plan.SecretRef{Key: "client_secret", Ref: "${env:S}", Hash: plan.SecretHash([]byte("salt"), "one")}
	if v, err := r.Resolve(ref); err != nil || v != "one" {
		t.Fatalf("Resolve = %q, %v", v, err)
	}
	// Once read, a value is what the apply sends, even if the source changes.
	env["S"] = "two"
	if v, err := r.Resolve(ref); err != nil || v != "one" {
		t.Fatalf("Resolve after the variable changed = %q, %v; want the value read first", v, err)
	}
	r = engine.NewSecretResolver([]byte("salt"), getenv)
	_, err := r.Resolve(ref)
	if err == nil || !strings.Contains(err.Error(), "changed since the plan was made") || strings.Contains(err.Error(), "two") {
		t.Fatalf("err = %v, want a refusal that names no value", err)
	}
	p := &plan.Plan{Actions: []plan.Action{{Address: "x", Action: plan.Update, Request: &plan.IdPRequest{Secrets: []plan.SecretRef{ref}}}}}
	if err := r.CheckAll(p); err == nil || !strings.Contains(err.Error(), "x: ") {
		t.Fatalf("CheckAll = %v, want the action's address", err)
	}
}
