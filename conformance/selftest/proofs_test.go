package selftest

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/conformance"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/report"
)

// TestChecksCatchFaults proves the checks: against an emulator with one
// fault, the checks of the rule it breaks fail, and the others of the
// area still pass. An unproven check is a guess.
func TestChecksCatchFaults(t *testing.T) {
	t.Parallel()
	for _, c := range FaultProofs {
		t.Run(c.Fault+"/"+strings.Join(c.Only, ","), func(t *testing.T) {
			t.Parallel()
			// A fixed seed: the same requests every time, so that a
			// fault is caught by design, not by luck.
			units := &unitResults{}
			res, err := conformance.Run(context.Background(), conformance.Config{Target: withFaultsOn(t, c.Needs, c.Fault), Only: c.Only, Sequences: 20,
				SettleTimeout: 2 * time.Second, Seed: 1, Progress: units})
			require.NoError(t, err)
			// A check split into shards is failed by the first shard that
			// fails: the others stop rather than find and shrink another.
			for id, n := range units.failed() {
				require.Equal(t, 1, n, "%s: shards that failed", id)
			}
			for _, r := range res.Checks {
				wantFail := slices.Contains(c.Catch, r.ID)
				if wantFail {
					require.Equal(t, report.Fail, r.Status, "%s should catch %s: %s\n%s", r.ID, c.Fault, r.Reason, r.Counterexample)
					require.NotEmpty(t, r.Counterexample)
					require.Contains(t, r.Replay, "--only "+r.ID)
				} else if r.Status != report.Skip {
					require.Equal(t, report.Pass, r.Status, "%s is not about %s: %s\n%s", r.ID, c.Fault, r.Reason, r.Counterexample)
				}
			}
		})
	}
}

// withFaultsOn starts a private embedded emulator with the variant
// choices variants (a proof's Needs) and faults, and returns its target
// configuration; it is closed when the test ends.
func withFaultsOn(t *testing.T, variants emulator.Choices, faults ...string) runner.TargetConfig {
	t.Helper()
	emu, err := emulator.StartEmbedded(emulator.EmbeddedOptions{Latency: 30 * time.Millisecond, Faults: faults, Variants: variants})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	return emu.Target()
}

// unitResults records the result of every unit a run carries out (each
// shard of a sharded check on its own).
type unitResults struct {
	mu  sync.Mutex
	all []report.Check
}

func (u *unitResults) Start(string, string) {}
func (u *unitResults) Note(string, ...any)  {}
func (u *unitResults) Done(c report.Check) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.all = append(u.all, c)
}

// failed counts, by check, the units that failed.
func (u *unitResults) failed() map[string]int {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := map[string]int{}
	for _, c := range u.all {
		if c.Status == report.Fail {
			n[c.ID]++
		}
	}
	return n
}
