package model

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Examples of the transitions (seed §1, §2; facts §7, §8, §10).

func TestSeedExampleStopLifecycle(t *testing.T) {
	t.Parallel()
	f := fleet()
	r := stop(seedA, seedB)
	j := Judge(f, r, env)
	require.True(t, j.Strict.Success, "seed §4 example must succeed")
	require.Equal(t, []string{seedA, seedB}, j.Targets)
	for _, id := range j.Targets {
		after := Effect(ActionStop, f[id], j.Intent, "6ef60bec-0242-43af-bb20-270359fb54a7")
		require.Len(t, after, 1)
		p := after[0]
		require.Equal(t, Stopping, p.State, "seed §1: STOPPING when the API is called successfully")
		require.Equal(t, ActionStop, p.LatestOperation)
		require.Equal(t, OpOperating, p.LatestOperationState)
		require.Equal(t, "6ef60bec-0242-43af-bb20-270359fb54a7", p.LatestOperationRequestID)
		end := Moves(p)[0]
		require.Equal(t, Stopped, end.State, "seed §1: STOPPED when shut down")
		require.Equal(t, OpSuccess, end.LatestOperationState)
		require.Equal(t, KeepCharging, end.StopChargingMode, "seed §2 StoppedMode default KEEP_CHARGING")
		require.True(t, end.Stable())
		require.Nil(t, Moves(end))
	}
}

func TestStopOutcomesByGuestAndStopType(t *testing.T) {
	t.Parallel()
	type want struct {
		state InstanceState
		op    OperationState
	}
	cases := []struct {
		name    string
		hung    Tri
		params  map[string]Value
		canonic want
		all     []InstanceState
		reason  string
	}{
		{"cooperative SOFT", No, nil, want{Stopped, OpSuccess}, []InstanceState{Stopped}, "seed §2 StopType SOFT"},
		{"hung SOFT", Yes, nil, want{Running, OpFailed}, []InstanceState{Running}, "SOFT is soft shutdown only (L-25)"},
		{"hung ForceStop=FALSE", Yes, map[string]Value{"ForceStop": Bool(false)}, want{Running, OpFailed}, []InstanceState{Running}, "seed §2 ForceStop FALSE"},
		{"hung ForceStop=TRUE", Yes, map[string]Value{"ForceStop": Bool(true)}, want{Stopped, OpSuccess}, []InstanceState{Stopped}, "seed §2 ForceStop TRUE"},
		{"hung SOFT_FIRST", Yes, map[string]Value{"StopType": Str("SOFT_FIRST")}, want{Stopped, OpSuccess}, []InstanceState{Stopped}, "seed §2 SOFT_FIRST forces"},
		{"hung HARD", Yes, map[string]Value{"StopType": Str("HARD")}, want{Stopped, OpSuccess}, []InstanceState{Stopped}, "seed §2 HARD"},
		{"hung, ForceStop and SOFT disagree", Yes, map[string]Value{"ForceStop": Bool(true), "StopType": Str("SOFT")}, want{Stopped, OpSuccess}, []InstanceState{Stopped, Running}, "L-01: which wins is unknown"},
		{"unknown guest SOFT", Maybe, nil, want{Stopped, OpSuccess}, []InstanceState{Stopped, Running}, "a real target's guest is unknown"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := inst(seedA, Running)
			p.IgnoresSoftStop = c.hung
			r := stop(seedA)
			for k, v := range c.params {
				r = with(r, k, v)
			}
			j := Judge(Instances{seedA: p}, r, env)
			require.True(t, j.Lenient.Success, c.reason)
			ends := Moves(Effect(ActionStop, p, j.Intent, "rid")[0])
			require.Equal(t, c.canonic.state, ends[0].State, c.reason)
			require.Equal(t, c.canonic.op, ends[0].LatestOperationState, c.reason)
			var states []InstanceState
			for _, e := range ends {
				if e.State == Stopping {
					require.Equal(t, OpSuccess, e.LatestOperationState, "only the run-ahead view stays STOPPING (L-16)")
					continue
				}
				if e.State == Running {
					require.Equal(t, OpFailed, e.LatestOperationState, "RUNNING after a stop must say FAILED")
				}
				states = append(states, e.State)
			}
			require.ElementsMatch(t, c.all, dedupeStates(states), c.reason)
		})
	}
}

