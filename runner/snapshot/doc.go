// Package snapshot records a target's normalised responses to short,
// deterministic request scripts, and tells where two records differ: the
// suite's third use, after conformance checks and regression gating
// (DESIGN "Principles": diff response snapshots between targets or
// versions).
//
// The pieces, in the order a record is made:
//
//   - [Scenario]: a request script over named instance roles ($running1,
//     $missing, …) rather than real IDs, read from fixtures/scenarios by
//     [Scenarios] or from JSON by [ParseScenario].
//   - [Player]: discovers a target's fleet, binds each role to an
//     allow-listed instance in the wanted state (sorted IDs, so the same
//     fleet always gives the same binding), plays the steps through
//     runner.Target (paced, recorded, redacted, allow-list guarded), and
//     resets the fleet after each scenario.
//   - Normalisation: RequestIds become <request-1>, <request-2>… in order
//     of first appearance (so "LatestOperationRequestId is the stop's
//     RequestId" survives), bound instance IDs become their roles,
//     timestamps and durations become placeholders, the fleet-dependent
//     inventory of an instance (name, type, disks, IPs…) becomes a shape
//     such as "<string>", paths can be excluded, and key order never
//     matters. See [Normaliser].
//   - [Record]: one scenario's normalised exchanges, written as plain,
//     diff-friendly text by [Record.WriteTo] and read back by [ReadRecord]
//     ([WriteDir] and [ReadDir] handle a directory of them, one file per
//     scenario).
//   - [Compare]: the differences between two sets of records, step by step,
//     compared with go-cmp; [WriteDrifts] renders them. Options such as
//     [Ignore] leave known differences out.
//
// Nothing here prints, reads flags or the environment: cmd/cvmconform's
// "snapshot" command and the conformance package's go-snaps test drive it.
package snapshot
