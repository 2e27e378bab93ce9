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
//   - The state machine SI-PROP-01: prop.go (the check and one
//     sequence's actions) and rapid.go (rapidDriver runs rapid over one
//     shard's sequences and judges what they left behind).
//
// The engine, in the order a run goes through it:
//
//   - config.go: Config, and prepare, the engine's entrance, which
//     resolves it once into the runConfig all below read (every default,
//     the settle bound, the operation time the plan assumes, the state
//     machine's sequences and most shards);
//   - discover.go: open lists each account's fleet and shares its
//     instances out among its lanes;
//   - plan.go: makePlan, a pure function from the checks, the runConfig
//     and each lane's laneSummary to each lane's units;
//   - executor.go: runLanes carries the plan out, one goroutine a lane
//     (work taking, the account's lock for WholeAccount checks,
//     fail-fast, why no unit may start), and runUnit runs one unit;
//   - lane.go: a lane's state, what its share offers a check, and its
//     reset after each check (runner.ReturnTo, the end-of-run restore's
//     mechanism too);
//   - run.go: Run and Schedule, the two entrances, and the report
//     assembled from the executor's results;
//   - stuck.go: an operation that never ends is reported once;
//   - restore.go: a run puts back what it moved, however it ends;
//   - replay.go: how a run is made again (the one place a run's seed is
//     drawn, and the one builder of the replay command a failure prints).
//
// The words the engine uses, each for one thing:
//
//   - account: one set of credentials of the target, with its own fleet
//     and its own rate limits (facts §15), and so its own pacer. The
//     accounts beside the main one keep their historical names: their
//     credentials are runner.TargetConfig.Lanes and their labels
//     "lane-1", "lane-2", … (the embedded emulator's); each is an
//     account, which holds one lane or more;
//   - share: a part of one account's allow-listed instances, which only
//     one lane moves;
//   - lane: one worker, an (account, share) pair, with its own observer;
//     it runs one unit at a time;
//   - shard: a part of the state machine's sequences (SI-PROP-01 is split
//     into shards, one a lane);
//   - unit: one piece of scheduled work, a check or one shard of one.
package conformance
