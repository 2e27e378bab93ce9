package conformance

import (
	"github.com/cvmconform/cvmconform/model"
)

// Atomicity (ledger L-13; DESIGN "The model": a batch is atomic, an error
// answer leaves every named instance as it was). Each check names RUNNING
// instances together with one bad member, then looks at the RUNNING ones.

func atomicChecks() []*Check {
	return []*Check{
		{ID: "SI-ATOMIC-01", Title: "A batch with one unknown ID is refused and stops none of the others",
			Clause: "ledger L-13; seed §6 InvalidInstanceId.NotFound", Severity: MUST, Needs: Needs{Running: 2},
			Run: func(c *Ctx) error {
				return refusedBatch(c, func(ids []string) []string { return append(ids, c.unknownIDs(1)...) })
			}},
		{ID: "SI-ATOMIC-02", Title: "A batch with one STOPPED instance is refused and stops none of the others",
			Clause: "ledger L-13; seed §1 only RUNNING", Severity: MUST, Needs: Needs{Running: 2, Stopped: 1},
			Run: func(c *Ctx) error {
				stopped, err := c.Stopped(1)
				if err != nil {
					return err
				}
				return refusedBatch(c, func(ids []string) []string { return append(ids, stopped...) })
			}},
		{ID: "SI-ATOMIC-03", Title: "A batch with one malformed ID is refused and stops none of the others",
			Clause: "ledger L-13; seed §6 InvalidInstanceId.Malformed", Severity: MUST, Needs: Needs{Running: 2},
			Run: func(c *Ctx) error {
				return refusedBatch(c, func(ids []string) []string { return append(ids, "ins-1122") })
			}},
		{ID: "SI-ATOMIC-04", Title: "A start batch with one RUNNING instance is refused and starts none of the others",
			Clause: "ledger L-13; facts §8 only STOPPED", Severity: MUST, Needs: Needs{Running: 1, Stopped: 1},
			Run: func(c *Ctx) error {
				stopped, err := c.Stopped(1)
				if err != nil {
					return err
				}
				running, err := c.Running(1)
				if err != nil {
					return err
				}
				if err := c.Expect(startCall(append(stopped, running...)...)); err != nil {
					return err
				}
				return c.Observe(stopped...)
			}},
	}
}

// refusedBatch stops two RUNNING instances together with the bad members
// add puts in, expects the request refused, and looks at the two.
func refusedBatch(c *Ctx, add func([]string) []string) error {
	ids, err := c.Running(2)
	if err != nil {
		return err
	}
	if err := c.Expect(stopCall(add(append([]string(nil), ids...)), "StopType", model.Str("HARD"))); err != nil {
		return err
	}
	return c.Observe(ids...)
}
