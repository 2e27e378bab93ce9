package conformance

import (
	"context"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/report"
)

// This file holds a run's configuration: Config as the caller gives it,
// and prepare, the engine's entrance, which resolves it once into the
// runConfig the plan and the executor read. Every default is filled in
// there and the target's endpoint is asked about there (is it on this
// machine?); nothing below prepare asks again or derives a default.

// Config is one conformance run.
type Config struct {
	Target runner.TargetConfig
	// TargetName names the target in reports, e.g. "http://127.0.0.1:8080
	// (embedded emulator)".
	TargetName string
	Strict     bool
	// Seed makes the run reproducible: it seeds the state machine and every
	// random choice of the directed checks. 0 picks one.
	Seed uint64
	// Sequences is how many state-machine sequences SI-PROP-01 runs (100
	// if zero); Steps their mean length (4 if zero).
	Sequences, Steps int
	// Only selects checks by ID prefix (see Select).
	Only []string
	// Progress receives the run's progress; nil for none.
	Progress Progress
	// Replay renders the command that replays one check with a seed;
	// RunCommand{}.Line if nil.
	Replay func(seed uint64, check string) string
	// Artifacts is a directory for files a failure refers to (such as a
	// linearizability visualisation); "" keeps them in the temp dir.
	Artifacts string
	// SettleTimeout bounds how long an operation may take; 0 picks one
	// for the target (runner.SettleTimeout).
	SettleTimeout time.Duration
	// FailFast stops starting checks after the first failure; the checks
	// not started are reported as skipped, "not run", with the reason.
	// (The run's own budget is its context: a deadline, or a cancellation
	// on SIGINT or SIGTERM, likewise leaves the checks not started listed
	// as not run, with context.Cause as the reason.)
	FailFast bool
	// Skip leaves out the checks whose ID starts with one of these
	// prefixes (the inverse of Only).
	Skip []string
	// LanesPerAccount is how many lanes share out one account's
	// allow-listed instances, running checks side by side under the
	// account's one pacer (see discover.go). 0 picks as many as the
	// instances and the checks' needs allow, at most MaxLanesPerAccount;
	// 1 runs one check at a time per account.
	LanesPerAccount int
	// Instances are the instance IDs the allow-list names (--instances):
	// each must be listed by one of the target's accounts, or the run
	// cannot be made (a typo would otherwise leave every check that
	// moves an instance skipped, and the verdict green).
	Instances []string
	// RestoreTimeout bounds the restore at the run's end, which puts back
	// every instance the run stopped or started (see restore.go); 0 picks
	// twice the settle bound.
	RestoreTimeout time.Duration
	// Halt, once ended, skips that restore, or cuts it short: the CLI ends
	// it on a second SIGINT or SIGTERM. nil never ends.
	Halt context.Context
	// Shard, when positive, runs only that shard (numbered from 1, as
	// reports name them) of the state machine SI-PROP-01, as the run with
	// the same seed, Sequences and fleet plans it: its sequences, its
	// rapid seed, its lane. The replay of a failing shard names it.
	Shard int

	_ struct{}
}

// Progress is told about the run as it goes (report.Progress fits).
type Progress interface {
	Start(id, title string)
	Done(c report.Check)
	Note(format string, args ...any)
}

type noProgress struct{}

func (noProgress) Start(string, string) {}
func (noProgress) Done(report.Check)    {}
func (noProgress) Note(string, ...any)  {}

// MaxLanesPerAccount bounds how many lanes share out one account's
// instances when Config.LanesPerAccount is 0.
const MaxLanesPerAccount = 4

// minShardSequences is the fewest sequences a shard of the state machine
// runs: against a slow target each sequence waits out its transitions,
// so the more shards, the shorter the run.
const minShardSequences = 2

// runConfig is a run's configuration as the engine uses it: Config with
// every default filled in and every question about the target answered,
// once, by prepare. The plan, the executor and the checks read it; none
// of them writes it.
type runConfig struct {
	target     runner.TargetConfig // its Transcript is never nil
	targetName string
	strict     model.Strictness
	seed       uint64
	progress   Progress
	replay     func(seed uint64, check string) string
	artifacts  string
	failFast   bool
	instances  []string
	halt       context.Context // never nil

	// What follows from whether the target is on this machine
	// (runner.Loopback): how long an operation may take, and how long
	// the plan assumes one takes.
	settle     time.Duration // the settle bound
	restore    time.Duration // the bound on the restore at the run's end
	transition time.Duration // the operation time the plan's estimates assume

	// The state machine's: its sequences and their mean length, the most
	// shards it is split into (one a lane, each of minShardSequences
	// sequences or more), and the one shard to run (Config.Shard; 0 for
	// all).
	sequences, steps int
	maxShards        int
	shard            int

	// lanesPerAccount is the most lanes an account's instances are
	// shared out among.
	lanesPerAccount int
}

// DefaultSequences is how many state-machine sequences SI-PROP-01 runs
// when Config.Sequences is 0 (run's --checks default).
const DefaultSequences = 100

// prepare is the engine's entrance: it checks the catalog, selects the
// checks, and resolves cfg into the run's configuration.
func prepare(cfg Config) (runConfig, []*Check, error) {
	if err := validate(Catalog()); err != nil {
		return runConfig{}, nil, err
	}
	checks, err := Selected(cfg.Only, cfg.Skip)
	if err != nil {
		return runConfig{}, nil, err
	}
	rc := runConfig{target: cfg.Target, targetName: cfg.TargetName, seed: cfg.Seed, progress: cfg.Progress,
		replay: cfg.Replay, artifacts: cfg.Artifacts, failFast: cfg.FailFast, instances: cfg.Instances, halt: cfg.Halt,
		settle: cfg.SettleTimeout, restore: cfg.RestoreTimeout, transition: planTransition(runner.Loopback(cfg.Target.Endpoint)),
		sequences: cfg.Sequences, steps: cfg.Steps, shard: cfg.Shard, lanesPerAccount: cfg.LanesPerAccount}
	if cfg.Strict {
		rc.strict = model.Strict
	}
	if rc.target.Transcript == nil {
		rc.target.Transcript = &runner.Transcript{}
	}
	if rc.seed == 0 {
		rc.seed = NewSeed()
	}
	if rc.progress == nil {
		rc.progress = noProgress{}
	}
	if rc.replay == nil {
		rc.replay = RunCommand{}.Line
	}
	if rc.halt == nil {
		rc.halt = context.Background()
	}
	if rc.settle == 0 {
		rc.settle = runner.SettleTimeout(cfg.Target.Endpoint)
	}
	if rc.restore == 0 {
		rc.restore = restoreBound(rc.settle)
	}
	if rc.sequences == 0 {
		rc.sequences = DefaultSequences
	}
	if rc.steps == 0 {
		rc.steps = 4
	}
	rc.maxShards = max(rc.sequences/minShardSequences, 1)
	if rc.lanesPerAccount <= 0 {
		rc.lanesPerAccount = MaxLanesPerAccount
	}
	return rc, checks, nil
}

// planTransition is how long an operation is assumed to take when the plan
// estimates a check's time: short on this machine, tens of seconds on a
// cloud (facts §16). It orders the work; it never judges it.
func planTransition(loopback bool) time.Duration {
	if loopback {
		return 100 * time.Millisecond
	}
	return 20 * time.Second
}

// restoreBound is the default bound on the restore at a run's end: an
// operation in flight may take the settle bound to end, and the start (or
// stop) that undoes it as long again.
func restoreBound(settle time.Duration) time.Duration { return 2 * settle }
