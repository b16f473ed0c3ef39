package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"

	"github.com/idpsync/idpsync/state"
)

// The goals of a pull request's plan in a large estate (issue 26): a plan
// with --changed-since of one edited account costs what that account costs,
// not what the estate does.
const (
	changedGoalRequests = 10
	changedGoalWall     = 2 * time.Second
	changedAccounts     = 1000
)

func init() {
	scenarios = append(scenarios, scenario{9, "changed", (*harness).changedSince})
}

// federationBlock matches the federation of an IdP in the workload's YAML.
var federationBlock = regexp.MustCompile(`(?m)^        federation:\n          share_with:\n(?:            - account: [0-9a-f]{32}\n)+`)

// changedSince is scenario 9: a 1,000-account estate without federation,
// applied and committed to git; one account's GitHub client_id is edited,
// and the CLI plans the work tree with --changed-since HEAD, as a pull
// request's plan job does. Figures: the requests the plan sends and its
// wall time (process start, both loads, git, the reads), each against its
// goal. Without federation no account receives a share, so the changed
// account is all the plan reads: its IdP and grant listings.
func (h *harness) changedSince(ctx context.Context) ([]Row, error) {
	rows, err := h.changedSinceOf(ctx, changedAccounts, false)
	if err != nil {
		return rows, err
	}
	more, err := h.changedSinceOf(ctx, changedAccounts, true)
	return append(rows, more...), err
}

// changedSinceOf is scenario 9 in an estate of n accounts. federated keeps
// the workload's federation, for a figure without a goal: the edited
// account shares with the next three, which the plan then reads whole too.
func (h *harness) changedSinceOf(ctx context.Context, n int, federated bool) ([]Row, error) {
	if _, err := h.buildCLI(ctx); err != nil {
		return nil, err
	}
	w := workload{Accounts: n}
	s, err := newSite(h.root, w, h.cert, siteOptions{})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	yaml := w.YAML()
	if !federated {
		yaml = federationBlock.ReplaceAllString(yaml, "")
	}
	if strings.Contains(yaml, "federation:") != federated {
		return nil, fmt.Errorf("the workload's federation was not removed")
	}
	if err := os.WriteFile(s.file, []byte(yaml), 0o644); err != nil {
		return nil, err
	}
	d, diags := state.Load(ctx, []string{s.file}, state.LoadOptions{Getenv: s.getenv})
	if diags.HasErrors() || d == nil {
		return nil, fmt.Errorf("load %s: %v", s.file, diags.Errors())
	}
	s.desired = d

	// The estate exists before the pull request: applied without latency,
	// which no figure includes.
	h.logf("  applying %d accounts", n)
	c, err := s.client(unlimited, h.concurrency)
	if err != nil {
		return nil, err
	}
	if _, res, err := s.apply(ctx, c, h.concurrency); err != nil {
		return nil, err
	} else if err := resultError(res); err != nil {
		return nil, err
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"-c", "user.name=bench", "-c", "user.email=bench@idpsync.invalid", "commit", "-q", "-m", "estate"}} {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = s.dir
		cmd.Env = append(s.cliEnv(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull)
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("git %s: %v\n%s", args[0], err, out)
		}
	}
	edited := n / 2
	old := fmt.Sprintf("client_id: Iv1.%016d\n", edited)
	if !strings.Contains(yaml, old) {
		return nil, fmt.Errorf("account %d's client_id is not in the workload", edited)
	}
	if err := os.WriteFile(s.file, []byte(strings.Replace(yaml, old, "client_id: Iv1.edited\n", 1)), 0o644); err != nil {
		return nil, err
	}

	size := fmt.Sprintf("%s, 1 changed", sizeLabel(n))
	reqs := Row{Scenario: "9 changed-since plan", Size: size, Metric: "requests", Bound: changedGoalRequests, Kind: boundReference, BoundNote: "goal", MaxRatio: 1}
	wall := Row{Scenario: "9 changed-since plan", Size: size, Metric: "wall time (CLI, git, both loads)", Unit: unitSeconds, Bound: secs(changedGoalWall), Kind: boundReference, BoundNote: "goal", MaxRatio: 1}
	if federated {
		// The goals are for the estate without federation (issue 26's
		// workload); this row says what a federation source costs.
		size += ", federated to 3"
		reqs = Row{Scenario: "9 changed-since plan", Size: size, Metric: "requests", Kind: boundNone}
		wall = Row{Scenario: "9 changed-since plan", Size: size, Metric: "wall time (CLI, git, both loads)", Unit: unitSeconds, Kind: boundNone}
	}
	// The CLI's own CPU time says what the wall time would be on an idle
	// machine: on a shared one, the wall time waits for a core too.
	cpu := Row{Scenario: "9 changed-since plan", Size: size, Metric: "CPU time (CLI user+system)", Unit: unitSeconds, Kind: boundNone}
	s.srv.Emulator.SetLatency(h.latency)
	want := fmt.Sprintf("acct-%05d (changed)", edited)
	for run := range h.runs {
		before := s.srv.Emulator.Stats().Total
		start := time.Now()
		cmd := h.cliCommand(ctx, s, "plan", "--changed-since", "HEAD", "--rate-limit", "1000000/5m", "--concurrency", itoa(h.concurrency), "idp.yaml")
		var buf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		err := cmd.Run()
		elapsed := time.Since(start)
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			return nil, err
		}
		code, out := cmd.ProcessState.ExitCode(), buf.String()
		cpu.Values = append(cpu.Values, secs(cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime()))
		if code != 0 || !strings.Contains(out, want) || !strings.Contains(out, "will be updated") {
			return nil, fmt.Errorf("run %d: exit %d, want 0 and %q with one update:\n%s", run+1, code, want, out)
		}
		reqs.Values = append(reqs.Values, float64(s.srv.Emulator.Stats().Total-before))
		wall.Values = append(wall.Values, secs(elapsed))
		h.logf("  run %d: %d requests, %s", run+1, int(reqs.Values[run]), elapsed.Round(time.Millisecond))
	}
	return []Row{reqs, wall, cpu}, nil
}
