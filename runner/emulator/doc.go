// Package emulator is the reference CVM emulator: the model (package
// model) served over the TencentCloud API 3.0 wire protocol (package
// tcapi), with a store guarded for concurrent use, asynchronous
// transitions driven by an injectable clock, a per-account, per-action
// rate limiter, several accounts with isolated fleets loaded from JSON
// fixtures, and named faults that each break one rule.
//
// It is the suite's embedded default target, and a local CVM fake that
// the official SDKs work against unmodified (cvmconform emulate).
//
// Every answer is the model's canonical one (model.Verdict.Canonical): the
// strict code of the first rule a request breaks, so the emulator passes
// the suite in strict mode. It serves StopInstances, StartInstances and
// DescribeInstances; any other action is InvalidAction.
package emulator
