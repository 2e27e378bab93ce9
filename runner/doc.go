// Package runner is how the suite reaches a target: a [Target] that signs
// requests with runner/tcapi, paces them under the documented rate limits
// ([Pacer]), records every exchange with secrets redacted ([Transcript]),
// refuses to stop or start an instance outside the allow-list, discovers
// the fleet by DescribeInstances paging, waits for instances to settle,
// and puts back the instances a run or a snapshot moved ([Target.Restore],
// [LeftChanged]). [StartEmbedded] starts the reference emulator when no endpoint
// is given; [ResolveEndpoint] turns "tencentcloud" into the right host for
// a region. [Judging] is the one judging pipeline: a run's exchanges and
// the traffic runner/passive reads are judged by it alike, with full
// knowledge of the fleet ([NewJudging]) or partial ([NewPartialJudging]).
//
// Subpackages: tcapi (the wire protocol), emulator (the reference
// emulator), report (console, JSON and JUnit reporters).
package runner
