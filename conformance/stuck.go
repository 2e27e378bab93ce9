package conformance

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/report"
)

// How long an operation may take is the user's bound (--settle-timeout),
// not the API's rule: the seed gives none, and the real cloud's stops take
// tens of seconds (facts §16). A target whose operations never end must
// still get its verdict quickly, so the first operation shown in flight
// past the bound is reported once, under the rule it breaks (an operation
// must end: stuckCheckID, run after every other check, and added to the
// report when the selection left it out), and the check that met it, like
// every later check that needs an instance to change state, is skipped at
// once with a reason naming it, instead of waiting out the bound again
// (DESIGN "Verdicts one can trust"). At the end of the run the stuck
// instances are looked at once more, so the report tells a slow target
// (the operation ended, later than the bound) from a stuck one (it never
// ended).

// stuckCheckID is the check under which a stuck operation is reported.
const stuckCheckID = "SI-ASYNC-07"

// stuckClause is the clause a stuck operation breaks, as its failure
// cites it.
const stuckClause = "(seed §1: \"STOPPED when the instance is successfully shut down\"; facts §8)"

// stuckOp is the first operation a run saw still in flight at the bound.
type stuckOp struct {
	at    *runState // the lane that saw it
	check string
	views []model.View // the instances in flight, as last seen
	bound time.Duration
	began time.Time // when the check began to wait

	// After the run: whether they ended, and by when.
	ended   bool
	checked time.Time
}

// markStuck records the run's first stuck operation from a settle that
// reached the bound; later ones keep the first.
func (s *runState) markStuck(check string, res runner.Settled, began time.Time) *stuckOp {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stuck == nil {
		st := &stuckOp{at: s, check: check, bound: s.cfg.settle, began: began}
		for _, id := range res.Unsettled {
			st.views = append(st.views, res.Last[id])
		}
		s.stuck = st
	}
	return s.stuck
}

// noteEnded counts instances a settle saw end their operations within the
// bound: stuckCheckID passes on them without moving an instance itself.
func (s *runShared) noteEnded(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended += n
}

// endedOps is how many instances the run has seen settle within the bound.
func (s *runShared) endedOps() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ended
}

func (s *runShared) stuckOp() *stuckOp {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stuck
}

func (st *stuckOp) instances() string {
	var parts []string
	for _, v := range st.views {
		parts = append(parts, v.ID+" "+string(v.State))
	}
	return strings.Join(parts, ", ")
}

// verdict is the failure's reason: at first only that the bound passed;
// after the final look, "slow" or "stuck".
func (st *stuckOp) verdict() string {
	switch {
	case st.checked.IsZero():
		return fmt.Sprintf("%s still in flight after %s (--settle-timeout): an operation must end", st.instances(), brief(st.bound))
	case st.ended:
		return fmt.Sprintf("slow: %s was still in flight after %s (--settle-timeout) and had ended %s after the wait began; raise --settle-timeout if the target is meant to be this slow",
			st.instances(), brief(st.bound), brief(st.checked.Sub(st.began)))
	}
	return fmt.Sprintf("stuck: %s never ended: still in flight %s after the wait began, twice --settle-timeout %s",
		st.instances(), brief(st.checked.Sub(st.began)), brief(st.bound))
}

// brief rounds a duration for a message: to the millisecond under ten
// seconds, else to the second.
func brief(d time.Duration) time.Duration {
	if d < 10*time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Second)
}

// cause is the reason a check gives for not waiting: the check that met
// the operation, and where it is reported.
func (st *stuckOp) cause() string {
	return fmt.Sprintf("%s met an operation in flight past the settle bound (%s still in flight after %s), reported under %s (an operation must end); every later transition would wait as long",
		st.check, st.instances(), brief(st.bound), stuckCheckID)
}

// lookAgain looks at the stuck operation's instances once more, after the
// run, until twice the bound has passed since the wait began (the rest of
// the run counts towards it), and words the failure reported under
// stuckCheckID: slow if the operation has ended since, stuck if it has
// not.
func (s *runShared) lookAgain(ctx context.Context, out *report.Run) {
	st := s.stuckOp()
	if st == nil {
		return
	}
	var ids []string
	for _, v := range st.views {
		ids = append(ids, v.ID)
	}
	left := max(time.Until(st.began.Add(2*st.bound)), 0)
	res, err := st.at.target.Settle(ctx, st.check, model.NewObserver(runner.AccountMain, s.cfg.target.Region, s.cfg.strict), ids, left)
	if err != nil {
		return
	}
	st.checked, st.ended = time.Now(), len(res.Unsettled) == 0 && len(res.Last) == len(ids)
	for i := range out.Checks {
		if c := &out.Checks[i]; c.ID == stuckCheckID && c.Status == report.Fail && strings.HasPrefix(c.Reason, "ASYNC: ") {
			c.Reason = "ASYNC: " + st.verdict() + " " + stuckClause
		}
	}
}
