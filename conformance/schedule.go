package conformance

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/report"
)

// The scheduler. The documented rate limits are per account (facts §15),
// so a run against one account is bound by its StopInstances limit. A run
// that holds several accounts of one target (lanes: the embedded
// emulator's, or TENCENTCLOUD_SECRET_ID_3… for another target) spreads its
// checks over them: each lane is one account with its own fleet, its own
// pacer and its own observer, and runs its checks one after another, so
// every check still has its account to itself (the rate-limit checks need
// its whole budget) and no observer is shared between goroutines. The
// state machine's sequences are split into shards, one a lane. Checks that
// need the second account run on the main lane, which holds it.
//
// Assignment is longest-first onto the least-loaded lane, by a rough
// estimate of each check's time; within a lane, cheap checks come first,
// so that with --fail-fast most faults are found within seconds.

// unit is one piece of scheduled work: a check, or one shard of the state
// machine.
type unit struct {
	check  *Check
	shard  int // the state machine's shard, 0 to shards-1
	shards int
	cost   time.Duration // the estimate the plan was made with
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
	CriticalPath time.Duration // the longest lane's estimate
	Transition   time.Duration // the operation time the estimates assume
	Sequential   time.Duration // the same checks on one lane, for comparison
}

// PlanLane is one lane of a plan.
type PlanLane struct {
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
	if c.ID == propertyID {
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
		case c.ID == propertyID && len(lanes) > 1:
			shards := min(len(lanes), max(cfg.Sequences/5, 1))
			for i := range shards {
				n := shardSequences(cfg.Sequences, i, shards)
				units = append(units, unit{check: c, shard: i, shards: shards, cost: estimate(c, transition, n, cfg.Steps)})
			}
		default:
			units = append(units, unit{check: c, shards: 1, cost: estimate(c, transition, cfg.Sequences, cfg.Steps)})
		}
	}
	// Longest first, onto the least-loaded lane that can serve it.
	order := slices.Clone(units)
	sort.SliceStable(order, func(i, j int) bool { return order[i].cost > order[j].cost })
	plan := make([][]unit, len(lanes))
	load := make([]time.Duration, len(lanes))
	for _, u := range order {
		best := -1
		for k, l := range lanes {
			if !l.canServe(u.check) {
				continue
			}
			if best < 0 || load[k] < load[best] {
				best = k
			}
		}
		if best < 0 {
			best = 0 // no lane can: the main lane runs it, and it skips with the reason
		}
		plan[best] = append(plan[best], u)
		load[best] += u.cost
	}
	// Within a lane, cheap first; ties in catalog order.
	for k := range plan {
		sort.SliceStable(plan[k], func(i, j int) bool {
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

// canServe reports whether the lane can carry out check c: the second
// account is the main lane's, and a check needing instances the lane's
// fleet lacks is better run where they are.
func (s *runState) canServe(c *Check) bool {
	if c.Needs.SecondAccount && !s.target.HasSecondAccount() {
		return false
	}
	return s.lacks(c.Needs) == ""
}

// describePlan renders the plan for --plan and reports.
func describePlan(plan [][]unit, finals []*Check, lanes []*runState, cfg Config) Plan {
	transition := planTransition(cfg.Target.Endpoint)
	p := Plan{Transition: transition}
	for k, units := range plan {
		pl := PlanLane{Account: lanes[k].lane, Fleet: lanes[k].fleetBrief()}
		for _, u := range units {
			pl.Checks = append(pl.Checks, u.String())
			pl.Estimate += u.cost
		}
		p.Sequential += pl.Estimate
		p.CriticalPath = max(p.CriticalPath, pl.Estimate)
		p.Lanes = append(p.Lanes, pl)
	}
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
		fmt.Fprintf(&b, "\nlane %d, account %s: %d check(s), about %s\n  fleet: %s\n  %s\n", i+1, l.Account, len(l.Checks),
			l.Estimate.Round(100*time.Millisecond), l.Fleet, strings.Join(l.Checks, ", "))
	}
	if len(p.Finals) > 0 {
		fmt.Fprintf(&b, "\nthen, over the whole run's transcript: %s\n", strings.Join(p.Finals, ", "))
	}
	return b.String()
}

// runLanes carries out the plan, each lane in its own goroutine, and
// returns every unit's result, in plan order per lane, and the longest
// lane's time.
func runLanes(ctx context.Context, plan [][]unit, lanes []*runState) ([][]report.Check, time.Duration) {
	results := make([][]report.Check, len(plan))
	took := make([]time.Duration, len(plan))
	var wg sync.WaitGroup
	for k := range plan {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			defer func() { took[k] = time.Since(start) }()
			for _, u := range plan[k] {
				if why := lanes[k].stopReason(ctx); why != "" {
					results[k] = append(results[k], notRun(u.check, why))
					continue
				}
				res := lanes[k].runUnit(ctx, u)
				results[k] = append(results[k], res)
				lanes[k].noteResult(res)
			}
		}()
	}
	wg.Wait()
	return results, slices.Max(took)
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
// other status; requests summed, duration the longest.
func mergeShards(rs []report.Check) report.Check {
	out := rs[0]
	out.Requests, out.Duration = 0, 0
	rank := map[report.Status]int{report.Fail: 4, report.Error: 3, report.Pass: 2, report.Skip: 1}
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
