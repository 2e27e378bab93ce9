package conformance

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/report"
)

// The plan: every check once (the state machine in shards that add up to
// its sequences), the second account's checks on the main account's
// lanes, cheap checks first in every lane, every account's instances
// shared out among several lanes that judge disjoint instances, and only
// DescribeInstances sent to make it.
func TestPlanCoversEveryCheckOnce(t *testing.T) {
	t.Parallel()
	cfg := withEmulator(t, emulator.EmbeddedOptions{Latency: testLatency})
	c, checks, err := prepare(Config{Target: cfg, Sequences: 37})
	require.NoError(t, err)
	lanes, shared, err := open(context.Background(), c, checks)
	require.NoError(t, err)
	owner := map[string]string{} // instance → the lane that judges it
	accounts := map[string]int{}
	for _, l := range lanes {
		accounts[l.account]++
		for _, id := range l.obs.IDs() {
			key := l.account + "/" + id
			require.Empty(t, owner[key], "%s is judged by two lanes of %s", id, l.account)
			owner[key] = l.name()
		}
	}
	require.Len(t, accounts, 1+len(cfg.Lanes))
	for a, n := range accounts {
		require.Greater(t, n, 1, "account %s's 118 movable instances are shared out", a)
	}
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
				require.Equal(t, runner.AccountMain, lanes[k].account, "%s needs the second account, which only the main account holds", u.check.ID)
			}
			require.Empty(t, lanes[k].lacks(u.check.Needs), "%s is on a lane that can serve it", u.check.ID)
			if i == 0 {
				continue
			}
			prev := units[i-1].check.Needs.WholeAccount
			switch {
			case prev && !u.check.Needs.WholeAccount:
				t.Fatalf("lane %d: %s needs the whole account, yet %s comes after it", k, units[i-1], u)
			case prev == u.check.Needs.WholeAccount:
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
			require.Equal(t, min(len(lanes), 37/minShardSequences), seen[ch.ID], "a shard a lane, two sequences or more each")
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
	rate := 0
	for _, c := range all {
		if strings.HasPrefix(c.ID, "SI-RATE-") {
			rate++
		}
	}
	require.GreaterOrEqual(t, rate, 2)
	require.Len(t, out, len(all)-rate-1, "every SI-RATE check and SI-CONC-01, matched without regard to case")
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

// shareOut, over any fleet and any needs: every instance in exactly one
// share; the first keeps enough for the most demanding check the account
// can serve; every other share serves the most demanding check that fits
// a most-th of the instances, and holds a STOPPED instance whenever the
// first share can keep one too.
func TestShareOutProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nRunning := rapid.IntRange(0, 130).Draw(t, "running")
		nStopped := rapid.IntRange(0, 8).Draw(t, "stopped")
		needs := rapid.SliceOfN(rapid.IntRange(1, 102), 1, 6).Draw(t, "needs")
		lanes := rapid.IntRange(0, MaxLanesPerAccount).Draw(t, "lanes")
		var running, stopped []string
		for i := range nRunning {
			running = append(running, fmt.Sprintf("ins-r%07d", i))
		}
		for i := range nStopped {
			stopped = append(stopped, fmt.Sprintf("ins-s%07d", i))
		}
		shares := shareOut(slices.Clone(running), slices.Clone(stopped), needs, lanes)

		total := nRunning + nStopped
		most := lanes
		if most == 0 {
			most = MaxLanesPerAccount
		}
		require.LessOrEqual(t, len(shares), most)
		var all []string
		for _, sh := range shares {
			all = append(all, sh...)
		}
		slices.Sort(all)
		want := append(slices.Clone(running), stopped...)
		slices.Sort(want)
		require.Equal(t, want, all, "every instance in exactly one share")

		big, small := 0, 0
		for _, n := range needs {
			if n <= total {
				big = max(big, n)
			}
			if n*most <= total {
				small = max(small, n)
			}
		}
		require.GreaterOrEqual(t, len(shares[0]), big, "the first share serves the most demanding check")
		stoppedIn := func(sh []string) int {
			n := 0
			for _, id := range sh {
				if strings.HasPrefix(id, "ins-s") {
					n++
				}
			}
			return n
		}
		for k, sh := range shares[1:] {
			require.GreaterOrEqual(t, len(sh), small, "share %d serves the check that fits a %d-th", k+2, most)
			if nStopped >= len(shares) {
				require.Equal(t, 1, stoppedIn(sh), "share %d holds a STOPPED instance", k+2)
			}
		}
		if nStopped > 0 {
			require.Positive(t, stoppedIn(shares[0]), "the first share keeps a STOPPED instance")
		}
	})
}
