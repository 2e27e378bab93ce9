// Package report renders the result of a conformance run, or of traffic
// the suite did not send, judged (`cvmconform judge`, `cvmconform proxy`).
//
// A run is data ([Run], [Check], [Summary]); the reporters render it to an
// [io.Writer] and never decide anything. [Run.Kind] says what the report
// is of; the reporters word it from one table ([Kind]) and leave out what
// only a run has (seed, lanes, rate) from the others:
//
//   - [Console]: the final report for people — header, failures and errors
//     with their counterexamples and replay commands, a table of every
//     check, a summary line and the [Verdict].
//   - [Progress]: live progress while a run goes: one rewritten status
//     line on a terminal, one plain line per check otherwise.
//   - [JSON]: the machine-readable report whose keys are a stable
//     interface (DESIGN "Command line").
//   - [JUnit]: JUnit XML for CI test reporters.
//   - [HTML]: one self-contained page for people — the verdict, failures
//     with their exchanges, per-instance timelines and request rates
//     drawn from the run's [Activity], every check filterable by status,
//     coverage and profile; [HTMLPage] renders a report that is not a
//     run's (the self-test's tables) in its style.
//   - [Ledger]: the model's ambiguity ledger as a table.
//
// [WriteFile] writes a report to a path atomically; [IsTerminal] tells a
// caller whether a writer is a terminal, to choose live progress and
// colour.
//
// Only the JSON report's keys and types are stable. The layout and wording
// of the human-readable output (Console, Progress, Ledger, HTML) and the JUnit
// text content are for people and CI viewers, and may change: do not parse
// them.
package report