func dedupeStates(ss []InstanceState) []InstanceState {
	var out []InstanceState
	for _, s := range ss {
		if !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func TestStoppedModeEffects(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		charge ChargeType
		disk   DiskType
		mode   string
		want   []ChargingMode
		reason string
	}{
		{"postpaid cloud STOP", PostpaidByHour, CloudSSD, "STOP_CHARGING", []ChargingMode{StopCharging}, "seed §2"},
		{"postpaid cloud KEEP", PostpaidByHour, CloudSSD, "KEEP_CHARGING", []ChargingMode{KeepCharging}, "seed §2"},
		{"postpaid cloud default", PostpaidByHour, CloudSSD, "", []ChargingMode{KeepCharging}, "seed §2 default KEEP_CHARGING"},
		{"prepaid KEEP", Prepaid, CloudSSD, "KEEP_CHARGING", []ChargingMode{NotApplicable, KeepCharging}, "L-07"},
		{"prepaid STOP served", Prepaid, CloudSSD, "STOP_CHARGING", []ChargingMode{NotApplicable, KeepCharging}, "L-07: never STOP_CHARGING"},
		{"local disk STOP served", PostpaidByHour, LocalSSD, "STOP_CHARGING", []ChargingMode{NotApplicable, KeepCharging}, "L-07"},
		{"spot STOP", SpotPaid, CloudSSD, "STOP_CHARGING", []ChargingMode{StopCharging, KeepCharging, NotApplicable}, "L-07 undecided"},
		{"spot KEEP", SpotPaid, CloudSSD, "KEEP_CHARGING", []ChargingMode{KeepCharging, NotApplicable}, "L-07 undecided"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := inst(seedA, Running)
			p.ChargeType, p.SystemDisk = c.charge, c.disk
			r := stop(seedA)
			if c.mode != "" {
				r = with(r, "StoppedMode", Str(c.mode))
			}
			j := Judge(Instances{seedA: p}, r, env)
			var got []ChargingMode
			for _, e := range Closure(Effect(ActionStop, p, j.Intent, "rid")) {
				if e.State == Stopped && e.LatestOperationState == OpSuccess {
					got = append(got, e.StopChargingMode)
				}
			}
			require.Equal(t, c.want, got, c.reason)
		})
	}
}

func TestStartLifecycle(t *testing.T) {
	t.Parallel()
	p := inst(seedA, Stopped)
	p.StopChargingMode = KeepCharging
	q := Effect(ActionStart, p, Intent{}, "r-start")[0]
	require.Equal(t, Starting, q.State)
	require.Equal(t, ActionStart, q.LatestOperation)
	ends := Moves(q)
	require.Equal(t, Running, ends[0].State, "facts §8: STARTING ⇒ RUNNING")
	require.Equal(t, NotApplicable, ends[0].StopChargingMode)
	for _, e := range ends {
		require.NotEqual(t, Stopped, e.State, "a KEEP_CHARGING instance keeps its resources")
	}
	p.StopChargingMode = StopCharging
	var states []InstanceState
	for _, e := range Moves(Effect(ActionStart, p, Intent{}, "r")[0]) {
		states = append(states, e.State)
	}
	require.Contains(t, states, Stopped, "L-24: a no-charge stop may fail to start")
	require.Equal(t, []Instance{p}, Effect(ActionDescribe, p, Intent{}, "r"), "describe changes nothing")
}

func TestSpontaneousMoves(t *testing.T) {
	t.Parallel()
	cases := map[InstanceState][]InstanceState{
		Pending:                 {Running, LaunchFailed},
		Rebooting:               {Running},
		EnterRescueMode:         {RescueMode},
		ExitRescueMode:          {Running},
		EnterServiceLiveMigrate: {ServiceLiveMigrate},
		ServiceLiveMigrate:      {ExitServiceLiveMigrate},
		ExitServiceLiveMigrate:  {Running},
		Shutdown:                {Terminating},
		Terminating:             {Terminated},
		Running:                 nil,
		Stopped:                 nil,
		LaunchFailed:            nil,
		RescueMode:              nil,
	}
	for from, want := range cases {
		var got []InstanceState
		for _, m := range Moves(inst(seedA, from)) {
			got = append(got, m.State)
		}
		require.Equal(t, want, got, "moves of %s", from)
		require.Equal(t, len(want) > 0, from.Transient(), "Transient(%s)", from)
	}
	busy := inst(seedA, Running)
	busy.LatestOperationState = OpOperating
	require.False(t, busy.Stable())
	require.Len(t, Moves(busy), 2, "an operation in flight ends in SUCCESS or FAILED")
}

