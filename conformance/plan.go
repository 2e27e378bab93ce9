package conformance

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/model"
)

// This file holds the plan: which unit of work runs on which lane, in
// what order (makePlan), and its description for --plan (describePlan).
// The plan is a pure function of the checks, the run's configuration
// (runConfig) and what each lane's share of the fleet offers
// (laneSummary): it starts nothing and sends nothing; executor.go carries
// it out.
//
// The documented rate limits are per account (facts §15), so the run's
// speed comes from its accounts and from the instances each holds, never
// from a looser rule: discovery shares each account's instances out
// among its lanes (discover.go), and the plan spreads the checks over
// them. A check that needs instances a lane's share lacks is better run
// where they are; the second account is the main account's, so its
// checks run on the main account's lanes; the state machine's sequences
// are split into shards, one a lane.
//
// Assignment is longest-first onto the lane whose account would finish
// first with it, by a rough estimate of each check's time; within a lane,
// cheap checks come first, so that with --fail-fast most faults are found
// within seconds. On an account shared out, the checks that need the
// whole account (Needs.WholeAccount) come last in their lane: the
// account's lanes meet once its shared work is done, and run them one at
// a time.

// unit is one piece of scheduled work: a check, or one shard of the state
// machine.
type unit struct {
	check  *Check
	shard  int // the state machine's shard, 0 to shards-1
	shards int
	// planned is how many units of the check the plan holds: shards,
	// or 1 with Config.Shard.
	planned int
	// sequences is, for a Sharded check, how many of the state
	// machine's sequences this unit runs.
	sequences int
	cost      time.Duration // the estimate the plan was made with
}

func (u unit) String() string {
	if u.shards > 1 {
		return fmt.Sprintf("%s (shard %d/%d)", u.check.ID, u.shard+1, u.shards)
	}
	return u.check.ID
}

// laneSummary is what the plan knows of a lane: its label, its account,
// how many lanes share the account out, and what its share of the fleet
// offers.
type laneSummary struct {
	name    string // "main/2" (runState.name)
	account string
	shares  int // how many lanes the account's instances are shared out among
	fleet   fleetSummary
	// judged and ofAccount are how many instances the lane's observer
	// judges, and how many the account holds: for the plan's
	// description.
	judged, ofAccount int
}

// fleetSummary is what a lane's share of the fleet offers a check's
// Needs, as the model knows it.
type fleetSummary struct {
	running []model.Instance // the allow-listed instances settled in RUNNING
	stopped int              // how many allow-listed instances are settled in STOPPED
	// states are the states some discovered instance of the caller's, in
	// the run's region, may be in.
	states map[model.InstanceState]bool
	// noSecond says why the second account cannot be used, or "" when
	// it can.
	noSecond string
}

// lacks says what of n the fleet does not offer, or "".
func (f fleetSummary) lacks(n Needs) string {
	if n.SecondAccount && f.noSecond != "" {
		return f.noSecond
	}
	if n.Running+n.Stopped > 0 {
		running := len(f.running)
		if have := running + min(f.stopped, n.Stopped); have < n.Running+n.Stopped {
			return fmt.Sprintf("needs %s allow-listed instances; the fleet offers %d RUNNING and %d STOPPED (see --instances)",
				n, running, f.stopped)
		}
	}
	if n.Kind != nil {
		have := 0
		for _, p := range f.running {
			if n.Kind.Is(p) {
				have++
			}
		}
		if have < n.Running {
			return fmt.Sprintf("needs %d allow-listed RUNNING %s; %d are available", n.Running, n.Kind.What, have)
		}
	}
	for _, st := range n.States {
		if !f.states[st] {
			return fmt.Sprintf("no %s instance was discovered, and the suite cannot create one", st)
		}
	}
	return ""
}

// canServe reports whether a lane whose share of the fleet is f can carry
// out check c: a check needing what the share lacks (the second account,
// which only the main account holds, or instances) is better run where
// it is.
func (f fleetSummary) canServe(c *Check) bool { return f.lacks(c.Needs) == "" }

