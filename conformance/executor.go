package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/cvmconform/cvmconform/runner/report"
)

// This file holds the executor: it carries out a plan (runLanes), each
// lane in its own goroutine running one unit at a time (runUnit), and
// coordinates the lanes: an account's lanes hold its lock shared, and a
// check that needs the whole account (Needs.WholeAccount: the rate and
// concurrency checks, which send unpaced traffic) holds it alone, once
// the account's lanes have met (hold); a lane out of work takes work not
// yet started from another (laneQueues.steal); no unit starts once the
// run is to stop (stopReason: its context ended, or --fail-fast); and the
// state machine's shards are told to Progress as one check.

// runLanes carries out the plan, each lane in its own goroutine, and
// returns every unit's result, the longest lane's time and how many lanes
// ran a unit.
//
// A lane runs its own units that share the account first. Then the
// account's lanes meet, and its units that need the whole account run,
// one at a time (hold), while its other lanes wait for them to end. Then
// the lane helps: the plan's estimates are rough (a target's operations
// may take far longer than the plan assumes), so a lane out of work
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

// steal takes, for lane k, the last unit lane k can serve (as its share
// of the fleet is now) that does not need the whole account, from the
// lane with the most estimated work left; ok is false when there is none.
func (q *laneQueues) steal(k int) (unit, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	fleet := q.lanes[k].fleet()
	victim, at, most := -1, -1, time.Duration(0)
	for j, us := range q.units {
		left, last := time.Duration(0), -1
		for i, u := range us {
			left += u.cost
			if j != k && !u.check.Needs.WholeAccount && fleet.canServe(u.check) {
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
	if s.cfg.failFast && res.Status == report.Fail && s.failed == "" {
		s.failed = res.ID
	}
}

// runUnit carries out one check (or one shard of the state machine) and
// resets what it moved.
func (s *runState) runUnit(ctx context.Context, u unit) report.Check {
	c := u.check
	if u.shards > 1 {
		s.startShard(c)
	} else {
		s.cfg.progress.Start(c.ID, c.Title)
	}
	start := time.Now()
	before := s.log.Len()
	res := report.Check{ID: c.ID, Title: c.Title, Spec: c.Clause, Severity: string(c.Severity)}
	x := s.newCtx(ctx, c)
	x.shard, x.shards, x.sequences = u.shard, u.shards, u.sequences
	var err error
	if reason := s.lacks(c.Needs); reason != "" {
		err = &skipped{reason: reason}
	} else if st := s.stuckOp(); st != nil && c.Needs.Running+c.Needs.Stopped > 0 {
		err = &skipped{reason: "not run: it needs instances to change state, and " + st.cause()}
	} else {
		err = s.protect(c, x)
	}
	// The counterexample is the check's own exchanges; the reset's join it
	// only when the reset is what failed.
	own := len(x.steps)
	if rerr := s.reset(x); rerr != nil && err == nil {
		err, own = rerr, len(x.steps)
	}
	var f *failure
	var sk *skipped
	switch {
	case err == nil:
		res.Status, res.Reason = report.Pass, x.passNote
	case errors.As(err, &sk):
		res.Status, res.Reason = report.Skip, sk.reason
	case errors.As(err, &f):
		res.Status, res.Reason = report.Fail, f.reason
		res.Counterexample, res.Exchanges = x.transcript(f, own), x.exchanges(own)
		res.Artifacts = x.artifacts
		res.Replay = s.cfg.replay(f.seed(s.cfg.seed), c.ID)
		if u.shards > 1 {
			// The run's seed and the shard: rapid's failing seed is
			// the shard's own stream's, which --shard derives again.
			res.Replay = s.cfg.replay(s.cfg.seed, c.ID) + fmt.Sprintf(" --shard %d", u.shard+1)
		}
	case ctx.Err() != nil:
		// Cut short by the run's end, not broken.
		res.Status, res.Reason = report.Skip, "not run to the end: "+stopCause(ctx)
	default:
		res.Status, res.Reason = report.Error, err.Error()
		res.Counterexample, res.Exchanges = x.transcript(nil, own), x.exchanges(own)
	}
	res.Duration = time.Since(start)
	res.Requests = s.requestsOf(c.ID, before)
	if u.shards <= 1 {
		s.cfg.progress.Done(res) // a shard's is told by runLanes, with the others'
	}
	return res
}

// protect runs a check, turning a panic into an error: a broken check
// must not take the run down, nor pass.
func (s *runState) protect(c *Check, x *Ctx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the check panicked: %v", p)
		}
	}()
	return c.Run(x)
}

// shardProgress is the progress of one check split into shards.
type shardProgress struct {
	started bool
	done    []report.Check
}

// startShard tells Progress that check c started, if it is the first of
// its shards to.
func (s *runShared) startShard(c *Check) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.shardProgressOf(c.ID)
	if !p.started {
		p.started = true
		s.cfg.progress.Start(c.ID, c.Title)
	}
}

// doneShard records that one of the shards of u's check ended (run or
// not), and tells Progress the check's merged result once they all have.
func (s *runShared) doneShard(u unit, res report.Check) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.shardProgressOf(u.check.ID)
	p.done = append(p.done, res)
	if len(p.done) == u.planned {
		s.cfg.progress.Done(mergeShards(p.done))
	}
}

func (s *runShared) shardProgressOf(id string) *shardProgress {
	if s.shardProgress == nil {
		s.shardProgress = map[string]*shardProgress{}
	}
	if s.shardProgress[id] == nil {
		s.shardProgress[id] = &shardProgress{}
	}
	return s.shardProgress[id]
}

// failedShard is the shard of a check that failed first, and its lane.
type failedShard struct {
	shard int
	lane  string
}

// markShardFailed records that shard of check id, on lane, failed, unless
// another did first.
func (s *runShared) markShardFailed(id string, shard int, lane string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shardFailed == nil {
		s.shardFailed = map[string]failedShard{}
	}
	if _, ok := s.shardFailed[id]; !ok {
		s.shardFailed[id] = failedShard{shard: shard, lane: lane}
	}
}

// shardFailedFirst is the shard of check id that failed first, if one did.
func (s *runShared) shardFailedFirst(id string) (failedShard, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.shardFailed[id]
	return f, ok
}
