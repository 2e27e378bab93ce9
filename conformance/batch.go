package conformance

import (
	"github.com/cvmconform/cvmconform/model"
)

// Batches (seed §1, §2: "The maximum number of instances in each request
// is 100").

func batchChecks() []*Check {
	return []*Check{
		// seed §1: up to 100 is allowed.
		{ID: "SI-BATCH-01", Title: "A batch of 100 IDs is within the limit (unknown IDs are not found, not too many)",
			Clause: "seed §1, §2 InstanceIds.N: at most 100", Severity: MUST,
			Run: func(c *Ctx) error { return c.Expect(stopCall(c.unknownIDs(model.MaxBatch))) }},
		// seed §1; seed §6 InvalidParameterValue.LimitExceeded. Every ID is a
		// RUNNING instance, so the limit is the only rule the request breaks:
		// a target without the limit stops them all.
		{ID: "SI-BATCH-02", Title: "A batch of 101 RUNNING instances is refused with LimitExceeded and stops none",
			Clause: "seed §1, §2 InstanceIds.N; seed §6 InvalidParameterValue.LimitExceeded", Severity: MUST,
			Needs: Needs{Running: model.MaxBatch + 1},
			Run: func(c *Ctx) error {
				ids, err := c.Running(model.MaxBatch + 1)
				if err != nil {
					return err
				}
				if err := c.Expect(stopCall(ids, "StopType", model.Str("HARD"))); err != nil {
					return err
				}
				return c.Observe(ids[:model.MaxBatch]...)
			}},
		// seed §1. With unknown IDs lenient mode also accepts NotFound (the
		// precedence is undocumented, ledger L-05); strict wants the limit.
		{ID: "SI-BATCH-03", Title: "A batch of 101 unknown IDs is refused (strict: with LimitExceeded)",
			Clause: "seed §1, §2 InstanceIds.N; ledger L-05", Severity: SHOULD,
			Run: func(c *Ctx) error { return c.Expect(stopCall(c.unknownIDs(model.MaxBatch + 1))) }},
		// seed §1 "Batch operations are supported".
		{ID: "SI-BATCH-04", Title: "A batch of 5 RUNNING instances stops all of them",
			Clause: "seed §1 batch operations", Severity: MUST, Needs: Needs{Running: 5},
			Run: func(c *Ctx) error { return stopAndSettle(c, 5, "StopType", model.Str("HARD")) }},
		// seed §1: 100 is the maximum, so 100 must work.
		{ID: "SI-BATCH-05", Title: "A batch of 100 RUNNING instances stops all of them",
			Clause: "seed §1, §2 InstanceIds.N: at most 100", Severity: MUST, Needs: Needs{Running: model.MaxBatch},
			Run: func(c *Ctx) error { return stopAndSettle(c, model.MaxBatch, "StopType", model.Str("HARD")) }},
		// ledger L-02: duplicates are undocumented.
		{ID: "SI-BATCH-06", Title: "A batch naming one instance twice stops it once, or is refused",
			Clause: "ledger L-02 (facts \"silent\" 8)", Severity: SHOULD, Needs: Needs{Running: 1},
			Run: func(c *Ctx) error {
				ids, err := c.Running(1)
				if err != nil {
					return err
				}
				if err := c.Expect(stopCall([]string{ids[0], ids[0]}, "StopType", model.Str("HARD"))); err != nil {
					return err
				}
				return c.Settle(ids...)
			}},
	}
}

// stopAndSettle stops n RUNNING instances in one request and waits for
// them to settle, judging every step.
func stopAndSettle(c *Ctx, n int, extra ...any) error {
	ids, err := c.Running(n)
	if err != nil {
		return err
	}
	return stopAndSettleIDs(c, ids, extra...)
}

// stopAndSettleIDs stops ids in one request and waits for them to settle.
func stopAndSettleIDs(c *Ctx, ids []string, extra ...any) error {
	if err := c.Expect(stopCall(ids, extra...)); err != nil {
		return err
	}
	return c.Settle(ids...)
}
