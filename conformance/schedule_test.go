package conformance

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/report"
)

// The plan: every check once (the state machine in shards that add up to
// its sequences), the second account's checks on the main lane, cheap
// checks first in every lane, and only DescribeInstances sent to make it.
func TestPlanCoversEveryCheckOnce(t *testing.T) {
	t.Parallel()
	cfg := withEmulator(t, runner.EmbeddedOptions{Latency: testLatency})
	c, checks, err := prepare(Config{Target: cfg, Sequences: 37})
	require.NoError(t, err)
	lanes, shared, err := open(context.Background(), c)
	require.NoError(t, err)
	require.Len(t, lanes, 1+len(cfg.Lanes))
	plan, finals := makePlan(checks, lanes, c)

	seen := map[string]int{}
	sequences := 0
	for k, units := range plan {
		for i, u := range units {
			seen[u.check.ID]++
			if u.check.ID == propertyID {
				sequences += shardSequences(c.Sequences, u.shard, u.shards)
			}
			if u.check.Needs.SecondAccount {
				require.Zero(t, k, "%s needs the second account, which only the main lane holds", u.check.ID)
			}
			if i > 0 {
				require.LessOrEqual(t, units[i-1].cost, u.cost, "cheap checks first in lane %d", k)
			}
		}
	}
	require.Equal(t, 37, sequences, "the shards run all the sequences")
	for _, ch := range checks {
		switch {
		case ch.Final:
			require.Contains(t, finals, ch)
		case ch.ID == propertyID:
			require.Equal(t, len(lanes), seen[ch.ID], "one shard a lane")
		default:
			require.Equal(t, 1, seen[ch.ID], ch.ID)
		}
	}
	for _, x := range shared.log.Since(0) {
		require.Equal(t, model.ActionDescribe, x.Call.Action, "making the plan mutates nothing")
	}
	p := describePlan(plan, finals, lanes, c)
	require.Greater(t, p.Sequential, p.CriticalPath, "lanes shorten the run")
	require.Contains(t, p.String(), "estimated critical path")
}

func TestExclude(t *testing.T) {
	t.Parallel()
	all := Catalog()
	out, err := Exclude(all, []string{"si-rate", "SI-CONC-01"})
	require.NoError(t, err)
	require.Len(t, out, len(all)-7)
	require.False(t, slices.ContainsFunc(out, func(c *Check) bool { return c.ID == "SI-RATE-03" || c.ID == "SI-CONC-01" }))
	require.True(t, slices.ContainsFunc(out, func(c *Check) bool { return c.ID == "SI-CONC-02" }))
	_, err = Exclude(all, []string{"SI-NOPE"})
	require.ErrorContains(t, err, "--skip SI-NOPE matches no check")
}

// With FailFast, no check starts after the first failure; the rest are
// listed as not run, with the reason.
func TestFailFast(t *testing.T) {
	t.Parallel()
	cfg := withFaults(t, "malformed-id-not-found")
	res, err := Run(context.Background(), Config{Target: cfg, Seed: 1, Sequences: 10, FailFast: true})
	require.NoError(t, err)
	fails, notRun := 0, 0
	for _, c := range res.Checks {
		switch {
		case c.Status == "fail":
			fails++
		case strings.HasPrefix(c.Reason, "not run:"):
			notRun++
			require.Contains(t, c.Reason, "--fail-fast: SI-")
		}
	}
	require.GreaterOrEqual(t, fails, 1)
	require.Greater(t, notRun, 40, "most checks never start")
	require.Less(t, res.Duration, 20*time.Second)
}

// A run whose context ends lists every check, with the true requests and
// time, and the checks not started as not run with the cause. Wherever the
// cut falls, it fails nothing and breaks nothing: a request the suite
// gave up on says nothing of the target, and a paced check stops pacing.
func TestRunCutShortIsWhole(t *testing.T) {
	t.Parallel()
	for _, budget := range []time.Duration{700 * time.Millisecond, 2 * time.Second, 3500 * time.Millisecond} {
		t.Run(budget.String(), func(t *testing.T) {
			t.Parallel()
			cfg := withEmulator(t, runner.EmbeddedOptions{Latency: testLatency})
			ctx, cancel := context.WithTimeoutCause(context.Background(), budget, errTestBudget)
			defer cancel()
			res, err := Run(ctx, Config{Target: cfg, Seed: 1})
			require.ErrorIs(t, err, ErrCannotRun)
			require.Len(t, res.Checks, len(Catalog()))
			sum := 0
			for _, c := range res.Checks {
				sum += c.Requests
				require.Contains(t, []report.Status{report.Pass, report.Skip}, c.Status,
					"%s was cut short, not broken: %s", c.ID, c.Reason)
			}
			require.Positive(t, sum)
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
