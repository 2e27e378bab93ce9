package model

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// An instance first named by a stop, before any observation (Unseen): the
// model accepts every answer a conforming target could give, and no more
// once an answer has told it something.

func unseenObserver(s Strictness) *Observer {
	o := NewObserver(acct, region, s)
	o.Suppose(Unseen(seedA, acct, region))
	return o
}

func TestUnseenAcceptsWhatAnyStateAllows(t *testing.T) {
	t.Parallel()
	for _, s := range []Strictness{Lenient, Strict} {
		for _, code := range []string{"", CodeNotFound, StateCode(Stopped), StateCode(Stopping), CodeInProgress} {
			j := Judge(unseenObserver(s), stop(seedA), env)
			require.True(t, j.Accepts(code, s), "%s: %q to a stop of an instance never seen", s, code)
		}
	}
}

func TestUnseenKeepsTheRequestRules(t *testing.T) {
	t.Parallel()
	o := unseenObserver(Lenient)
	j := Judge(o, stop("ins-1122"), env)
	require.False(t, j.Accepts(CodeNotFound, Lenient), "ID-MALFORMED holds whatever the fleet: seed §6")
	require.True(t, j.Accepts(CodeMalformed, Lenient))
	other := stop(seedA)
	other.Account = "acct-2"
	require.False(t, Judge(o, other, env).Accepts("", Lenient), "another account does not see it")
	away := stop(seedA)
	away.Region = "ap-shanghai"
	require.False(t, Judge(o, away, env).Accepts("", Lenient), "nor does another region")
}

func TestUnseenLearnsFromASuccess(t *testing.T) {
	t.Parallel()
	o := unseenObserver(Lenient)
	hard := with(stop(seedA), "StopType", Str("HARD"))
	_, f := o.Exchange(hard, env, Outcome{RequestID: "rid-1"})
	require.Nil(t, f)
	_, f = o.Clone().Exchange(hard, env, Outcome{RequestID: "rid-2"})
	require.NotNil(t, f, "after a HARD stop succeeded it is STOPPING or STOPPED: another stop cannot succeed")
	require.Contains(t, f.Rule, "STATE-STOP")
	_, f = o.Exchange(hard, env, Outcome{Code: StateCode(Stopping)})
	require.Nil(t, f)

	v := View{ID: seedA, Zone: region + "-0", State: Stopping, ChargeType: PostpaidByHour, SystemDisk: CloudPremium,
		LatestOperation: ActionStop, LatestOperationState: OpOperating, LatestOperationRequestID: "rid-1"}
	require.Nil(t, o.Observe(v))
	v.LatestOperationRequestID = "rid-9"
	require.NotNil(t, o.Clone().Observe(v), "the operation is the model's now: its RequestId is predicted")
}

func TestUnseenFirstObservationShowsAnything(t *testing.T) {
	t.Parallel()
	for _, s := range append(InstanceStates[:0:0], InstanceStates...) {
		o := unseenObserver(Lenient)
		v := View{ID: seedA, Zone: region + "-0", State: s, ChargeType: Prepaid, SystemDisk: CloudPremium,
			StopChargingMode: KeepCharging, LatestOperation: "ResetInstancesPassword", LatestOperationState: OpFailed,
			LatestOperationRequestID: "r-elsewhere"}
		require.Nil(t, o.Observe(v), "%s: any state, any foreign operation", s)
	}
}

func TestSupposeIsTheSetFormOfKnow(t *testing.T) {
	t.Parallel()
	o := NewObserver(acct, region, Lenient)
	o.Suppose(nil)
	require.Empty(t, o.IDs())
	o.Suppose([]Instance{inst(seedA, Running), inst(seedA, Stopped)})
	require.ElementsMatch(t, []InstanceState{Running, Stopped}, []InstanceState{o.Possible(seedA)[0].State, o.Possible(seedA)[1].State})
	require.Nil(t, o.Clone().Observe(observed(inst(seedA, Stopped))))
	require.NotNil(t, o.Clone().Observe(observed(inst(seedA, Starting))), "only what was supposed, and its moves")
}
