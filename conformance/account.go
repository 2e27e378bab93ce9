package conformance

import (
	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Account isolation (DESIGN "The emulator": each account owns an isolated
// fleet; facts §15: data and limits are per account). Needs a second
// credential pair: TENCENTCLOUD_SECRET_ID_2 / TENCENTCLOUD_SECRET_KEY_2.

func accountChecks() []*Check {
	return []*Check{
		{ID: "SI-ACCT-01", Title: "A second account's DescribeInstances lists none of the first account's instances",
			Clause: "DESIGN \"The target contract\" (account isolation); facts §15", Severity: MUST,
			Needs: Needs{SecondAccount: true},
			Run: func(c *Ctx) error {
				s := describeWith(func(call *tcapi.Call) {
					call.Params = []tcapi.Param{{Name: "Limit", Value: model.Num(model.DescribeMaxLimit)}}
				})
				s.Second = true
				if err := c.Expect(s); err != nil {
					return err
				}
				mine := c.run.discoveredIn(model.Running)
				if len(mine) == 0 {
					return nil
				}
				s = describeWith(func(call *tcapi.Call) {
					call.Params = []tcapi.Param{{Name: "InstanceIds", Value: model.Strs(mine[:min(len(mine), 10)]...)}}
				})
				s.Second = true
				return c.Expect(s)
			}},
		{ID: "SI-ACCT-02", Title: "A second account cannot stop the first account's instance",
			Clause: "DESIGN \"The target contract\" (account isolation); seed §6 InvalidInstanceId.NotFound", Severity: MUST,
			Needs: Needs{SecondAccount: true, Running: 1},
			Run: func(c *Ctx) error {
				ids, err := c.Running(1)
				if err != nil {
					return err
				}
				s := stopCall(ids, "StopType", model.Str("HARD"))
				s.Second = true
				if err := c.Expect(s); err != nil {
					return err
				}
				return c.Observe(ids...)
			}},
		{ID: "SI-ACCT-03", Title: "A second account cannot start the first account's instance",
			Clause: "DESIGN \"The target contract\" (account isolation); facts §8", Severity: MUST,
			Needs: Needs{SecondAccount: true, Stopped: 1},
			Run: func(c *Ctx) error {
				ids, err := c.Stopped(1)
				if err != nil {
					return err
				}
				s := startCall(ids...)
				s.Second = true
				if err := c.Expect(s); err != nil {
					return err
				}
				return c.Observe(ids...)
			}},
	}
}
