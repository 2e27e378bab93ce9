package model

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Examples of the observer: what a target may and may not show.

func observed(p Instance) View { return ViewOf(p) }

func TestObserverFollowsASuccessfulStop(t *testing.T) {
	t.Parallel()
	o := NewObserver(acct, region, Strict)
	o.Discover(observed(inst(seedA, Running)))
	_, f := o.Exchange(stop(seedA), env, Outcome{RequestID: "rid-1"})
	require.Nil(t, f)
	stopping := inst(seedA, Stopping)
	stopping.LatestOperation, stopping.LatestOperationState, stopping.LatestOperationRequestID = ActionStop, OpOperating, "rid-1"
	require.Nil(t, o.Observe(observed(stopping)), "seed §1: STOPPING")
	require.False(t, o.Settled(seedA))
	stopped := stopping
	stopped.State, stopped.LatestOperationState, stopped.StopChargingMode = Stopped, OpSuccess, KeepCharging
	require.Nil(t, o.Observe(observed(stopped)), "seed §1: then STOPPED")
	require.True(t, o.Settled(seedA))

	back := stopped
	back.State = Running
	f = o.Observe(observed(back))
	require.NotNil(t, f, "a STOPPED instance does not start by itself")
	require.Equal(t, "OBSERVED-STATE", f.Rule)
	require.Contains(t, f.Error(), "StopInstances rid-1 succeeded")
	require.Contains(t, f.Error(), "InstanceState")
}

func TestObserverStopMayBeSeenStraightAsStopped(t *testing.T) {
	t.Parallel()
	o := NewObserver(acct, region, Lenient)
	o.Discover(observed(inst(seedA, Running)))
	_, f := o.Exchange(stop(seedA), env, Outcome{RequestID: "rid"})
	require.Nil(t, f)
	v := observed(inst(seedA, Stopped))
	v.LatestOperation, v.LatestOperationState, v.LatestOperationRequestID, v.StopChargingMode = ActionStop, OpSuccess, "rid", KeepCharging
	require.Nil(t, o.Observe(v), "skipping STOPPING is allowed")
}

func TestObserverRejectsRunningWithoutFailure(t *testing.T) {
	t.Parallel()
	o := NewObserver(acct, region, Lenient)
	o.Discover(observed(inst(seedA, Running)))
	_, f := o.Exchange(stop(seedA), env, Outcome{RequestID: "rid"})
	require.Nil(t, f)
	v := observed(inst(seedA, Running))
	v.LatestOperation, v.LatestOperationRequestID = ActionStop, "rid"
	v.LatestOperationState = OpSuccess
	require.NotNil(t, o.Observe(v), "back to RUNNING needs LatestOperationState FAILED")
	o2 := NewObserver(acct, region, Lenient)
	o2.Discover(observed(inst(seedA, Running)))
	o2.Exchange(stop(seedA), env, Outcome{RequestID: "rid"})
	v.LatestOperationState = OpFailed
	require.Nil(t, o2.Observe(v), "a failed soft stop of an unknown guest returns to RUNNING, FAILED")
}

func TestObserverJudgesOutcomes(t *testing.T) {
	t.Parallel()
	o := observerOf(fleet(), Strict)
	_, f := o.Exchange(stop("ins-1122"), env, Outcome{Code: CodeMalformedAlt})
	require.NotNil(t, f, "strict wants the seed's code")
	require.Contains(t, f.Error(), "ID-MALFORMED")
	require.Contains(t, f.Error(), "seed §6")

	o = observerOf(fleet(), Lenient)
	_, f = o.Exchange(stop("ins-1122"), env, Outcome{Code: CodeMalformedAlt})
	require.Nil(t, f, "lenient accepts the SDK's other malformed code")

	_, f = o.Exchange(stop(seedA), env, Outcome{Code: CodeInternalError})
	require.NotNil(t, f)
	require.Equal(t, "VALID-REQUEST", f.Rule)

	_, f = o.Exchange(stop(idOf(Stopped)), env, Outcome{})
	require.NotNil(t, f, "stopping a STOPPED instance must fail")
	require.Contains(t, f.Detail, "STATE-STOP")
	require.Equal(t, Stopping, o.Possible(idOf(Stopped))[0].State, "after a success that should not have been, the model believes the target acted")
}

