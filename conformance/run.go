package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/report"
)

// This file holds the engine's two entrances, Run and Schedule, each
// prepare, open (discovery), makePlan and then, for Run, runLanes,
// restoreFleet; and the assembly of a run's report from what the
// executor returned (carryOut, mergeShards, fleetLine).

// ErrCannotRun wraps every reason a run could not be made at all:
// configuration, an unreachable target, rejected credentials. The CLI
// exits 2 on it.
var ErrCannotRun = errors.New("the run could not be made")

// ErrCutShort is Run's error when its context ended (a deadline, SIGINT,
// SIGTERM): unlike ErrCannotRun, the report is whole, and its verdict
// says why it is INCOMPLETE (report.Run.Incomplete).
var ErrCutShort = errors.New("the run was cut short")

// Run discovers the target's fleet on every lane, schedules the selected
// checks over the lanes (see plan.go) and carries them out (see
// executor.go), each lane resetting the instances a check moved before
// its next, and at its end puts back every instance the run moved
// (restoreFleet), listing in the report any it could not. It returns an
// error wrapping ErrCannotRun when the run cannot be made. When ctx ends
// (a deadline, SIGINT, SIGTERM), the checks not started are reported as
// not run, and the report is whole: every check, the requests sent, the
// time taken; the error then wraps ErrCutShort.
func Run(ctx context.Context, cfg Config) (report.Run, error) {
	rc, checks, err := prepare(cfg)
	if err != nil {
		return report.Run{}, fmt.Errorf("%w: %v", ErrCannotRun, err)
	}
	lanes, shared, err := open(ctx, rc, checks)
	if err != nil && (shared == nil || ctx.Err() == nil) {
		return report.Run{}, err
	}
	out := report.Run{Target: rc.targetName, Region: rc.target.Region, Seed: rc.seed, Strict: rc.strict == model.Strict,
		Started: shared.started, Replay: rc.replay(rc.seed, strings.Join(cfg.Only, ","))}
	if err != nil {
		// Cut short while discovering the fleet: the report is still
		// whole, every check not run, with the cause.
		for _, c := range checks {
			out.Checks = append(out.Checks, notRun(c, stopCause(ctx)+", while the fleet was being discovered"))
		}
	} else {
		carryOut(ctx, checks, lanes, shared, &out)
	}
	restoreFleet(ctx, lanes, shared, &out)
	if lanes != nil {
		fillEvidence(lanes, checks, &out)
	}
	out.Duration = time.Since(shared.started)
	out.Requests = shared.log.Len()
	out.Activity = runner.ActivityOf(shared.log.Since(0), rc.target.StopRateLimit)
	out.Incomplete = incomplete(ctx, shared, out.Checks)
	if ctx.Err() != nil {
		return out, fmt.Errorf("%w: %s", ErrCutShort, stopCause(ctx))
	}
	return out, nil
}

// Schedule discovers the target's fleet on every lane (DescribeInstances
// only: nothing is stopped or started) and returns the plan a run would
// carry out.
func Schedule(ctx context.Context, cfg Config) (Plan, error) {
	rc, checks, err := prepare(cfg)
	if err != nil {
		return Plan{}, fmt.Errorf("%w: %v", ErrCannotRun, err)
	}
	lanes, _, err := open(ctx, rc, checks)
	if err != nil {
		return Plan{}, err
	}
	summary := summaries(lanes)
	plan, finals := makePlan(checks, rc, summary)
	return describePlan(plan, finals, summary, rc), nil
}

// incomplete says why a run did not reach its end, or "": its context
// ended (a signal, the --timeout), or --fail-fast left checks not run.
// The report's verdict is then never CONFORMANT (DESIGN "A verdict is
// never greener than what ran").
func incomplete(ctx context.Context, shared *runShared, checks []report.Check) string {
	why := shared.stopReason(ctx)
	if why == "" {
		return ""
	}
	if ctx.Err() == nil && !slices.ContainsFunc(checks, func(c report.Check) bool {
		return c.Status == report.Skip && strings.HasPrefix(c.Reason, "not run: "+why)
	}) {
		return "" // --fail-fast, after every check had started
	}
	return "the run did not reach its end: " + why
}