// estimate is a rough time for a check: its own pacing and sleeps
// (Check.Takes), plus a stop and a reset for every check that moves
// instances, plus a few paced requests; for the state machine, its
// sequences.
func estimate(c *Check, transition time.Duration, sequences, steps int) time.Duration {
	d := 150*time.Millisecond + c.Takes
	if c.Sharded {
		per := time.Duration(steps)*150*time.Millisecond + 2*transition
		return time.Duration(sequences) * per
	}
	if c.Needs.Running+c.Needs.Stopped > 0 {
		d += 2 * transition
		if c.Needs.Stopped > 0 {
			d += 2 * transition
		}
	}
	return d
}

// makePlan assigns the checks to the lanes, and returns each lane's units
// in the order it runs them, and the checks run after all lanes (Final).
// A check no lane can serve goes to the first lane, where it skips with
// the reason.
func makePlan(checks []*Check, rc runConfig, lanes []laneSummary) ([][]unit, []*Check) {
	shards := 1
	if len(lanes) > 1 {
		shards = min(len(lanes), rc.maxShards)
	}
	planned := shards
	if rc.shard > 0 {
		planned = 1
	}
	var units []unit
	var finals []*Check
	for _, c := range checks {
		switch {
		case c.Final:
			finals = append(finals, c)
		case c.Sharded && rc.shard > shards:
			// No such shard: the check is reported as an error.
		case c.Sharded:
			for i := range shards {
				n := shardSequences(rc.sequences, i, shards)
				units = append(units, unit{check: c, shard: i, shards: shards, planned: planned, sequences: n,
					cost: estimate(c, rc.transition, n, rc.steps)})
			}
		default:
			units = append(units, unit{check: c, shards: 1, cost: estimate(c, rc.transition, rc.sequences, rc.steps)})
		}
	}
	// Longest first, onto the lane whose account would finish first.
	order := slices.Clone(units)
	sort.SliceStable(order, func(i, j int) bool { return order[i].cost > order[j].cost })
	plan := make([][]unit, len(lanes))
	est := newPlanTimes(lanes)
	for _, u := range order {
		best, bestEnd := -1, time.Duration(0)
		for k, l := range lanes {
			if !l.fleet.canServe(u.check) {
				continue
			}
			if end := est.with(k, u); best < 0 || end < bestEnd || end == bestEnd && est.load[k] < est.load[best] {
				best, bestEnd = k, end
			}
		}
		if best < 0 {
			best = 0 // no lane can: the first lane runs it, and it skips with the reason
		}
		plan[best] = append(plan[best], u)
		est.add(best, u)
	}
	if rc.shard > 0 {
		// One shard replayed: on the lane the whole plan gives it.
		for k := range plan {
			plan[k] = slices.DeleteFunc(plan[k], func(u unit) bool {
				return u.check.Sharded && u.shards > 1 && u.shard != rc.shard-1
			})
		}
	}
	// Within a lane, cheap first; ties in catalog order. On an account
	// shared out, the checks that need it whole come last: the account's
	// lanes meet once its shared work is done (runLanes), instead of
	// waiting, before each such check, for the others' running checks.
	for k := range plan {
		sort.SliceStable(plan[k], func(i, j int) bool {
			if a, b := plan[k][i].check.Needs.WholeAccount, plan[k][j].check.Needs.WholeAccount; lanes[k].shares > 1 && a != b {
				return b
			}
			if plan[k][i].cost != plan[k][j].cost {
				return plan[k][i].cost < plan[k][j].cost
			}
			return slices.Index(checks, plan[k][i].check) < slices.Index(checks, plan[k][j].check)
		})
	}
	return plan, finals
}

// shardSequences is how many of n sequences shard i of k runs.
func shardSequences(n, i, k int) int {
	q, r := n/k, n%k
	if i < r {
		return q + 1
	}
	return q
}