func TestLaggingOperationState(t *testing.T) {
	t.Parallel()
	p := Effect(ActionStop, inst(seedA, Running), Intent{Force: No, Mode: KeepCharging}, "rid")[0]
	all := Closure([]Instance{p})
	var lag *Instance
	for i := range all {
		if all[i].State == Stopped && all[i].LatestOperationState == OpOperating {
			lag = &all[i]
		}
	}
	require.NotNil(t, lag, "L-16: STOPPED may still say OPERATING")
	require.False(t, lag.Stable())
	next := Moves(*lag)
	require.Len(t, next, 1)
	require.Equal(t, OpSuccess, next[0].LatestOperationState)
}

func TestEligibilityAndRegions(t *testing.T) {
	t.Parallel()
	p := inst(seedA, Running)
	require.Equal(t, Yes, StopChargingEligible(p))
	p.LocalDataDisk = true
	require.Equal(t, No, StopChargingEligible(p))
	p.LocalDataDisk, p.ChargeType = false, CDHPaid
	require.Equal(t, Maybe, StopChargingEligible(p))

	for host, want := range map[string]HostKind{
		"cvm.tencentcloudapi.com":                  HostNearest,
		"CVM.TencentCloudAPI.com:443":              HostNearest,
		"cvm.intl.tencentcloudapi.com":             HostNearest,
		"cvm.ap-guangzhou.tencentcloudapi.com":     HostRegional,
		"cvm.ap-shanghai-fsi.tencentcloudapi.com.": HostFinance,
		"cvm.xx-nowhere.tencentcloudapi.com":       HostOther,
		"127.0.0.1:8080":                           HostOther,
		"localhost":                                HostOther,
	} {
		got, _ := ClassifyHost(host)
		require.Equal(t, want, got, host)
	}
	require.Equal(t, "ap-shanghai-fsi", RegionOfZone("ap-shanghai-fsi-1"))
	require.Equal(t, "ap-guangzhou-open", RegionOfZone("ap-guangzhou-open-2"))
	require.Equal(t, "nozone", RegionOfZone("nozone"))
	require.True(t, FinanceRegion("ap-shenzhen-fsi"))
	require.False(t, KnownRegion("mars-1"))
	require.Equal(t, "UnsupportedOperation.InstanceStateStopped", StateCode(Stopped))
}

func TestTriAndStrings(t *testing.T) {
	t.Parallel()
	require.Equal(t, "maybe", Maybe.String())
	require.Equal(t, "yes", TriOf(true).String())
	require.Equal(t, "no", TriOf(false).String())
	require.Equal(t, "strict", Strict.String())
	require.Equal(t, "lenient", Lenient.String())
	require.Equal(t, "form", EncForm.String())
	require.Equal(t, "json", EncJSON.String())
	require.Equal(t, "HmacSHA256", SigHmacSHA256.String())
	require.Equal(t, "(nothing)", Outcomes{}.String())
	require.Equal(t, "success | InvalidParameter", Fail(CodeInvalidParameter).OrSucceed().String())
	require.Equal(t, `{"Name":"zone","Values":["a","b"]}`, Obj(map[string]Value{"Name": Str("zone"), "Values": Strs("a", "b")}).String())
	require.Equal(t, `["ins-00000000","ins-00000001","ins-00000002","ins-00000003","ins-00000004",… 5 more]`, Strs(many(10)...).String())
	require.Equal(t, "null", Null().String())
	require.Equal(t, "7", Num(7).String())
	require.Equal(t, strconv.Quote(strings.Repeat("A", 100))+"…(1048576 bytes)", Str(strings.Repeat("A", 1<<20)).String(), "a long string is cut for a transcript")
	require.Equal(t, "1"+strings.Repeat("0", 99)+"…(100001 digits)", Value{Kind: KindNumber, Text: "1" + strings.Repeat("0", 100000)}.String())
	require.Equal(t, "success", Outcome{}.String())
	require.Equal(t, "no answer (outcome unknown)", Outcome{Unknown: true}.String())
}
