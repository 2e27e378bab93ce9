package conformance

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/report"
)

// The scheduler. The documented rate limits are per account (facts §15),
// so the run's speed comes from its accounts and from the instances each
// holds, never from a looser rule.
//
// Accounts: a run that holds several accounts of one target (the embedded
// emulator's, or TENCENTCLOUD_SECRET_ID_3… for another target) has lanes
// on each, each account with its own fleet and its own pacer.
//
// Shares: an account with enough allow-listed instances holds several
// lanes, each with a share of them (shareOut) and its own observer, which
// cedes the other shares' instances (model.Observer.Cede). The account's
// lanes send through its one target, so its one pacer keeps the run as a
// whole under the documented limits; while a lane waits for its stop to
// end, the others go on. The first share also holds every instance the
// suite does not move (the odd states, those outside the allow-list), so
// checks needing them run there.
//
// A check that needs the account's whole rate budget (Needs.WholeAccount:
// the rate and concurrency checks, which send unpaced traffic) runs alone
// on its account: the account's lanes hold its lock shared, such a check
// holds it exclusively. Each lane runs one check at a time, and no
// observer is shared between goroutines. The state machine's sequences
// are split into shards, one a lane. Checks that need the second account
// run on the main account, which holds it.
//
// Assignment is longest-first onto the lane whose account would finish
// first with it, by a rough estimate of each check's time; within a lane,
// cheap checks come first, so that with --fail-fast most faults are found
// within seconds.

// MaxLanesPerAccount bounds how many lanes share out one account's
// instances when Config.LanesPerAccount is 0.
const MaxLanesPerAccount = 4

// unit is one piece of scheduled work: a check, or one shard of the state
// machine.
type unit struct {
	check  *Check
	shard  int // the state machine's shard, 0 to shards-1
	shards int
	// planned is how many units of the check the plan holds: shards,
	// or 1 with Config.Shard.
	planned int
	cost    time.Duration // the estimate the plan was made with
}

