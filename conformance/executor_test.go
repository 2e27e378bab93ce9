package conformance

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/report"
)

// With FailFast, no check starts after the first failure; the rest are
// listed as not run, with the reason.
func TestFailFast(t *testing.T) {
	t.Parallel()
	cfg := withFaults(t, "malformed-id-not-found")
	res, err := Run(context.Background(), Config{Target: cfg, Seed: 1, Sequences: 10, FailFast: true, LanesPerAccount: 1})
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

// One account, its instances shared out among lanes: the run passes a
// conforming target (no lane judges another's instances, and the one
// pacer keeps the account under its limit), and a check that needs the
// whole account runs alone on it: no other check's request falls between
// its first and its last.
func TestOneAccountSharedOut(t *testing.T) {
	t.Parallel()
	cfg := withEmulator(t, emulator.EmbeddedOptions{Latency: 50 * time.Millisecond, Lanes: -1})
	cfg.Transcript = &runner.Transcript{}
	res, err := Run(context.Background(), Config{Target: cfg, Seed: 7, Sequences: 10, Only: []string{"SI-RATE-01", "SI-RATE-03", "SI-RATE-04", "SI-CONC", "SI-ASYNC", "SI-BATCH", "SI-PROP"}})
	require.NoError(t, err)
	for _, c := range res.Checks {
		require.Contains(t, []report.Status{report.Pass, report.Skip}, c.Status, "%s: %s", c.ID, c.Reason)
	}
	require.Greater(t, res.Lanes, 1, "the account's instances are shared out")

	whole := map[string]bool{}
	for _, c := range Catalog() {
		whole[c.ID] = c.Needs.WholeAccount
	}
	xs := cfg.Transcript.Since(0)
	type span struct{ first, last int }
	spans := map[string]*span{}
	for i, x := range xs {
		if whole[x.Check] {
			if spans[x.Check] == nil {
				spans[x.Check] = &span{first: i}
			}
			spans[x.Check].last = i
		}
	}
	require.NotEmpty(t, spans)
	for id, sp := range spans {
		for _, x := range xs[sp.first : sp.last+1] {
			require.Equal(t, id, x.Check, "%s needs the whole account, yet %s sent request %d (%s) meanwhile", id, x.Check, x.Seq, x.Summary())
		}
	}
}

// A lane out of work takes, from the lane with the most estimated work
// left, the last unit it can serve; never a check that needs the whole
// account.
func TestIdleLaneTakesWork(t *testing.T) {
	t.Parallel()
	cfg := withEmulator(t, emulator.EmbeddedOptions{Latency: testLatency, Lanes: -1})
	c, checks, err := prepare(Config{Target: cfg})
	require.NoError(t, err)
	lanes, _, err := open(context.Background(), c, checks)
	require.NoError(t, err)
	require.Greater(t, len(lanes), 1)
	byID := map[string]*Check{}
	for _, ch := range checks {
		byID[ch.ID] = ch
	}
	u := func(id string, cost time.Duration) unit { return unit{check: byID[id], shards: 1, cost: cost} }
	q := &laneQueues{lanes: lanes, units: make([][]unit, len(lanes))}
	q.units[0] = []unit{u("SI-ID-01", time.Second), u("SI-STATE-01", 3*time.Second), u("SI-RATE-01", 9*time.Second)}

	got, ok := q.steal(1)
	require.True(t, ok)
	require.Equal(t, "SI-STATE-01", got.check.ID, "the last it can serve that needs no whole account")
	got, _ = q.steal(1)
	require.Equal(t, "SI-ID-01", got.check.ID)
	_, ok = q.steal(1)
	require.False(t, ok, "the whole-account check stays where it was planned")
	_, ok = q.own(0, false)
	require.False(t, ok)
	got, _ = q.own(0, true)
	require.Equal(t, "SI-RATE-01", got.check.ID)

	q.units[0] = []unit{u("SI-STATE-06", time.Second)}
	lacking := 0
	for k := 1; k < len(lanes); k++ {
		if lanes[k].lacks(byID["SI-STATE-06"].Needs) != "" {
			lacking++
			_, ok = q.steal(k)
			require.False(t, ok, "lane %s lacks a prepaid instance", lanes[k].name())
		}
	}
	require.Positive(t, lacking, "the prepaid instances are not on every lane")
}
