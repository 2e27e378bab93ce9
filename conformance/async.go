package conformance

import (
	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
)

// Asynchronous behaviour (seed §1: "The instance status will become
// STOPPING when the API is called successfully and STOPPED when the
// instance is successfully shut down"; facts §7–§9, §16).

func asyncChecks() []*Check {
	return []*Check{
		{ID: "SI-ASYNC-01", Title: "Right after a stop the instance is STOPPING or already STOPPED, never RUNNING",
			Clause: "seed §1 STOPPING then STOPPED", Severity: MUST, Needs: Needs{Running: 1},
			Run: func(c *Ctx) error {
				ids, x, err := stopOne(c, "StopType", model.Str("HARD"))
				if err != nil {
					return err
				}
				_ = x
				if err := c.Observe(ids...); err != nil {
					return err
				}
				return c.Settle(ids...)
			}},
		{ID: "SI-ASYNC-02", Title: "A stopped instance's LatestOperationRequestId is the stop's RequestId",
			Clause: "facts §9 LatestOperationRequestId; §7 poll until LatestOperationState SUCCESS", Severity: MUST, Needs: Needs{Running: 1},
			Run: func(c *Ctx) error {
				ids, x, err := stopOne(c, "StopType", model.Str("HARD"))
				if err != nil {
					return err
				}
				if err := c.Settle(ids...); err != nil {
					return err
				}
				return c.lastOperation(ids[0], model.ActionStop, x.Response.RequestID, model.OpSuccess, model.Stopped)
			}},
		{ID: "SI-ASYNC-03", Title: "A start ends RUNNING with LatestOperation StartInstances, SUCCESS, and its RequestId",
			Clause: "facts §8 STOPPED ⇒ STARTING ⇒ RUNNING; §9", Severity: MUST, Needs: Needs{Stopped: 1},
			Run: func(c *Ctx) error {
				ids, err := c.Stopped(1)
				if err != nil {
					return err
				}
				x, err := c.ExpectX(startCall(ids...))
				if err != nil {
					return err
				}
				c.touched[ids[0]] = true
				if err := c.Settle(ids...); err != nil {
					return err
				}
				return c.lastOperation(ids[0], model.ActionStart, x.Response.RequestID, model.OpSuccess, model.Running)
			}},
		{ID: "SI-ASYNC-04", Title: "A soft stop ends STOPPED, or back in RUNNING with LatestOperationState FAILED",
			Clause: "seed §2 StopType SOFT; seed §1; ledger L-25", Severity: MUST, Needs: Needs{Running: 1},
			Run: func(c *Ctx) error {
				ids, _, err := stopOne(c, "StopType", model.Str("SOFT"))
				if err != nil {
					return err
				}
				return c.Settle(ids...)
			}},
		{ID: "SI-ASYNC-05", Title: "A forced stop (SOFT_FIRST) ends STOPPED",
			Clause: "seed §2 StopType SOFT_FIRST: force shut down if the soft shutdown fails", Severity: MUST, Needs: Needs{Running: 1},
			Run: func(c *Ctx) error {
				ids, _, err := stopOne(c, "StopType", model.Str("SOFT_FIRST"))
				if err != nil {
					return err
				}
				if err := c.Settle(ids...); err != nil {
					return err
				}
				return c.lastState(ids[0], model.Stopped)
			}},
		{ID: "SI-ASYNC-06", Title: "ForceStop=TRUE ends STOPPED",
			Clause: "seed §2 ForceStop TRUE: force shut down after a normal shutdown fails", Severity: MUST, Needs: Needs{Running: 1},
			Run: func(c *Ctx) error {
				ids, _, err := stopOne(c, "ForceStop", model.Bool(true))
				if err != nil {
					return err
				}
				if err := c.Settle(ids...); err != nil {
					return err
				}
				return c.lastState(ids[0], model.Stopped)
			}},
		// An operation must end (seed §1: STOPPING, then STOPPED "when
		// the instance is successfully shut down"; facts §8). The API
		// gives no bound, so the bound is the user's (--settle-timeout).
		// This check is where an operation seen in flight past it is
		// reported, once, whichever check met it (see stuck.go). With
		// none met, the operations the run waited for prove it; in a run
		// that waited for none, it stops an instance itself.
		{ID: stuckCheckID, Title: "Every operation ends: no instance stays in flight past --settle-timeout",
			Clause: "seed §1 STOPPING then STOPPED; facts §8", Severity: MUST, Final: true,
			Run: func(c *Ctx) error {
				if st := c.run.stuckOp(); st != nil {
					c.Note("%s met it on lane %s: %s in flight past the settle bound %s", st.check, st.at.name(), st.instances(), brief(st.bound))
					return c.Failf("ASYNC: %s %s", st.verdict(), stuckClause)
				}
				if n := c.run.endedOps(); n > 0 {
					c.Note("the run waited for %d instance(s) to end their operations, each within %s", n, brief(c.run.cfg.settle))
					return nil
				}
				ids, _, err := stopOne(c, "StopType", model.Str("HARD"))
				if err != nil {
					return err
				}
				return c.Settle(ids...)
			}},
	}
}

// stopOne stops one RUNNING instance with extra parameters.
func stopOne(c *Ctx, extra ...any) ([]string, *runner.Exchange, error) {
	ids, err := c.Running(1)
	if err != nil {
		return nil, nil, err
	}
	x, err := c.ExpectX(stopCall(ids, extra...))
	return ids, x, err
}

// lastState fails unless the instance settled in state st.
func (c *Ctx) lastState(id string, st model.InstanceState) error {
	if !allIn(c.run.obs.Possible(id), st) {
		return c.Failf("ASYNC: %s settled in %s; a forced stop must end %s [seed §2 StopType, ForceStop]",
			id, model.ViewOf(c.run.obs.Possible(id)[0]).String(), st)
	}
	return nil
}

// lastOperation fails unless the settled instance shows the operation.
func (c *Ctx) lastOperation(id, action, requestID string, op model.OperationState, st model.InstanceState) error {
	ps := c.run.obs.Possible(id)
	for _, p := range ps {
		if p.State != st || p.LatestOperation != action || p.LatestOperationState != op || p.LatestOperationRequestID != requestID {
			return c.Failf("ASYNC: %s settled as %s; want %s (%s %s %s) [facts §9 LatestOperation*]",
				id, model.ViewOf(p).String(), st, action, op, requestID)
		}
	}
	return nil
}
