package model

import (
	"testing"
)

// A restricted instance (ledger L-28): its stop and start may be served,
// or refused with any restricted code, in both modes; the same instance
// shown NORMAL draws none of those codes, and a restricted instance in
// another state keeps its state's strict code.
func TestRestrictedInstances(t *testing.T) {
	t.Parallel()
	restricted := func(s InstanceState, rs string) Instances {
		p := inst(seedA, s)
		p.RestrictState = rs
		return Instances{seedA: p}
	}
	restrictedOrServed := Fail(RestrictedCodes...).OrSucceed()
	startOf := func(id string) Request { r := stop(id); r.Action = ActionStart; return r }
	for _, rs := range []string{"PROTECTIVELY_ISOLATED", "EXPIRED"} {
		runJudgeCases(t, restricted(Running, rs), []judgeCase{
			{"stop " + rs, stop(seedA), env, restrictedOrServed, restrictedOrServed, "L-28"},
		})
		runJudgeCases(t, restricted(Stopped, rs), []judgeCase{
			{"start " + rs, startOf(seedA), env, restrictedOrServed, restrictedOrServed, "L-28"},
		})
	}
	for _, rs := range []string{"NORMAL", ""} {
		runJudgeCases(t, restricted(Running, rs), []judgeCase{
			{"stop " + rs, stop(seedA), env, Succeed(), Succeed(), "not restricted"},
		})
	}
	j := Judge(restricted(Stopped, "EXPIRED"), stop(seedA), env)
	if j.Strict.Success || !j.Strict.Has(StateCode(Stopped)) {
		t.Errorf("stopping a restricted STOPPED instance: strict %v; want refused, with %s among the codes", j.Strict, StateCode(Stopped))
	}
}

// The observer learns RestrictState from every listing: it is not
// predicted, so a change is no finding.
func TestObserverLearnsRestrictState(t *testing.T) {
	t.Parallel()
	o := NewObserver(acct, region, Lenient)
	p := inst(seedA, Running)
	o.Discover(ViewOf(p))
	v := ViewOf(p)
	v.RestrictState = "PROTECTIVELY_ISOLATED"
	if f := o.Observe(v); f != nil {
		t.Fatalf("a new RestrictState is a finding: %+v", f)
	}
	for _, q := range o.Possible(seedA) {
		if !Restricted(q) {
			t.Fatalf("the observer did not learn the restriction: %+v", q)
		}
	}
}