func TestObserverUnknownOutcomeWidens(t *testing.T) {
	t.Parallel()
	o := NewObserver(acct, region, Lenient)
	o.Discover(observed(inst(seedA, Running)))
	_, f := o.Exchange(stop(seedA), Env{Now: t0, Limited: Maybe}, Outcome{Unknown: true, RequestID: ""})
	require.Nil(t, f)
	require.Nil(t, o.Observe(observed(inst(seedA, Running))), "the stop may not have happened")
	o2 := NewObserver(acct, region, Lenient)
	o2.Discover(observed(inst(seedA, Running)))
	o2.Exchange(stop(seedA), Env{Now: t0, Limited: Maybe}, Outcome{Unknown: true, RequestID: "rid"})
	v := observed(inst(seedA, Stopping))
	v.LatestOperation, v.LatestOperationState, v.LatestOperationRequestID = ActionStop, OpOperating, "rid"
	require.Nil(t, o2.Observe(v), "or it may have")
}

func TestObserverRateLimitedHasNoEffect(t *testing.T) {
	t.Parallel()
	o := NewObserver(acct, region, Lenient)
	o.Discover(observed(inst(seedA, Running)))
	_, f := o.Exchange(stop(seedA), Env{Now: t0, Limited: Maybe}, Outcome{Code: CodeRequestLimitExceeded})
	require.Nil(t, f)
	v := observed(inst(seedA, Stopping))
	require.NotNil(t, o.Observe(v), "a rate-limited request has no effect")
}

func TestObserverForeignOperations(t *testing.T) {
	t.Parallel()
	o := NewObserver(acct, region, Lenient)
	v := observed(inst(seedA, Stopping))
	v.LatestOperation, v.LatestOperationState = ActionStop, OpOperating
	o.Discover(v)
	require.False(t, o.Settled(seedA))
	later := observed(inst(seedA, Stopped))
	later.LatestOperation, later.LatestOperationState, later.StopChargingMode = "whatever", OpSuccess, StopCharging
	require.Nil(t, o.Observe(later), "a stop the suite did not send may end with any operation fields")
	require.True(t, o.Settled(seedA))
	moved := later
	moved.Zone = "ap-guangzhou-4"
	require.NotNil(t, o.Observe(moved), "but never move zones")
}

