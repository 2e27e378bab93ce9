package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
)

// embeddedLatency is the operation latency of the embedded emulator: short,
// so that `make run` is quick, and long enough that a listing sent right
// after a start or stop sees STARTING or STOPPING even on a busy 2-core
// machine (at 20 ms, SI-STATE-12 skipped there: every start had ended
// before its listing).
const embeddedLatency = 100 * time.Millisecond

// target is a reached target: its configuration, how reports name it,
// and what to close.
type target struct {
	cfg      runner.TargetConfig
	name     string // e.g. "the embedded emulator" or the endpoint URL
	url      string
	embedded bool
	close    func()
}

// open reaches the target t resolves to: for the embedded emulator it
// starts one on loopback, with seed for its random choices; any other
// target it takes as resolved. The caller must close the target.
func (t targetConfig) open(seed uint64) (target, error) {
	cfg := t.runner
	cfg.Allowed = func(id string) bool { return t.allowAll || slices.Contains(t.allowed, id) }
	if !t.embedded() {
		return target{cfg: cfg, name: t.name, url: cfg.Endpoint, close: func() {}}, nil
	}
	emu, err := emulator.StartEmbedded(emulator.EmbeddedOptions{Latency: embeddedLatency, RateLimit: cfg.StopRateLimit,
		Variants: t.variants, Faults: t.faults, Seed: seed})
	if err != nil {
		return target{}, fmt.Errorf("starting the embedded emulator: %w", err)
	}
	cfg.Endpoint, cfg.Cred, cfg.Cred2, cfg.Lanes = emu.URL, emu.Cred, emu.Cred2, emu.Lanes
	return target{cfg: cfg, name: "the embedded emulator", url: emu.URL, embedded: true, close: func() { emu.Close() }}, nil
}
