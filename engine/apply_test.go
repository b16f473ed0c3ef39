package engine_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/idpsync/idpsync/apply"
	"github.com/idpsync/idpsync/cloudflare"
	"github.com/idpsync/idpsync/engine"
	"github.com/idpsync/idpsync/plan"
	"github.com/idpsync/idpsync/state"
)

// recordingSink keeps the order of what Apply reported.
type recordingSink struct {
	engine.NopApplySink
	calls  []string
	events int
}

func (s *recordingSink) Planned(*plan.Plan) error { s.calls = append(s.calls, "planned"); return nil }
func (s *recordingSink) MetadataFetched(context.Context) {
	s.calls = append(s.calls, "metadata")
}
func (s *recordingSink) Executing(*plan.Plan) { s.calls = append(s.calls, "executing") }
func (s *recordingSink) Event(apply.Event)    { s.events++ }
func (s *recordingSink) ExecuteDone()         { s.calls = append(s.calls, "done") }
func (s *recordingSink) Executed(*apply.Result) error {
	s.calls = append(s.calls, "executed")
	return nil
}

type confirmFunc func(*plan.Plan) error

func (f confirmFunc) Confirm(_ context.Context, p *plan.Plan) error { return f(p) }

var errDeclined = errors.New("declined")

// writes counts the IdPs in the declared accounts: every gate must stop
// before the first create.
func idpCount(t *testing.T, c *cloudflare.Client, ids ...string) int {
	t.Helper()
	n := 0
	for _, id := range ids {
		idps, err := c.ListIdentityProviders(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		n += len(idps)
	}
	return n
}

func TestApplyGatesStopBeforeTheFirstWrite(t *testing.T) {
	ctx := context.Background()
	key := []byte("apply-test-key-apply-test-key-00")
	tests := []struct {
		name    string
		opts    func(*engine.ApplyOptions)
		confirm engine.Confirmer
		saved   bool
		wantErr func(error) bool
	}{
		{name: "confirmation declined", confirm: confirmFunc(func(*plan.Plan) error { return errDeclined }),
			wantErr: func(err error) bool { return errors.Is(err, errDeclined) }},
		{name: "no confirmer and no auto-approve",
			wantErr: func(err error) bool { return err != nil && strings.Contains(err.Error(), "needs confirmation") }},
		{name: "a secret that cannot be read", opts: func(o *engine.ApplyOptions) {
			o.AutoApprove = true
			o.Getenv = func(string) (string, bool) { return "", false }
		}, wantErr: func(err error) bool { return err != nil && strings.Contains(err.Error(), "could not all be read") }},
		{name: "a saved plan something appeared under", saved: true,
			wantErr: func(err error) bool { var s *engine.StalePlanError; return errors.As(err, &s) && len(s.Moved) == 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startEmulator(t)
			c := newClient(t, srv, cloudflare.RateLimit{Requests: 100000, Window: 60e9})
			d, getenv := verifyDesired(t, 2)
			ids := engine.AccountIDs(d)
			opts := engine.ApplyOptions{SecretKey: key, Getenv: getenv, Verify: true}
			if tt.opts != nil {
				tt.opts(&opts)
			}
			in := engine.ApplyInput{Desired: d}
			before := 0
			if tt.saved {
				p, _, err := engine.Plan(ctx, c, d, engine.PlanOptions{SecretKey: key})
				if err != nil {
					t.Fatal(err)
				}
				// Another run creates one of the plan's IdPs in the meantime.
				if _, err := c.CreateIdentityProvider(ctx, ids[0], cloudflare.IdentityProvider{Name: "Passkeys", Type: "passkeys", Config: map[string]any{}}); err != nil {
					t.Fatal(err)
				}
				in, before = engine.ApplyInput{Saved: p}, 1
			}
			sink := &recordingSink{}
			_, err := engine.Apply(ctx, c, in, opts, tt.confirm, sink)
			if !tt.wantErr(err) {
				t.Fatalf("err = %v", err)
			}
			if n := idpCount(t, c, ids...); n != before {
				t.Errorf("%d IdPs after the refused apply, want %d", n, before)
			}
			if sink.events != 0 || strings.Contains(fmt.Sprint(sink.calls), "executing") {
				t.Errorf("sink saw execution: %v, %d events", sink.calls, sink.events)
			}
		})
	}
}

func TestApplyExecutesAndVerifies(t *testing.T) {
	ctx := context.Background()
	key := []byte("apply-test-key-apply-test-key-00")
	srv := startEmulator(t)
	c := newClient(t, srv, cloudflare.RateLimit{Requests: 100000, Window: 60e9})
	d, getenv := verifyDesired(t, 2)
	asked := 0
	confirm := confirmFunc(func(p *plan.Plan) error {
		asked++
		if !p.HasChanges() {
			t.Error("asked to confirm a plan without changes")
		}
		return nil
	})
	sink := &recordingSink{}
	out, err := engine.Apply(ctx, c, engine.ApplyInput{Desired: d}, engine.ApplyOptions{SecretKey: key, Getenv: getenv, Verify: true}, confirm, sink)
	if err != nil {
		t.Fatal(err)
	}
	if asked != 1 {
		t.Errorf("confirmer asked %d times, want 1", asked)
	}
	if got, want := strings.Join(sink.calls, " "), "planned metadata executing done executed"; got != want {
		t.Errorf("sink calls = %q, want %q", got, want)
	}
	if !out.Result.OK() || sink.events == 0 {
		t.Fatalf("result %+v, %d events", out.Result, sink.events)
	}
	if out.Verification == nil || out.Verification.HasChanges() {
		t.Fatalf("verification = %+v, want a plan without changes", out.Verification)
	}

	// Applied once, the same state is a plan without changes: nothing is
	// confirmed or executed.
	sink = &recordingSink{}
	out, err = engine.Apply(ctx, c, engine.ApplyInput{Desired: d}, engine.ApplyOptions{SecretKey: key, Getenv: getenv, Verify: true}, confirm, sink)
	if err != nil {
		t.Fatal(err)
	}
	if out.Plan.HasChanges() || out.Result != nil || asked != 1 {
		t.Errorf("second apply: changes %v, result %+v, asked %d", out.Plan.HasChanges(), out.Result, asked)
	}
}

func TestApplyNeedsOneInput(t *testing.T) {
	for _, in := range []engine.ApplyInput{{}, {Desired: &state.Desired{}, Saved: &plan.Plan{}}} {
		if _, err := engine.Apply(context.Background(), nil, in, engine.ApplyOptions{}, nil, nil); err == nil {
			t.Errorf("Apply(%+v) = nil error", in)
		}
	}
}
