package conformance

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/report"
)

// Verdicts one can trust (DESIGN): the three false FAILs found against
// servers the suite's authors did not write, each shown against the
// emulator variant or fault that reproduces it.

// withEmulator starts a private embedded emulator with the given options
// and returns its target configuration; it is closed when the test ends.
func withEmulator(t *testing.T, o emulator.EmbeddedOptions) runner.TargetConfig {
	t.Helper()
	if *flagEndpoint != "" {
		t.Skip("about the embedded emulator")
	}
	emu, err := emulator.StartEmbedded(o)
	require.NoError(t, err)
	t.Cleanup(func() { emu.Close() })
	return emu.Target()
}

func checkByID(t *testing.T, res report.Run, id string) report.Check {
	t.Helper()
	for _, c := range res.Checks {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no result for %s", id)
	return report.Check{}
}

// onlyFailure returns the run's one failing check; the test fails if there
// is not exactly one.
func onlyFailure(t *testing.T, res report.Run) report.Check {
	t.Helper()
	var fails []report.Check
	for _, c := range res.Checks {
		if c.Status == report.Fail {
			fails = append(fails, c)
		}
	}
	require.Len(t, fails, 1, "the verdict is reported once: %+v", fails)
	return fails[0]
}

// A server that serves only its own region refuses the Finance region even
// at its Finance host. The probe that establishes SI-PROTO-07's
// precondition must skip, not fail (finding 1 of issue 9).
//
// In lenient mode the model accepts the refusal (ledger L-26); in strict
// mode it does not (the real API serves every listed region), and only
// the probe rule keeps the check from failing.
func TestOneRegionTargetSkipsTheFinanceCheck(t *testing.T) {
	t.Parallel()
	for _, strict := range []bool{false, true} {
		cfg := withEmulator(t, emulator.EmbeddedOptions{Latency: testLatency,
			Variants: emulator.Choices{"proto-region-not-served": "UnsupportedRegion"}})
		res, err := Run(context.Background(), Config{Target: cfg, Only: []string{"SI-PROTO"}, Seed: 1, Strict: strict})
		require.NoError(t, err)
		for _, c := range res.Checks {
			require.NotEqual(t, report.Fail, c.Status, "strict=%v %s: %s\n%s", strict, c.ID, c.Reason, c.Counterexample)
		}
		c := checkByID(t, res, "SI-PROTO-07")
		require.Equal(t, report.Skip, c.Status)
		require.Contains(t, c.Reason, "UnsupportedRegion")
		// Where an instance lives cannot be shown with one region: the
		// region checks skip, naming the region refused and the ledger.
		for _, id := range []string{"SI-PROTO-14", "SI-PROTO-15"} {
			c := checkByID(t, res, id)
			require.Equal(t, report.Skip, c.Status, "%s: %s", id, c.Reason)
			require.Contains(t, c.Reason, "ap-shanghai")
			require.Contains(t, c.Reason, "UnsupportedRegion")
			require.Contains(t, c.Reason, "L-26")
		}
	}
}

// A server whose operations take seconds passes when the bound covers
// them (finding 2): the bound is the user's, never a hidden constant.
func TestSlowTargetPassesWithinTheBound(t *testing.T) {
	t.Parallel()
	cfg := withEmulator(t, emulator.EmbeddedOptions{Variants: emulator.Choices{emulator.VariantLatency: "1s-2s", emulator.VariantOpState: "ahead"}})
	res, err := Run(context.Background(), Config{Target: cfg, Only: []string{"SI-PROTO-10", "SI-ASYNC-01", "SI-ASYNC-02"},
		Seed: 1, SettleTimeout: 10 * time.Second})
	require.NoError(t, err)
	for _, c := range res.Checks {
		require.Equal(t, report.Pass, c.Status, "%s: %s\n%s", c.ID, c.Reason, c.Counterexample)
	}
}

// A target slower than the bound fails once, under the rule it breaks
// (SI-ASYNC-07: an operation must end), and the report calls it slow: the
// operation ended later, within twice the bound. The check that met it,
// and the later checks that need a transition, skip at once, naming where
// it is reported.
func TestSlowerThanTheBoundFailsOnceAsSlow(t *testing.T) {
	t.Parallel()
	cfg := withEmulator(t, emulator.EmbeddedOptions{Variants: emulator.Choices{emulator.VariantLatency: "1s"}})
	start := time.Now()
	res, err := Run(context.Background(), Config{Target: cfg, Only: []string{"SI-PROTO-10", "SI-PROTO-11", "SI-ASYNC-01", "SI-PROTO-03"},
		Seed: 1, SettleTimeout: 700 * time.Millisecond})
	require.NoError(t, err)
	first := onlyFailure(t, res)
	require.Equal(t, stuckCheckID, first.ID, "reported under the rule it breaks, although not selected")
	require.Contains(t, first.Reason, "slow:", "after the run the instance had ended: slow, not stuck")
	for _, id := range []string{"SI-PROTO-10", "SI-PROTO-11", "SI-ASYNC-01"} {
		c := checkByID(t, res, id)
		require.Equal(t, report.Skip, c.Status, "%s: %s", id, c.Reason)
		require.Contains(t, c.Reason, "reported under "+stuckCheckID, "the check that met it, and the others, name where it is reported")
	}
	require.Equal(t, report.Pass, checkByID(t, res, "SI-PROTO-03").Status, "a check that needs no transition still runs")
	require.Less(t, time.Since(start), 10*time.Second, "the bound is waited out once, not once per check")
}

// A target whose stops never end gets its verdict once, quickly, under
// the rule it breaks, and the report calls it stuck; the check that met
// it (here SI-PROTO-10, a signature check) skips, naming it, rather than
// sending the reader to the signature code.
func TestStuckTargetFailsOnceAsStuck(t *testing.T) {
	t.Parallel()
	cfg := withFaults(t, emulator.FaultStuckStopping)
	start := time.Now()
	res, err := Run(context.Background(), Config{Target: cfg, Only: []string{"SI-PROTO-10", "SI-PROTO-11", "SI-PROTO-12", "SI-ASYNC", "SI-BATCH-04", "SI-PROP-01"},
		Seed: 1, Sequences: 5, SettleTimeout: time.Second})
	require.NoError(t, err)
	first := onlyFailure(t, res)
	require.Equal(t, stuckCheckID, first.ID)
	require.Contains(t, first.Reason, "stuck:", first.Reason)
	require.Contains(t, first.Reason, "never ended")
	for _, c := range res.Checks {
		if c.ID != first.ID {
			require.Equal(t, report.Skip, c.Status, "%s: %s", c.ID, c.Reason)
			require.Contains(t, c.Reason, stuckCheckID, "%s: %s", c.ID, c.Reason)
		}
	}
	require.Less(t, time.Since(start), 10*time.Second)
}

// The real cloud showed SUCCESS while an instance was still STOPPING
// (facts §16); a target doing the same passes the whole async area and
// the state machine (finding 3).
func TestOperationStateAheadPasses(t *testing.T) {
	t.Parallel()
	cfg := withEmulator(t, emulator.EmbeddedOptions{Variants: emulator.Choices{emulator.VariantLatency: "200ms", emulator.VariantOpState: "ahead"}})
	res, err := Run(context.Background(), Config{Target: cfg, Only: []string{"SI-ASYNC", "SI-STATE-0", "SI-PROP-01"}, Seed: 1, Sequences: 10})
	require.NoError(t, err)
	for _, c := range res.Checks {
		require.NotEqual(t, report.Fail, c.Status, "%s: %s\n%s", c.ID, c.Reason, c.Counterexample)
		require.NotEqual(t, report.Error, c.Status, "%s: %s", c.ID, c.Reason)
	}
}

// A limiter half as fast as documented that bursts to twice its rate (a
// token bucket: the self-test's first miss) is still caught, by paced
// traffic long enough to empty its burst.
func TestHalfRateBurstyLimiterIsCaught(t *testing.T) {
	t.Parallel()
	cfg := withEmulator(t, emulator.EmbeddedOptions{Latency: testLatency, Faults: []string{emulator.FaultStrictRateLimit},
		Variants: emulator.Choices{emulator.VariantLimiter: "token"}})
	res, err := Run(context.Background(), Config{Target: cfg, Only: []string{"SI-RATE-02"}, Seed: 1})
	require.NoError(t, err)
	c := checkByID(t, res, "SI-RATE-02")
	require.Equal(t, report.Fail, c.Status, c.Reason)
	require.Contains(t, c.Reason, "RATE-TOO-STRICT")
}

// A start after a STOP_CHARGING stop may fail (ledger L-24): a check that
// needs a start to succeed gets STOPPED instances whose start cannot fail
// (the self-test's first precision miss: SI-ASYNC-03 took the fleet's
// STOPPED instance stopped with STOP_CHARGING, and its start failed).
func TestStoppedInstancesCanStart(t *testing.T) {
	t.Parallel()
	cfg := withEmulator(t, emulator.EmbeddedOptions{Latency: testLatency, Lanes: -1})
	s := openLanes(t, Config{Target: cfg, Seed: 1, SettleTimeout: 5 * time.Second})[0]
	stopped := s.allowedIn(model.Stopped)
	noCharge := 0
	for _, id := range stopped {
		if s.obs.Possible(id)[0].StopChargingMode == model.StopCharging {
			noCharge++
		}
	}
	require.Positive(t, noCharge, "the default fleet has a STOPPED instance stopped with STOP_CHARGING")
	c := s.newCtx(context.Background(), &Check{ID: "SI-TEST"})
	ids, err := c.Stopped(len(stopped))
	require.NoError(t, err)
	require.Len(t, ids, len(stopped))
	for _, id := range ids {
		require.NotEqual(t, model.StopCharging, s.obs.Possible(id)[0].StopChargingMode, "%s's start may fail", id)
	}
	require.NoError(t, s.reset(c))
}

// SI-PROTO-14 judges a listing of an instance of its own lane's share: a
// server that lists every instance in every region fails it whichever
// lane runs it, not only when it runs alone (a new user's finding: with
// the whole suite it ran on a lane that is not its account's first share,
// picked the first share's instance, which that lane's observer cedes,
// and judged nothing).
func TestRegionListingJudgedOnEveryShare(t *testing.T) {
	t.Parallel()
	cfg := withFaults(t, emulator.FaultRegionsOneFleet)
	run := Config{Target: cfg, Only: []string{"SI-PROTO-14", "SI-ACCT", "SI-STATE", "SI-AUTH", "SI-ID", "SI-PARAM"}, Seed: 1}
	plan, err := Schedule(context.Background(), run)
	require.NoError(t, err)
	lane := ""
	for _, l := range plan.Lanes {
		if slices.Contains(l.Checks, "SI-PROTO-14") {
			lane = l.Lane
		}
	}
	require.Regexp(t, `/[2-9]$`, lane, "the plan puts the check on a later share:\n%s", plan)
	res, err := Run(context.Background(), run)
	require.NoError(t, err)
	c := checkByID(t, res, "SI-PROTO-14")
	require.Equal(t, report.Fail, c.Status, "%s", c.Reason)
}
