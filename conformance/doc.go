// Package conformance is the catalog of the StopInstances conformance
// suite and the engine that runs it against a target. It judges by the
// model (package model) and the sources alone: it knows no emulator (the
// self-test, which proves the catalog against the reference emulator's
// variants and faults, is conformance/selftest).
//
// Where things are:
//
//   - The catalog: catalog.go declares a Check (a stable ID, the clause it
//     enforces, its severity, what it Needs of the fleet) and Catalog lists
//     them all, one file per area: protocol.go, auth.go, param.go,
//     batch.go, id.go, state.go, transient.go, async.go, atomic.go,
//     account.go, rate.go, conc.go, hostile.go, and final.go for the
//     checks over the whole run's transcript.
//   - What a check may call: ctx.go (Ctx: send a request and have the
//     model judge it, take instances of a state, settle, observe, fail,
//     skip) and helpers.go.
//   - The state machine SI-PROP-01: prop.go drives rapid's state machine
//     over random sequences of stops, starts and describes.
//   - The engine: run.go (Run: prepare, discover each account's fleet,
//     carry out the plan, restore, report), schedule.go (the plan: which
//     unit runs on which lane, and the executor that runs the lanes),
//     stuck.go (an operation that never ends is reported once),
//     restore.go (a run puts back what it moved, however it ends) and
//     replay.go (how a run is made again: the one place a run's seed is
//     drawn, and the one builder of the replay command a failure prints).
//
// The words the engine uses, each for one thing:
//
//   - account: one set of credentials of the target, with its own fleet
//     and its own rate limits (facts §15), and so its own pacer;
//   - share: a part of one account's allow-listed instances, which only
//     one lane moves;
//   - lane: one worker, an (account, share) pair, with its own observer;
//     it runs one unit at a time;
//   - shard: a part of the state machine's sequences (SI-PROP-01 is split
//     into shards, one a lane);
//   - unit: one piece of scheduled work, a check or one shard of one.
package conformance
