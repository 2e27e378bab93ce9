package conformance

import (
	"fmt"

	"github.com/cvmconform/cvmconform/model"
)

// States (seed §1: "You can only perform this operation on instances whose
// status is RUNNING"; facts §7, §8, §10) and StoppedMode (seed §2).

func stateChecks() []*Check {
	checks := []*Check{
		// seed §4: "This example shows you how to shut down two instances."
		{ID: "SI-STATE-01", Title: "The seed's example: stopping two RUNNING instances succeeds and they stop",
			Clause: "seed §4 Example 1; seed §1", Severity: MUST, Needs: Needs{Running: 2},
			Run: func(c *Ctx) error { return stopAndSettle(c, 2) }},
		// seed §1; facts §7 UnsupportedOperation.InstanceStateStopped.
		{ID: "SI-STATE-02", Title: "Stopping a STOPPED instance is refused with its state's code",
			Clause: "seed §1 only RUNNING; facts §7; ledger L-09", Severity: MUST, Needs: Needs{Stopped: 1},
			Run: func(c *Ctx) error {
				ids, err := c.Stopped(1)
				if err != nil {
					return err
				}
				return c.Expect(stopCall(ids, "StopType", model.Str("HARD")))
			}},
		// seed §1; facts §7 UnsupportedOperation.InstanceStateStopping.
		{ID: "SI-STATE-03", Title: "Stopping an instance again while it stops is refused",
			Clause: "seed §1 only RUNNING; facts §7; ledger L-09", Severity: MUST, Needs: Needs{Running: 1},
			Run: func(c *Ctx) error {
				ids, err := c.Running(1)
				if err != nil {
					return err
				}
				// HARD, so that the first stop cannot fail back to RUNNING.
				if err := c.Expect(stopCall(ids, "StopType", model.Str("HARD"))); err != nil {
					return err
				}
				return c.Expect(stopCall(ids, "StopType", model.Str("HARD")))
			}},
		// facts §8: only STOPPED instances may be started.
		{ID: "SI-STATE-04", Title: "Starting a RUNNING instance is refused with UnsupportedOperation.InstanceStateRunning",
			Clause: "facts §8 StartInstances", Severity: MUST, Needs: Needs{Running: 1},
			Run: func(c *Ctx) error {
				ids, err := c.Running(1)
				if err != nil {
					return err
				}
				return c.Expect(startCall(ids...))
			}},
		// seed §2 StoppedMode STOP_CHARGING on an eligible instance.
		{ID: "SI-STATE-05", Title: "STOP_CHARGING on a pay-as-you-go instance with cloud disks ends STOPPED with StopChargingMode STOP_CHARGING",
			Clause: "seed §2 StoppedMode; facts §7, §10 StopChargingMode", Severity: MUST, Needs: Needs{Running: 1, Kind: &eligible},
			Run: func(c *Ctx) error {
				return stopByKind(c, eligible, "StoppedMode", model.Str("STOP_CHARGING"))
			}},
		// seed §2: "only valid for some pay-as-you-go instances using cloud
		// disks"; seed §6 InvalidInstance.NotSupported; ledger L-07.
		{ID: "SI-STATE-06", Title: "STOP_CHARGING on a prepaid or local-disk instance is refused, or served keeping charges",
			Clause: "seed §2 StoppedMode; seed §6 InvalidInstance.NotSupported; ledger L-07", Severity: MUST, Needs: Needs{Running: 1, Kind: &ineligible},
			Run: func(c *Ctx) error {
				return stopByKind(c, ineligible, "StoppedMode", model.Str("STOP_CHARGING"))
			}},
		// seed §2 StoppedMode: "Default value: KEEP_CHARGING".
		{ID: "SI-STATE-07", Title: "A stop without StoppedMode keeps a pay-as-you-go instance KEEP_CHARGING",
			Clause: "seed §2 StoppedMode default KEEP_CHARGING", Severity: MUST, Needs: Needs{Running: 1, Kind: &eligible},
			Run: func(c *Ctx) error {
				return stopByKind(c, eligible)
			}},
	}
	// seed §1 and facts §7, one check per state other than RUNNING and
	// STOPPED: stopping an instance in it is refused with that state's
	// code. The suite creates STARTING and STOPPING; the others it uses
	// when discovered. The
	// IDs follow this list's order, which must never change.
	for i, st := range []model.InstanceState{
		model.Pending, model.LaunchFailed, model.Starting, model.Stopping, model.Rebooting, model.Shutdown,
		model.Terminating, model.EnterRescueMode, model.RescueMode, model.ExitRescueMode,
		model.EnterServiceLiveMigrate, model.ServiceLiveMigrate, model.ExitServiceLiveMigrate,
	} {
		needs, run := Needs{States: []model.InstanceState{st}}, func(c *Ctx) error { return stopInState(c, st) }
		// The two transient states the suite can create (transient.go).
		switch st {
		case model.Starting:
			needs, run = Needs{Stopped: 1}, stopWhileStarting
		case model.Stopping:
			needs, run = Needs{Running: 1}, stopWhileStopping
		}
		checks = append(checks, &Check{ID: fmt.Sprintf("SI-STATE-%02d", 10+i),
			Title:  fmt.Sprintf("Stopping %s %s instance is refused with %s", st.Article(), st, model.StateCode(st)),
			Clause: "seed §1 only RUNNING; facts §7 " + model.StateCode(st), Severity: MUST,
			Needs: needs, Run: run})
	}
	return checks
}

// The kinds of instance the StoppedMode checks need, by their
// STOP_CHARGING eligibility (seed §2; ledger L-07).
var (
	eligible = Kind{What: "pay-as-you-go instance on cloud disks",
		Is: func(p model.Instance) bool { return model.StopChargingEligible(p) == model.Yes }}
	ineligible = Kind{What: "prepaid or local-disk instance",
		Is: func(p model.Instance) bool { return model.StopChargingEligible(p) == model.No }}
)

// stopByKind stops (HARD, with extra parameters) a RUNNING instance of
// kind k, and waits for it to settle: the model judges the answer and the
// StopChargingMode it ends with.
func stopByKind(c *Ctx, k Kind, extra ...any) error {
	ids, err := c.RunningWhere(1, k.What, k.Is)
	if err != nil {
		return err
	}
	return stopAndSettleIDs(c, ids, append([]any{"StopType", model.Str("HARD")}, extra...)...)
}

// stopInState stops a discovered instance in state st: refused, with the
// state's code in strict mode.
func stopInState(c *Ctx, st model.InstanceState) error {
	id, allowed, err := c.InState(st)
	if err != nil {
		return err
	}
	if !allowed {
		return c.Skipf("the %s instance %s is not allow-listed (--instances), and a faulty target could stop it", st, id)
	}
	return c.Expect(stopCall([]string{id}, "StopType", model.Str("HARD")))
}
