package conformance

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/report"
)

// TestConformance runs the whole suite against the target under test (the
// embedded emulator unless -endpoint says otherwise), one subtest a check.
func TestConformance(t *testing.T) {
	sequences := *flagSequences
	if testing.Short() {
		sequences /= 5
	}
	res, err := Run(context.Background(), Config{Target: targetConfig(t), TargetName: "test target",
		Strict: *flagStrict, Seed: *flagSeed, Sequences: sequences,
		Replay: func(seed uint64, check string) string {
			return "go test ./conformance -run 'TestConformance/" + check + "$' -seed " + uintString(seed)
		}})
	require.NoError(t, err)
	require.NotEmpty(t, res.Checks)
	for _, c := range res.Checks {
		t.Run(c.ID, func(t *testing.T) {
			switch c.Status {
			case report.Fail:
				t.Errorf("%s: %s\n%s\nreplay: %s", c.Title, c.Reason, c.Counterexample, c.Replay)
			case report.Error:
				t.Errorf("%s could not be carried out: %s\n%s", c.Title, c.Reason, c.Counterexample)
			case report.Skip:
				t.Skip(c.Reason)
			}
		})
	}
}

// TestStrictModePassesTheReferenceEmulator: the reference emulator answers
// the strict code of the first rule broken, so it passes in strict mode too.
func TestStrictModePassesTheReferenceEmulator(t *testing.T) {
	if *flagEndpoint != "" {
		t.Skip("about the embedded emulator")
	}
	res, err := Run(context.Background(), Config{Target: targetConfig(t), Strict: true, Sequences: 5,
		Only: []string{"SI-PROTO", "SI-AUTH", "SI-PARAM", "SI-BATCH", "SI-ID", "SI-STATE-0", "SI-ATOMIC", "SI-HOSTILE"}})
	require.NoError(t, err)
	for _, c := range res.Checks {
		require.NotEqual(t, report.Fail, c.Status, "%s: %s\n%s", c.ID, c.Reason, c.Counterexample)
		require.NotEqual(t, report.Error, c.Status, "%s: %s", c.ID, c.Reason)
	}
}

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
			target := withFaults(t, c.Fault)
			if len(c.Needs) > 0 {
				target = withEmulator(t, runner.EmbeddedOptions{Latency: testLatency, Faults: []string{c.Fault}, Variants: c.Needs})
			}
			res, err := Run(context.Background(), Config{Target: target, Only: c.Only, Sequences: 20,
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

func uintString(n uint64) string { return strconv.FormatUint(n, 10) }

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
