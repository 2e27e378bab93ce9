package conformance

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/report"
)

// A run whose context ends lists every check, with the true requests and
// time, and the checks not started as not run with the cause. Wherever the
// cut falls, discovery included (1ms), it fails nothing and breaks
// nothing: a request the suite gave up on says nothing of the target, and
// a paced check stops pacing.
func TestRunCutShortIsWhole(t *testing.T) {
	t.Parallel()
	for _, budget := range []time.Duration{time.Millisecond, 700 * time.Millisecond, 2 * time.Second, 3500 * time.Millisecond} {
		t.Run(budget.String(), func(t *testing.T) {
			t.Parallel()
			cfg := withEmulator(t, emulator.EmbeddedOptions{Latency: testLatency})
			ctx, cancel := context.WithTimeoutCause(context.Background(), budget, errTestBudget)
			defer cancel()
			res, err := Run(ctx, Config{Target: cfg, Seed: 1})
			require.ErrorIs(t, err, ErrCutShort)
			require.Len(t, res.Checks, len(Catalog()))
			sum := 0
			for _, c := range res.Checks {
				sum += c.Requests
				require.Contains(t, []report.Status{report.Pass, report.Skip}, c.Status,
					"%s was cut short, not broken: %s", c.ID, c.Reason)
			}
			if budget >= 2*time.Second {
				// An earlier cut may fall before any check has sent one
				// (discovery of seven accounts, under the race detector).
				require.Positive(t, sum, "the checks' requests are counted")
			}
			require.GreaterOrEqual(t, res.Requests, sum, "the run's count holds every check's, and discovery's")
			notRun := 0
			for _, c := range res.Checks {
				if strings.HasPrefix(c.Reason, "not run:") {
					notRun++
					require.Contains(t, c.Reason, errTestBudget.Error())
				}
			}
			require.Positive(t, notRun)
			require.Less(t, res.Duration, budget+5*time.Second, "the budget holds, give or take a reset")
		})
	}
}

var errTestBudget = errTestCause("the test's budget ran out")

type errTestCause string

func (e errTestCause) Error() string { return string(e) }

// The state machine passes only if every shard passed: a shard cut short
// or not run makes the check a skip, a failing shard a failure.
func TestMergeShards(t *testing.T) {
	t.Parallel()
	pass := report.Check{ID: propertyID, Status: report.Pass, Requests: 10, Duration: time.Second}
	skip := report.Check{ID: propertyID, Status: report.Skip, Reason: "not run: stuck", Requests: 3, Duration: 2 * time.Second}
	fail := report.Check{ID: propertyID, Status: report.Fail, Reason: "OBSERVED-STATE", Requests: 5}
	got := mergeShards([]report.Check{pass, pass})
	require.Equal(t, report.Pass, got.Status)
	require.Equal(t, 20, got.Requests)
	got = mergeShards([]report.Check{pass, skip, pass})
	require.Equal(t, report.Skip, got.Status)
	require.Equal(t, skip.Reason, got.Reason)
	require.Equal(t, 23, got.Requests)
	require.Equal(t, 2*time.Second, got.Duration)
	got = mergeShards([]report.Check{skip, fail, pass})
	require.Equal(t, report.Fail, got.Status)
	require.Equal(t, fail.Reason, got.Reason)
}