func TestObserveDescribe(t *testing.T) {
	t.Parallel()
	f := fleet()
	o := observerOf(f, Lenient)
	all := func() DescribeResult {
		var res DescribeResult
		for _, id := range o.IDs() {
			if p := f[id]; p.Visible(acct, region) {
				res.Instances = append(res.Instances, ViewOf(p))
			}
		}
		res.TotalCount = len(res.Instances)
		return res
	}
	desc := func(params map[string]Value) (Judgement, Request) {
		r := request(ActionDescribe, params)
		return Judge(o, r, env), r
	}
	j, r := desc(map[string]Value{"Limit": Num(100)})
	require.Empty(t, o.ObserveDescribe(j, r, all()))

	res := all()
	res.Instances = append(res.Instances, ViewOf(f["ins-theirs01"]))
	res.TotalCount++
	requireRules(t, o.ObserveDescribe(j, r, res), "DESCRIBE-ISOLATION")

	res = all()
	res.Instances = append(res.Instances, res.Instances[0])
	res.TotalCount++
	requireRules(t, o.ObserveDescribe(j, r, res), "DESCRIBE-DUPLICATE")

	res = all()
	res.Instances = res.Instances[1:]
	requireRules(t, o.ObserveDescribe(j, r, res), "DESCRIBE-MISSING", "DESCRIBE-PAGE")

	j5, r5 := desc(map[string]Value{"Limit": Num(5)})
	requireRules(t, o.ObserveDescribe(j5, r5, DescribeResult{TotalCount: 10, Instances: all().Instances[:5]}), "DESCRIBE-TOTAL")

	res = all()
	res.TotalCount += 5
	requireRules(t, o.ObserveDescribe(j, r, res), "DESCRIBE-PAGE")

	j, r = desc(nil)
	res = all()
	require.Greater(t, len(res.Instances), 0)
	page := DescribeResult{TotalCount: res.TotalCount, Instances: res.Instances[:min(20, len(res.Instances))]}
	require.Empty(t, o.ObserveDescribe(j, r, page), "facts §9: 20 by default")

	j, r = desc(map[string]Value{"Filters": Arr(Obj(map[string]Value{"Name": Str("instance-state"), "Values": Strs("STOPPED")}))})
	stopped := ViewOf(f[idOf(Stopped)])
	require.Empty(t, o.ObserveDescribe(j, r, DescribeResult{TotalCount: 1, Instances: []View{stopped}}))
	requireRules(t, o.ObserveDescribe(j, r, DescribeResult{TotalCount: 2, Instances: []View{stopped, ViewOf(f[seedA])}}), "DESCRIBE-FILTER")
	requireRules(t, o.ObserveDescribe(j, r, DescribeResult{}), "DESCRIBE-MISSING", "DESCRIBE-TOTAL")

	j, r = desc(map[string]Value{"InstanceIds": Strs(seedA)})
	requireRules(t, o.ObserveDescribe(j, r, DescribeResult{TotalCount: 1, Instances: []View{ViewOf(f[seedB])}}), "DESCRIBE-FILTER", "DESCRIBE-MISSING")

	// Another account's DescribeInstances must not list this account's
	// instances.
	rOther := request(ActionDescribe, map[string]Value{"Limit": Num(100)})
	rOther.Account = other
	jOther := Judge(o, rOther, env)
	theirs := ViewOf(f["ins-theirs01"])
	requireRules(t, o.ObserveDescribe(jOther, rOther, DescribeResult{TotalCount: 2, Instances: []View{theirs, ViewOf(f[seedA])}}), "DESCRIBE-ISOLATION")
	require.Empty(t, o.ObserveDescribe(jOther, rOther, DescribeResult{TotalCount: 1, Instances: []View{theirs}}), "its own instance, and only that")

	unseen := ViewOf(inst("ins-newcomer", Running))
	j, r = desc(map[string]Value{"Limit": Num(100)})
	res = all()
	res.Instances = append(res.Instances, unseen)
	res.TotalCount++
	require.Empty(t, o.ObserveDescribe(j, r, res), "a new instance is discovered")
	require.Contains(t, o.IDs(), "ins-newcomer")
}

func requireRules(t *testing.T, fs []*Finding, rules ...string) {
	t.Helper()
	var got []string
	for _, f := range fs {
		got = append(got, f.Rule)
		require.NotEmpty(t, f.Error())
	}
	require.ElementsMatch(t, rules, Distinct(got), "findings: %v", fs)
}

func TestObserverRestrictCloneEqual(t *testing.T) {
	t.Parallel()
	o := observerOf(fleet(), Lenient)
	r := o.Restrict([]string{seedA, seedB, "ins-unknown1"})
	require.Equal(t, []string{seedB, seedA}, r.IDs(), "only the known ones, sorted")
	c := r.Clone()
	require.True(t, r.Equal(c))
	require.Contains(t, c.Summary(), seedA+": RUNNING/SUCCESS")
	c.Exchange(stop(seedA), env, Outcome{RequestID: "rid"})
	require.False(t, r.Equal(c), "the clone is independent")
	require.Equal(t, Running, r.Possible(seedA)[0].State)
	require.False(t, r.Equal(o.Restrict([]string{seedA})), "different instances")
	other := o.Restrict([]string{seedA, seedB})
	other.possible[seedB] = []Instance{inst(seedB, Stopped)}
	require.False(t, r.Equal(other), "different states")
}