func (u unit) String() string {
	if u.shards > 1 {
		return fmt.Sprintf("%s (shard %d/%d)", u.check.ID, u.shard+1, u.shards)
	}
	return u.check.ID
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

// planTransition is how long an operation is assumed to take when the plan
// estimates a check's time: short on this machine, tens of seconds on a
// cloud (facts §16). It orders the work; it never judges it.
func planTransition(endpoint string) time.Duration {
	if runner.Loopback(endpoint) {
		return 100 * time.Millisecond
	}
	return 20 * time.Second
}

// estimate is a rough time for a check: its own pacing and sleeps
// (Check.Takes), plus a stop and a reset for every check that moves
// instances, plus a few paced requests.
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

// makePlan assigns the checks to the lanes.
func makePlan(checks []*Check, lanes []*runState, cfg Config) ([][]unit, []*Check) {
	transition := planTransition(cfg.Target.Endpoint)
	var units []unit
	var finals []*Check
	for _, c := range checks {
		switch {
		case c.Final:
			finals = append(finals, c)
		case c.Sharded && cfg.Shard > propertyShards(cfg, lanes):
			// No such shard: the check is reported as an error.
		case c.Sharded && len(lanes) > 1:
			shards := propertyShards(cfg, lanes)
			planned := shards
			if cfg.Shard > 0 {
				planned = 1
			}
			for i := range shards {
				n := shardSequences(cfg.Sequences, i, shards)
				units = append(units, unit{check: c, shard: i, shards: shards, planned: planned, cost: estimate(c, transition, n, cfg.Steps)})
			}
		default:
			units = append(units, unit{check: c, shards: 1, cost: estimate(c, transition, cfg.Sequences, cfg.Steps)})
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
			if !l.canServe(u.check) {
				continue
			}
			if end := est.with(k, u); best < 0 || end < bestEnd || end == bestEnd && est.load[k] < est.load[best] {
				best, bestEnd = k, end
			}
		}
		if best < 0 {
			best = 0 // no lane can: the main lane runs it, and it skips with the reason
		}
		plan[best] = append(plan[best], u)
		est.add(best, u)
	}
	if cfg.Shard > 0 {
		// One shard replayed: on the lane the whole plan gives it.
		for k := range plan {
			plan[k] = slices.DeleteFunc(plan[k], func(u unit) bool {
				return u.check.Sharded && u.shards > 1 && u.shard != cfg.Shard-1
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

// movable lists, sorted, the discovered instances in state st (RUNNING or
// STOPPED, settled) that the allow-list lets the suite stop and start:
// the instances the account's lanes share out.
func movable(views []model.View, t *runner.Target, st model.InstanceState) []string {
	var ids []string
	for _, v := range views {
		if v.State == st && v.LatestOperationState != model.OpOperating && t.Allowed(v.ID) {
			ids = append(ids, v.ID)
		}
	}
	sort.Strings(ids)
	return ids
}

// needsOf lists how many instances each check acts on.
func needsOf(checks []*Check) []int {
	var out []int
	for _, c := range checks {
		if !c.Final {
			out = append(out, c.Needs.Running+c.Needs.Stopped)
		}
	}
	return out
}

// shareOut splits an account's movable instances among its lanes and
// returns each lane's share; the first share is the rest, which the caller
// also gives every instance the suite does not move. The first share keeps
// enough for the most demanding check the account can serve at all; each
// other share holds as many as the most demanding check that fits a
// most-th of them, so a share is never too small to be of use. lanes is
// the most shares to make (0: MaxLanesPerAccount); fewer are made when
// the instances do not allow them.
func shareOut(running, stopped []string, needs []int, lanes int) [][]string {
	all := append(slices.Clone(running), stopped...)
	most := lanes
	if most <= 0 {
		most = MaxLanesPerAccount
	}
	big, small := 0, 0
	for _, n := range needs {
		if n <= len(running)+len(stopped) {
			big = max(big, n)
		}
		if n*most <= len(running)+len(stopped) {
			small = max(small, n)
		}
	}
	if most == 1 || small == 0 {
		return [][]string{all}
	}
	extra := min(most-1, (len(running)-min(big, len(running)))/small)
	if extra <= 0 {
		return [][]string{all}
	}
	shares := make([][]string, extra+1)
	for k := 1; k <= extra; k++ {
		n := len(running)
		shares[k] = slices.Clone(running[n-small:])
		running = running[:n-small]
		if len(stopped) > 1 {
			// One STOPPED each while the first share keeps one, so that a
			// check needing one need not make it, and the state machine's
			// shards can stop a STOPPED instance from their first step.
			shares[k] = append(shares[k], stopped[len(stopped)-1])
			stopped = stopped[:len(stopped)-1]
		}
	}
	shares[0] = append(running, stopped...)
	return shares
}

// propertyShards is how many shards the state machine is split into.
func propertyShards(cfg Config, lanes []*runState) int {
	if len(lanes) <= 1 {
		return 1
	}
	return min(len(lanes), max(cfg.Sequences/minShardSequences, 1))
}

// minShardSequences is the fewest sequences a shard of the state machine
// runs: against a slow target each sequence waits out its transitions,
// so the more shards, the shorter the run.
const minShardSequences = 2

// shardSequences is how many of n sequences shard i of k runs.
func shardSequences(n, i, k int) int {
	q, r := n/k, n%k
	if i < r {
		return q + 1
	}
	return q
}

// canServe reports whether the lane can carry out check c: the second
// account is the main lane's, and a check needing instances the lane's
// fleet lacks is better run where they are.
func (s *runState) canServe(c *Check) bool {
	if c.Needs.SecondAccount && !s.target.HasSecondAccount() {
		return false
	}
	return s.lacks(c.Needs) == ""
}

// planTimes tracks the plan's estimated time per lane and per account: an
// account's lanes run side by side, except for its WholeAccount checks,
// which run alone; so an account finishes after the sum of those and the
// longest of its lanes' other work.
type planTimes struct {
	lanes   []*runState
	load    []time.Duration          // per lane, its checks that share the account
	alone   map[string]time.Duration // per account, its WholeAccount checks
	longest map[string]time.Duration // per account, its lanes' longest load
}

func newPlanTimes(lanes []*runState) *planTimes {
	return &planTimes{lanes: lanes, load: make([]time.Duration, len(lanes)),
		alone: map[string]time.Duration{}, longest: map[string]time.Duration{}}
}

// with is when lane k's account would finish with u added to lane k.
func (e *planTimes) with(k int, u unit) time.Duration {
	a := e.lanes[k].account
	if u.check.Needs.WholeAccount {
		return e.alone[a] + u.cost + e.longest[a]
	}
	return e.alone[a] + max(e.longest[a], e.load[k]+u.cost)
}

// add puts u on lane k.
func (e *planTimes) add(k int, u unit) {
	a := e.lanes[k].account
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

// describePlan renders the plan for --plan and reports.
func describePlan(plan [][]unit, finals []*Check, lanes []*runState, cfg Config) Plan {
	transition := planTransition(cfg.Target.Endpoint)
	p := Plan{Transition: transition}
	est := newPlanTimes(lanes)
	for k, units := range plan {
		pl := PlanLane{Lane: lanes[k].name(), Account: lanes[k].account, Fleet: lanes[k].fleetBrief()}
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

// runLanes carries out the plan, each lane in its own goroutine, and
// returns every unit's result, the longest lane's time and how many lanes
// ran a unit.
//
// A lane runs its own units that share the account first. Then the
// account's lanes meet, and its units that need the whole account run,
// one at a time (hold), while its other lanes wait for them to end. Then
// the lane helps: the plan's estimates are rough (a target's operations
// may take far longer than planTransition assumes), so a lane out of work
// takes a unit not yet started from the lane with the most estimated work
// left, if it can serve it, and the longest lane is shortened by what the
// estimates got wrong. A unit that needs the whole account is never taken
// from its lane.
func runLanes(ctx context.Context, plan [][]unit, lanes []*runState) ([]unitResult, time.Duration, int) {
	q := &laneQueues{units: plan, lanes: lanes}
	took := make([]time.Duration, len(plan))
	ran := make([]bool, len(plan))
	meet := map[string]*sync.WaitGroup{}      // per account: its lanes' shared work done
	aloneLeft := map[string]*sync.WaitGroup{} // per account: its whole-account units left
	for k, l := range lanes {
		if meet[l.account] == nil {
			meet[l.account], aloneLeft[l.account] = &sync.WaitGroup{}, &sync.WaitGroup{}
		}
		meet[l.account].Add(1)
		for _, u := range plan[k] {
			if u.check.Needs.WholeAccount {
				aloneLeft[l.account].Add(1)
			}
		}
	}
	var (
		mu      sync.Mutex
		results []unitResult
		wg      sync.WaitGroup
	)
	for k, l := range lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			defer func() { took[k] = time.Since(start) }()
			run := func(u unit) {
				var res report.Check
				if why := l.stopReason(ctx); why != "" {
					res = notRun(u.check, why)
				} else {
					release := l.hold(u.check)
					res = l.runUnit(ctx, u)
					release()
					l.noteResult(res)
				}
				if u.shards > 1 {
					l.doneShard(u, res)
				}
				ran[k] = true
				mu.Lock()
				results = append(results, unitResult{u, res})
				mu.Unlock()
			}
			for u, ok := q.own(k, false); ok; u, ok = q.own(k, false) {
				run(u)
			}
			meet[l.account].Done()
			meet[l.account].Wait()
			for u, ok := q.own(k, true); ok; u, ok = q.own(k, true) {
				run(u)
				aloneLeft[l.account].Done()
			}
			aloneLeft[l.account].Wait()
			for l.stopReason(ctx) == "" {
				u, ok := q.steal(k)
				if !ok {
					return
				}
				run(u)
			}
		}()
	}
	wg.Wait()
	used := 0
	for _, r := range ran {
		if r {
			used++
		}
	}
	return results, slices.Max(took), used
}

// unitResult is what one unit of the plan gave.
type unitResult struct {
	unit   unit
	result report.Check
}

// laneQueues holds the units each lane has yet to start.
type laneQueues struct {
	mu    sync.Mutex
	units [][]unit
	lanes []*runState
}

// own takes lane k's next unit that needs the whole account (alone) or
// does not; ok is false when there is none.
func (q *laneQueues) own(k int, alone bool) (unit, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	i := slices.IndexFunc(q.units[k], func(u unit) bool { return u.check.Needs.WholeAccount == alone })
	if i < 0 {
		return unit{}, false
	}
	u := q.units[k][i]
	q.units[k] = slices.Delete(slices.Clone(q.units[k]), i, i+1)
	return u, true
}

// steal takes, for lane k, the last unit lane k can serve that does not
// need the whole account, from the lane with the most estimated work
// left; ok is false when there is none.
func (q *laneQueues) steal(k int) (unit, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	victim, at, most := -1, -1, time.Duration(0)
	for j, us := range q.units {
		left, last := time.Duration(0), -1
		for i, u := range us {
			left += u.cost
			if j != k && !u.check.Needs.WholeAccount && q.lanes[k].canServe(u.check) {
				last = i
			}
		}
		if last >= 0 && left > most {
			victim, at, most = j, last, left
		}
	}
	if victim < 0 {
		return unit{}, false
	}
	u := q.units[victim][at]
	q.units[victim] = slices.Delete(slices.Clone(q.units[victim]), at, at+1)
	return u, true
}

// hold takes the account's lock for check c, exclusively if it needs the
// whole account, and returns its release.
func (s *runState) hold(c *Check) func() {
	if c.Needs.WholeAccount {
		s.whole.Lock()
		return s.whole.Unlock
	}
	s.whole.RLock()
	return s.whole.RUnlock
}

// stopReason says why no further check may start, or "".
func (s *runShared) stopReason(ctx context.Context) string {
	if ctx.Err() != nil {
		return stopCause(ctx)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed != "" {
		return "--fail-fast: " + s.failed + " failed"
	}
	return ""
}

// stopCause words why ctx ended: the run's --timeout, or an interruption.
func stopCause(ctx context.Context) string {
	if c := context.Cause(ctx); c != nil && c != context.Canceled && c != context.DeadlineExceeded {
		return c.Error()
	}
	if ctx.Err() == context.DeadlineExceeded {
		return "the run's time ran out"
	}
	return "the run was interrupted"
}

// noteResult records a failure for --fail-fast.
func (s *runShared) noteResult(res report.Check) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.FailFast && res.Status == report.Fail && s.failed == "" {
		s.failed = res.ID
	}
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
