package conformance

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/report"
)

// The transient-state checks (transient.go) are judged by timing, so their
// precision is proven on every way the emulator may time an operation and
// show its operation state (variants latency and op-state, ledger L-16):
// a correct target never fails them, whether it is too fast to show
// STARTING, slower than the trials, or shows SUCCESS ahead of the state.
// The latencies are those the self-test draws, and 1s; the real cloud's
// 10s-30s and the 60s choice take minutes a run, and were run by hand
// (emulate --variant latency=10s-30s; run --only SI-STATE-12,SI-STATE-13).
func TestTransientChecksPassEveryTiming(t *testing.T) {
	t.Parallel()
	op, _ := emulator.VariantNamed(emulator.VariantOpState)
	for _, latency := range []string{"0s", "50ms", "300ms", "1s", "100ms-1s"} {
		for _, opState := range op.Choices {
			t.Run(latency+"/"+opState, func(t *testing.T) {
				t.Parallel()
				cfg := withEmulator(t, emulator.EmbeddedOptions{Variants: emulator.Choices{
					emulator.VariantLatency: latency, emulator.VariantOpState: opState}})
				res, err := Run(context.Background(), Config{Target: cfg, Only: []string{"SI-STATE-12", "SI-STATE-13"}, Seed: 1})
				require.NoError(t, err)
				for _, c := range res.Checks {
					require.NotEqual(t, report.Fail, c.Status, "%s: %s\n%s", c.ID, c.Reason, c.Counterexample)
					require.NotEqual(t, report.Error, c.Status, "%s: %s\n%s", c.ID, c.Reason, c.Counterexample)
					if c.Status == report.Skip {
						require.Contains(t, c.Reason, "cannot prove the state at the time of the stop", c.ID)
					}
				}
			})
		}
	}
}

// A target that accepts a stop of a STARTING instance is caught on every
// op-state variant once its starts last long enough to be listed.
func TestStopWhileStartingCaughtOnEveryOpState(t *testing.T) {
	t.Parallel()
	op, _ := emulator.VariantNamed(emulator.VariantOpState)
	for _, opState := range op.Choices {
		t.Run(opState, func(t *testing.T) {
			t.Parallel()
			cfg := withEmulator(t, emulator.EmbeddedOptions{Faults: []string{emulator.FaultStopWhileStarting},
				Variants: emulator.Choices{emulator.VariantLatency: "1s", emulator.VariantOpState: opState}})
			res, err := Run(context.Background(), Config{Target: cfg, Only: []string{"SI-STATE-12"}, Seed: 1})
			require.NoError(t, err)
			c := checkByID(t, res, "SI-STATE-12")
			require.Equal(t, report.Fail, c.Status, "%s\n%s", c.Reason, c.Counterexample)
			require.Contains(t, c.Reason, "at most 7.4e-07")
		})
	}
}

// rankBound is C(n,m)/C(n+k,m): 1 with no evidence, falling with every
// timed start that outlasts the trials, and 1/C(n+k,k) when all do — the
// check's constants reach its bound only then.
func TestRankBound(t *testing.T) {
	t.Parallel()
	binom := func(n, k int) float64 {
		r := 1.0
		for i := 1; i <= k; i++ {
			r = r * float64(n-k+i) / float64(i)
		}
		return r
	}
	for n := 1; n <= 15; n++ {
		for k := 1; k <= 15; k++ {
			require.Equal(t, 1.0, rankBound(n, k, 0))
			for m := 1; m <= n; m++ {
				require.InEpsilon(t, binom(n, m)/binom(n+k, m), rankBound(n, k, m), 1e-9, "n=%d k=%d m=%d", n, k, m)
				require.Less(t, rankBound(n, k, m), rankBound(n, k, m-1))
			}
		}
	}
	require.Less(t, rankBound(transientTimed, transientTrials, transientTimed), transientBound)
	require.Greater(t, rankBound(transientTimed, transientTrials, transientTimed-1), transientBound, "one slow timed start is enough to withhold the verdict")
}

// The transient check's numbers read as what was seen: a start no listing
// saw STARTING is said to have ended by the next listing, never to have
// stayed so "more than 0 ms" (a new user's finding).
func TestTransientWording(t *testing.T) {
	t.Parallel()
	require.Equal(t, "the next listing showed that start ended", startSeen(0))
	require.Equal(t, "listings showed that start STARTING (OPERATING) until 296 ms after its answer", startSeen(296*time.Millisecond))
	require.Equal(t, "no listing after any of them showed STARTING (OPERATING)", timedSeen([]time.Duration{0, 0, 0}))
	require.Equal(t, "listings saw 2 of them STARTING (OPERATING) until 5, 9 ms after their answer; the next listing after the other 1 showed them ended",
		timedSeen([]time.Duration{9 * time.Millisecond, 0, 5 * time.Millisecond}))
	require.Equal(t, "listings saw them STARTING (OPERATING) until 5, 9 ms after their answer",
		timedSeen([]time.Duration{9 * time.Millisecond, 5 * time.Millisecond}))
}
