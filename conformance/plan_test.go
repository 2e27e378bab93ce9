package conformance

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
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
	summary := summaries(lanes)
	plan, finals := makePlan(checks, c, summary)

	seen := map[string]int{}
	sequences := 0
	for k, units := range plan {
		for i, u := range units {
			seen[u.check.ID]++
			if u.check.ID == propertyID {
				sequences += u.sequences
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
	p := describePlan(plan, finals, summary, c)
	require.Greater(t, p.Sequential, p.CriticalPath, "lanes shorten the run")
	require.Contains(t, p.String(), "estimated critical path")
}

// makePlan, a pure function, over made-up lanes and checks. The costs
// the cases rely on (operations of 100ms): a check that moves no
// instance 150ms, one that moves some 350ms, a state-machine sequence of
// 4 steps 800ms.
func TestPlanAssigns(t *testing.T) {
	t.Parallel()
	instances := func(n int, p model.Instance) []model.Instance { return slices.Repeat([]model.Instance{p}, n) }
	states := map[model.InstanceState]bool{model.Running: true, model.Stopped: true}
	odd := map[model.InstanceState]bool{model.Running: true, model.Stopped: true, model.Pending: true}
	noSecond := "needs a second account"
	rich := fleetSummary{running: instances(10, model.Instance{}), stopped: 2, states: odd}
	poor := fleetSummary{running: instances(2, model.Instance{}), stopped: 1, states: states}
	prepaid := fleetSummary{running: instances(2, model.Instance{ChargeType: model.Prepaid}), stopped: 1, states: states, noSecond: noSecond}
	lane := func(name string, shares int, f fleetSummary) laneSummary {
		return laneSummary{name: name, account: accountOf(name), shares: shares, fleet: f}
	}
	check := func(id string, n Needs) *Check { return &Check{ID: id, Needs: n} }
	var (
		cheap   = check("cheap", Needs{})
		moves   = check("moves", Needs{Running: 1})
		big     = check("big", Needs{Running: 5})
		pending = check("pending", Needs{States: []model.InstanceState{model.Pending}})
		second  = check("second", Needs{SecondAccount: true})
		whole   = check("whole", Needs{WholeAccount: true})
		kind    = check("kind", Needs{Running: 1, Kind: &Kind{What: "prepaid", Is: func(p model.Instance) bool { return p.ChargeType == model.Prepaid }}})
		prop    = &Check{ID: propertyID, Needs: Needs{Running: 1}, Sharded: true}
		final   = &Check{ID: "final", Final: true}
	)
	three := []laneSummary{lane("main/1", 2, rich), lane("main/2", 2, rich), lane("lane-1", 1, poor)}
	for _, tc := range []struct {
		name   string
		checks []*Check
		lanes  []laneSummary
		shard  int
		want   [][]string // per lane, its units in order; a shard with its sequences
		finals []string
		reason string
	}{
		{name: "fleets differ", checks: []*Check{pending, second, big, cheap},
			lanes: []laneSummary{lane("main/1", 2, rich), lane("main/2", 2, poor), lane("lane-1", 1, fleetSummary{running: instances(3, model.Instance{}), states: states, noSecond: noSecond})},
			want:  [][]string{{"pending", "big"}, {"second"}, {"cheap"}},
			reason: "big and pending only main/1 can serve (5 RUNNING, a PENDING instance); second only the main account's lanes; " +
				"cheap goes to lane-1, whose account is idle; cheap first within a lane"},
		{name: "a kind of instance", checks: []*Check{kind, cheap},
			lanes:  []laneSummary{lane("main", 1, poor), lane("lane-1", 1, prepaid)},
			want:   [][]string{{"cheap"}, {"kind"}},
			reason: "only lane-1 holds a prepaid instance"},
		{name: "the whole account", checks: []*Check{whole, cheap, moves},
			lanes:  []laneSummary{lane("main/1", 2, rich), lane("main/2", 2, rich)},
			want:   [][]string{{"moves"}, {"cheap", "whole"}},
			reason: "whole goes to the less loaded of two lanes that end alike; on an account shared out it comes last, although it is as cheap as cheap and before it in the catalog"},
		{name: "the whole account, alone on it", checks: []*Check{whole, cheap},
			lanes:  []laneSummary{lane("main", 1, rich)},
			want:   [][]string{{"whole", "cheap"}},
			reason: "an account with one lane has no lanes to meet: catalog order breaks the tie"},
		{name: "sharded", checks: []*Check{prop, final}, lanes: three,
			want:   [][]string{{"SI-PROP-01 (shard 1/3) ×4"}, {"SI-PROP-01 (shard 3/3) ×3"}, {"SI-PROP-01 (shard 2/3) ×3"}},
			finals: []string{"final"},
			reason: "one shard a lane (10 sequences allow 5), the first shard the longest; the second shard onto lane-1, whose account is idle"},
		{name: "one lane", checks: []*Check{prop}, lanes: []laneSummary{lane("main", 1, rich)},
			want:   [][]string{{"SI-PROP-01 ×10"}},
			reason: "one lane runs the state machine whole"},
		{name: "Config.Shard", checks: []*Check{prop, cheap}, lanes: three, shard: 2,
			want:   [][]string{{}, {}, {"cheap", "SI-PROP-01 (shard 2/3) ×3"}},
			reason: "the one shard asked for, on the lane the whole plan gives it; the other checks as planned (cheap onto lane-1, whose account ends first)"},
		{name: "Config.Shard beyond the shards", checks: []*Check{prop}, lanes: three, shard: 4,
			want:   [][]string{{}, {}, {}},
			reason: "no such shard: nothing is planned, and the run reports the check as an error"},
		{name: "no lane can serve it", checks: []*Check{pending, cheap},
			lanes:  []laneSummary{lane("main", 1, poor), lane("lane-1", 1, poor)},
			want:   [][]string{{"pending"}, {"cheap"}},
			reason: "no lane holds a PENDING instance: the first lane runs the check, which skips with the reason"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rc := runConfig{transition: 100 * time.Millisecond, sequences: 10, steps: 4, maxShards: 5, shard: tc.shard}
			plan, finals := makePlan(tc.checks, rc, tc.lanes)
			got := make([][]string, len(plan))
			for k, units := range plan {
				got[k] = []string{}
				for _, u := range units {
					s := u.String()
					if u.check.Sharded {
						s += fmt.Sprintf(" ×%d", u.sequences)
					}
					got[k] = append(got[k], s)
				}
			}
			require.Equal(t, tc.want, got, tc.reason)
			var gotFinals []string
			for _, c := range finals {
				gotFinals = append(gotFinals, c.ID)
			}
			require.Equal(t, tc.finals, gotFinals, tc.reason)
		})
	}
}