// planTimes tracks the plan's estimated time per lane and per account: an
// account's lanes run side by side, except for its WholeAccount checks,
// which run alone; so an account finishes after the sum of those and the
// longest of its lanes' other work.
type planTimes struct {
	accounts []string                 // per lane, its account
	load     []time.Duration          // per lane, its checks that share the account
	alone    map[string]time.Duration // per account, its WholeAccount checks
	longest  map[string]time.Duration // per account, its lanes' longest load
}

func newPlanTimes(lanes []laneSummary) *planTimes {
	e := &planTimes{load: make([]time.Duration, len(lanes)), alone: map[string]time.Duration{}, longest: map[string]time.Duration{}}
	for _, l := range lanes {
		e.accounts = append(e.accounts, l.account)
	}
	return e
}

// with is when lane k's account would finish with u added to lane k.
func (e *planTimes) with(k int, u unit) time.Duration {
	a := e.accounts[k]
	if u.check.Needs.WholeAccount {
		return e.alone[a] + u.cost + e.longest[a]
	}
	return e.alone[a] + max(e.longest[a], e.load[k]+u.cost)
}

// add puts u on lane k.
func (e *planTimes) add(k int, u unit) {
	a := e.accounts[k]
	if u.check.Needs.WholeAccount {
		e.alone[a] += u.cost
		return
	}
	e.load[k] += u.cost
	e.longest[a] = max(e.longest[a], e.load[k])
}

// criticalPath is when the last account finishes.
func (e *planTimes) criticalPath() time.Duration {
	var d time.Duration
	for a, alone := range e.alone {
		d = max(d, alone+e.longest[a])
	}
	for a, l := range e.longest {
		d = max(d, e.alone[a]+l)
	}
	return d
}

// Plan is a run's schedule: which checks each lane runs, in order, and the
// estimated critical path.
type Plan struct {
	Lanes        []PlanLane
	Finals       []string      // checks run after all lanes, over the whole transcript
	CriticalPath time.Duration // when the last account's lanes finish, by the estimates
	Transition   time.Duration // the operation time the estimates assume
	Sequential   time.Duration // the same checks on one lane, for comparison
}

// PlanLane is one lane of a plan.
type PlanLane struct {
	Lane     string   // the lane's label: its account's, and its share ("main/2")
	Account  string   // the lane's account label
	Fleet    string   // its fleet, in one line
	Checks   []string // in the order they run
	Estimate time.Duration
}

// describePlan renders the plan for --plan and reports.
func describePlan(plan [][]unit, finals []*Check, lanes []laneSummary, rc runConfig) Plan {
	p := Plan{Transition: rc.transition}
	est := newPlanTimes(lanes)
	for k, units := range plan {
		l := lanes[k]
		pl := PlanLane{Lane: l.name, Account: l.account, Fleet: fmt.Sprintf("%d of the account's %d, %d RUNNING and %d STOPPED that may be stopped and started",
			l.judged, l.ofAccount, len(l.fleet.running), l.fleet.stopped)}
		for _, u := range units {
			pl.Checks = append(pl.Checks, u.String())
			pl.Estimate += u.cost
			est.add(k, u)
		}
		p.Sequential += pl.Estimate
		p.Lanes = append(p.Lanes, pl)
	}
	p.CriticalPath = est.criticalPath()
	for _, c := range finals {
		p.Finals = append(p.Finals, c.ID)
	}
	return p
}

// String renders the plan, a lane a paragraph.
func (p Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d lane(s); estimated critical path %s (one lane: %s), with operations of about %s\n",
		len(p.Lanes), p.CriticalPath.Round(100*time.Millisecond), p.Sequential.Round(100*time.Millisecond), p.Transition)
	for i, l := range p.Lanes {
		fmt.Fprintf(&b, "\nlane %d (%s), account %s: %d check(s), about %s\n  instances: %s\n  %s\n", i+1, l.Lane, l.Account, len(l.Checks),
			l.Estimate.Round(100*time.Millisecond), l.Fleet, strings.Join(l.Checks, ", "))
	}
	if len(p.Finals) > 0 {
		fmt.Fprintf(&b, "\nthen, over the whole run's transcript: %s\n", strings.Join(p.Finals, ", "))
	}
	return b.String()
}
