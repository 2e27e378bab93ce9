// Package model is the reference model of the Tencent Cloud CVM
// StopInstances API (version 2017-03-12), with the parts of StartInstances
// and DescribeInstances the suite needs to reset and observe a fleet. It is
// the specification in code: pure Go, no I/O, no goroutines, no clock reads
// (time is always a parameter). Every rule cites the clause it enforces:
// "seed §N" is a section of shared/seed/StopInstances-2020.txt, "facts §N"
// a section of shared/reference/tencentcloud-cvm-facts.md.
//
// The model is nondeterministic and says so in its types:
//
//   - [Judge] returns, for a request and the states its instances may be
//     in, the set of acceptable outcomes at each [Strictness]: success
//     and/or error codes. Where the sources differ or are silent the set
//     names every defensible outcome, and the [Ledger] says why.
//   - [Effect] and [Moves] return every state an instance may reach after a
//     successful request or on its own; the first is the canonical choice
//     the reference emulator makes.
//   - [Observer] tracks, per instance, the set of states still possible
//     given requests, outcomes and DescribeInstances observations, and
//     reports a [Finding] when a target departs from it.
//   - [CheckRate] judges a timeline of [Attempt]s against the documented
//     rate limit, accepting any reasonable limiter.
//
// The rule table [Rules] is in precedence order (DESIGN "check order");
// lenient mode accepts the code of any rule a request breaks, strict mode
// the code of the first.
package model