func TestOutcomesDescribe(t *testing.T) {
	t.Parallel()
	require.Equal(t, "success (or rate-limited, with no effect)", Fail(RateLimitCodes...).OrSucceed().Describe())
	require.Equal(t, "RequestLimitExceeded (or a sub-code)", Fail(RateLimitCodes...).Describe())
	require.Equal(t, "InvalidParameter", Fail(CodeInvalidParameter).Describe())
}

func TestFindingLeavesOutAMaybeRateLimit(t *testing.T) {
	t.Parallel()
	o := observerOf(fleet(), Lenient)
	_, f := o.Exchange(stop("ins-1122"), Env{Now: t0, Limited: Maybe}, Outcome{Code: CodeNotFound})
	require.NotNil(t, f)
	require.Equal(t, "ID-MALFORMED", f.Rule, "the rate limit that may apply is not what the answer broke")
	_, f = o.Exchange(stop(idOf(Stopped)), Env{Now: t0, Limited: No}, Outcome{Code: "RequestLimitExceeded"})
	require.NotNil(t, f, "not limited, so a rate-limit answer is a finding")
}

// A successful DescribeInstances changes no instance: an ID it names that
// the observer does not know stays unknown (and is discovered when listed),
// and a known instance keeps its states and the clause behind them.
func TestObserverDescribeChangesNothing(t *testing.T) {
	t.Parallel()
	o := NewObserver(acct, region, Lenient)
	o.Discover(observed(inst(seedA, Running)))
	_, f := o.Exchange(stop(seedA), env, Outcome{RequestID: "rid-1"})
	require.Nil(t, f)
	before := o.Clone()
	r := request(ActionDescribe, map[string]Value{"InstanceIds": Strs(seedA, seedB)})
	_, f = o.Exchange(r, env, Outcome{RequestID: "rid-2"})
	require.Nil(t, f)
	require.True(t, before.Equal(o), "a describe moves nothing")
	require.Empty(t, o.Possible(seedB), "an unknown ID stays unknown")
	require.Nil(t, o.Observe(observed(inst(seedB, Running))), "and is discovered when listed")
	back := inst(seedA, Running)
	f = o.Observe(observed(back))
	require.NotNil(t, f)
	require.Contains(t, f.Error(), "StopInstances rid-1 succeeded", "the clause is the stop's, not the describe's")
}

// Two observers of one account share its instances out: each judges its
// own, and a listing of the other's, in whatever state its own history
// put them in, tells it nothing.
func TestObserverCede(t *testing.T) {
	t.Parallel()
	mine, theirs := NewObserver(acct, region, Lenient), NewObserver(acct, region, Lenient)
	for _, o := range []*Observer{mine, theirs} {
		o.Discover(observed(inst(seedA, Running)))
		o.Discover(observed(inst(seedB, Running)))
	}
	mine.Cede(seedB)
	theirs.Cede(seedA)
	require.Equal(t, []string{seedA}, mine.IDs())

	_, f := theirs.Exchange(stop(seedB), env, Outcome{RequestID: "rid-1"})
	require.Nil(t, f)
	stopping := inst(seedB, Stopping)
	stopping.LatestOperation, stopping.LatestOperationState, stopping.LatestOperationRequestID = ActionStop, OpOperating, "rid-1"
	require.Nil(t, theirs.Observe(observed(stopping)))
	require.Nil(t, mine.Observe(observed(stopping)), "the other observer's instance is not judged here")
	require.Empty(t, mine.Possible(seedB), "nor learnt")
	copied := mine.Clone()
	require.Nil(t, copied.Observe(observed(stopping)), "a copy cedes what its original cedes")
	require.Empty(t, copied.Possible(seedB))

	listing := DescribeResult{TotalCount: 2, Instances: []View{observed(inst(seedA, Running)), observed(stopping)}}
	j, f := mine.Exchange(request(ActionDescribe, nil), env, Outcome{RequestID: "rid-2"})
	require.Nil(t, f)
	require.Empty(t, mine.ObserveDescribe(j, request(ActionDescribe, nil), listing))

	wrong := inst(seedA, Stopping)
	require.NotNil(t, mine.Observe(observed(wrong)), "its own instance is still judged: nothing stopped it")
}