// carryOut plans the checks over the lanes, has the executor run them,
// runs the final checks, and fills in the report's fleet, lanes and
// results, one a check.
func carryOut(ctx context.Context, checks []*Check, lanes []*runState, shared *runShared, out *report.Run) {
	main := lanes[0]
	out.Fleet = main.fleetLine()
	if n := len(shared.cfg.target.Lanes); n > 0 {
		out.Fleet += fmt.Sprintf("; %d more accounts", n)
	}
	plan, finals := makePlan(checks, shared.cfg, summaries(lanes))
	results, longest, used := runLanes(ctx, plan, lanes)
	out.Lanes, out.LongestLane = used, longest
	byID := map[string][]report.Check{}
	for _, r := range results {
		byID[r.unit.check.ID] = append(byID[r.unit.check.ID], r.result)
	}
	for _, c := range finals {
		if why := shared.stopReason(ctx); why != "" {
			byID[c.ID] = []report.Check{notRun(c, why)}
			continue
		}
		byID[c.ID] = []report.Check{main.runUnit(ctx, unit{check: c, shards: 1})}
	}
	for _, c := range checks {
		if len(byID[c.ID]) == 0 { // Config.Shard beyond the shards planned
			byID[c.ID] = []report.Check{{ID: c.ID, Title: c.Title, Spec: c.Clause, Severity: string(c.Severity), Status: report.Error,
				Reason: fmt.Sprintf("--shard %d: this run splits the state machine into fewer shards", shared.cfg.shard)}}
		}
		out.Checks = append(out.Checks, mergeShards(byID[c.ID]))
	}
	if _, ok := byID[stuckCheckID]; !ok && shared.stuckOp() != nil {
		// A stuck operation is reported under the rule it breaks, also
		// when the selection left that check out: otherwise it would be
		// reported nowhere, and every check that met it skipped.
		if c := catalogCheck(stuckCheckID); c != nil {
			out.Checks = append(out.Checks, main.runUnit(ctx, unit{check: c, shards: 1}))
		}
	}
	shared.lookAgain(ctx, out)
}

// catalogCheck is the catalog's check id, or nil.
func catalogCheck(id string) *Check {
	for _, c := range Catalog() {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// notRun is the result of a check the run did not start.
func notRun(c *Check, why string) report.Check {
	return report.Check{ID: c.ID, Title: c.Title, Spec: c.Clause, Severity: string(c.Severity),
		Status: report.Skip, Reason: "not run: " + why}
}

// mergeShards joins the state machine's shard results into one: failed if
// any failed (the first failing shard's counterexample), else the worst
// other status, a skip worse than a pass (the check passes only if every
// shard ran its sequences and passed); requests summed, duration the
// longest.
func mergeShards(rs []report.Check) report.Check {
	out := rs[0]
	out.Requests, out.Duration = 0, 0
	rank := map[report.Status]int{report.Fail: 4, report.Error: 3, report.Skip: 2, report.Pass: 1}
	for _, r := range rs {
		out.Requests += r.Requests
		out.Duration = max(out.Duration, r.Duration)
		if rank[r.Status] > rank[out.Status] {
			requests, duration := out.Requests, out.Duration
			out = r
			out.Requests, out.Duration = requests, duration
		}
	}
	return out
}

// fleetLine describes the lane's account's fleet in one line for the
// report header.
func (s *runState) fleetLine() string {
	count := map[model.InstanceState]int{}
	allowed := 0
	for id, v := range s.views {
		count[v.State]++
		if s.target.Allowed(id) {
			allowed++
		}
	}
	var parts []string
	for _, st := range model.InstanceStates {
		if count[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", count[st], st))
		}
	}
	line := fmt.Sprintf("%d instances in %s (%s); %d may be stopped and started", len(s.views), s.cfg.target.Region,
		strings.Join(parts, ", "), allowed)
	switch {
	case s.secondRefused != "":
		line += "; a second account is configured, but the target refused its credentials"
	case s.target.HasSecondAccount():
		line += "; a second account is configured"
	}
	return line
}
