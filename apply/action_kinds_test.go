package apply

import (
	"context"
	"strings"
	"testing"

	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/plan/addr"
)

// Every kind of the kinds table reaches a handler of its own: an action
// kind no handler knows is refused as "not an action on <kind>", never as
// an unknown resource.
func TestEveryKindHasAHandler(t *testing.T) {
	for _, info := range addr.Kinds {
		a := plan.Action{Address: "account[a].idp[x]", AccountID: "a", Resource: info.Kind, Action: "no_such_action"}
		x := &executor{client: &fakeClient{}, plan: &plan.Plan{Actions: []plan.Action{a}}, ids: newRecords([]plan.Action{a}),
			certs: map[string]*AppliedCertificateSet{}, shares: map[string]string{}}
		_, err := x.do(context.Background(), &a)
		if err == nil || !strings.Contains(err.Error(), "is not an action on "+string(info.Kind)) {
			t.Errorf("%s: %v", info.Kind, err)
		}
	}
}

// The destroy gate (Destructive) and the plan's DANGER list agree on every
// kind and every action kind: both read the kinds table.
func TestDestroyGateAndDangersAgree(t *testing.T) {
	for _, info := range addr.Kinds {
		for _, k := range []plan.Kind{plan.Create, plan.Update, plan.Rotate, plan.Delete, plan.Replace, plan.NoOp} {
			a := plan.Action{Address: "account[a].idp[x]", AccountID: "a", Resource: info.Kind, Action: k}
			p := &plan.Plan{Actions: []plan.Action{a}}
			shown := false
			for _, d := range p.Dangers() {
				shown = shown || d.Kind == plan.DangerDestroy
			}
			if Destructive(a) != shown {
				t.Errorf("%s %s: Destructive %v, in DANGER %v", k, info.Kind, Destructive(a), shown)
			}
		}
	}
}
