package conformance

import (
	"github.com/cvmconform/cvmconform/model"
)

// Parameters of StopInstances (seed §2): presence, types, enum values and
// combinations. Each check breaks one rule only, on an instance the
// request would otherwise stop, so that a target that ignores the rule is
// caught stopping it.

func paramChecks() []*Check {
	return []*Check{
		// seed §2 InstanceIds.N Required Yes; seed §6 MissingParameter.
		{ID: "SI-PARAM-01", Title: "StopInstances without InstanceIds is refused with MissingParameter",
			Clause: "seed §2 InstanceIds.N Required; seed §6 MissingParameter", Severity: MUST,
			Run: func(c *Ctx) error {
				s := stopCall(nil)
				s.Call.Params = nil
				return c.Expect(s)
			}},
		// ledger L-03: an empty list names no instance.
		{ID: "SI-PARAM-02", Title: "StopInstances with an empty InstanceIds list is refused",
			Clause: "seed §2 InstanceIds.N Required; ledger L-03", Severity: MUST,
			Run: func(c *Ctx) error { return c.Expect(stopCall([]string{})) }},
		// seed §2: InstanceIds.N is an Array of String.
		{ID: "SI-PARAM-03", Title: "InstanceIds given as a plain string is refused",
			Clause: "seed §2 InstanceIds.N Type: Array of String", Severity: MUST, Needs: Needs{Running: 1},
			Run: func(c *Ctx) error {
				ids, err := c.Running(1)
				if err != nil {
					return err
				}
				s := stopCall(nil)
				s.Call.Params[0].Value = model.Str(ids[0])
				if err := c.Expect(jsonOnly(s)); err != nil {
					return err
				}
				return c.Observe(ids...)
			}},
		// seed §2: ForceStop is a Boolean.
		{ID: "SI-PARAM-04", Title: "ForceStop that is not a Boolean is refused",
			Clause: "seed §2 ForceStop Type: Boolean", Severity: MUST, Needs: Needs{Running: 1},
			Run: func(c *Ctx) error { return refusedOnRunning(c, "ForceStop", model.Str("maybe")) }},
		// seed §2 StopType valid values; seed §6 InvalidParameterValue.
		{ID: "SI-PARAM-05", Title: "A StopType outside SOFT_FIRST, HARD, SOFT is refused with InvalidParameterValue",
			Clause: "seed §2 StopType; seed §6 InvalidParameterValue", Severity: MUST, Needs: Needs{Running: 1},
			Run: func(c *Ctx) error { return refusedOnRunning(c, "StopType", model.Str("GENTLE")) }},
		// seed §2 StoppedMode valid values.
		{ID: "SI-PARAM-06", Title: "A StoppedMode outside KEEP_CHARGING, STOP_CHARGING is refused",
			Clause: "seed §2 StoppedMode; seed §6 InvalidParameterValue", Severity: MUST, Needs: Needs{Running: 1},
			Run: func(c *Ctx) error { return refusedOnRunning(c, "StoppedMode", model.Str("HALF_CHARGING")) }},
		// facts §7 ForceStop "must not be combined with StopType"; ledger L-01.
		{ID: "SI-PARAM-07", Title: "ForceStop together with StopType is refused or served as the ledger allows",
			Clause: "facts §7 ForceStop; seed §2; ledger L-01", Severity: SHOULD, Needs: Needs{Running: 1},
			Run: func(c *Ctx) error {
				ids, err := c.Running(1)
				if err != nil {
					return err
				}
				if err := c.Expect(stopCall(ids, "ForceStop", model.Bool(true), "StopType", model.Str("HARD"))); err != nil {
					return err
				}
				return c.Settle(ids...)
			}},
		// facts §6 UnknownParameter; ledger L-08.
		{ID: "SI-PARAM-08", Title: "A parameter StopInstances does not define is refused or ignored as the ledger allows",
			Clause: "facts §6 UnknownParameter; ledger L-08", Severity: SHOULD, Needs: Needs{Running: 1},
			Run: func(c *Ctx) error {
				ids, err := c.Running(1)
				if err != nil {
					return err
				}
				if err := c.Expect(stopCall(ids, "StopType", model.Str("HARD"), "Frobnicate", model.Bool(true))); err != nil {
					return err
				}
				return c.Settle(ids...)
			}},
	}
}

// refusedOnRunning stops a RUNNING instance with one bad parameter: the
// request must be refused and the instance left RUNNING.
func refusedOnRunning(c *Ctx, name string, v model.Value) error {
	ids, err := c.Running(1)
	if err != nil {
		return err
	}
	if err := c.Expect(jsonOnly(stopCall(ids, name, v))); err != nil {
		return err
	}
	return c.Observe(ids...)
}
