package model

import (
	"testing"
)

// TestTransitionsTable: the table rule coverage reports on lists exactly
// the state changes Effect and Moves allow, so that a transition the model
// gains is never left out of coverage, nor one it drops kept in.
func TestTransitionsTable(t *testing.T) {
	t.Parallel()
	made := map[Transition]bool{}
	for _, s := range InstanceStates {
		for _, foreign := range []bool{false, true} {
			for _, mode := range []ChargingMode{KeepCharging, StopCharging} {
				p := Instance{ID: "ins-aaaaaaaa", State: s, IgnoresSoftStop: Maybe, PendingForce: Maybe,
					StopChargingMode: mode, Foreign: foreign, LatestOperationState: OpOperating}
				for _, q := range Moves(p) {
					if q.State != s && q.State != Terminated {
						made[Transition{From: s, To: q.State}] = true
					}
				}
				for _, action := range []string{ActionStop, ActionStart} {
					for _, q := range Effect(action, p, Intent{}, "rid") {
						if q.State != s && AllowsSuccess(action, p, Intent{}) {
							made[Transition{From: s, To: q.State, By: action}] = true
						}
					}
				}
			}
		}
	}
	listed := map[Transition]bool{}
	for _, tr := range Transitions {
		listed[Transition{From: tr.From, To: tr.To, By: tr.By}] = true
		if !made[Transition{From: tr.From, To: tr.To, By: tr.By}] {
			t.Errorf("Transitions lists %s (by %q), which Effect and Moves never make", tr, tr.By)
		}
	}
	for tr := range made {
		if !listed[tr] {
			t.Errorf("Effect or Moves make %s (by %q), which Transitions does not list", tr, tr.By)
		}
	}
}

// TestViolationMaybe: a violation that holds only in some of the cases the
// model cannot tell apart (the rate limit, when only the target's limiter
// knows) is marked Maybe; one the request certainly breaks is not.
func TestViolationMaybe(t *testing.T) {
	t.Parallel()
	j := Judge(fleet(), stop("ins-1122"), Env{Limited: Maybe})
	got := map[string]bool{}
	for _, v := range j.Violations {
		got[v.Rule.ID] = v.Maybe
	}
	if maybe, ok := got[RuleRateLimit.ID]; !ok || !maybe {
		t.Errorf("RATE-LIMIT with Limited Maybe: present %v, Maybe %v; want present and Maybe", ok, maybe)
	}
	if maybe, ok := got[RuleIDMalformed.ID]; !ok || maybe {
		t.Errorf("ID-MALFORMED for ins-1122: present %v, Maybe %v; want present and certain", ok, maybe)
	}
	j = Judge(fleet(), stop("ins-1122"), Env{Limited: Yes})
	for _, v := range j.Violations {
		if v.Maybe {
			t.Errorf("%s is Maybe with Limited Yes: every violation is certain", v.Rule.ID)
		}
	}
}
