package model

import (
	"fmt"
	"time"
)

// Shared fixtures for the model's tests.

var t0 = time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)

const (
	acct   = "acct-1"
	other  = "acct-2"
	region = "ap-guangzhou"
	zone   = "ap-guangzhou-3"
)

// The seed's example instances (seed §4, facts §8).
const (
	seedA = "ins-r8hr2upy"
	seedB = "ins-5d8a23rs"
)

func inst(id string, s InstanceState) Instance {
	return Instance{ID: id, Owner: acct, Zone: zone, State: s, ChargeType: PostpaidByHour,
		SystemDisk: CloudPremium, StopChargingMode: NotApplicable,
		LatestOperation: "StartInstances", LatestOperationState: OpSuccess, LatestOperationRequestID: "r-0"}
}

// fleet is a definite fleet: the seed's two instances RUNNING, one
// instance in every other state, a prepaid and a local-disk instance, one
// of another account and one in another region.
func fleet() Instances {
	f := Instances{}
	add := func(p Instance) { f[p.ID] = p }
	add(inst(seedA, Running))
	add(inst(seedB, Running))
	for i, s := range InstanceStates {
		add(inst(stateID(i), s))
	}
	pre := inst("ins-prepaid1", Running)
	pre.ChargeType = Prepaid
	add(pre)
	local := inst("ins-localdk1", Running)
	local.SystemDisk = LocalSSD
	add(local)
	spot := inst("ins-spotpd01", Running)
	spot.ChargeType = SpotPaid
	add(spot)
	theirs := inst("ins-theirs01", Running)
	theirs.Owner = other
	add(theirs)
	away := inst("ins-shanghai", Running)
	away.Zone = "ap-shanghai-2"
	add(away)
	busy := inst("ins-busy0001", Running)
	busy.LatestOperationState = OpOperating
	add(busy)
	return f
}

func stateID(i int) string { return "ins-state0" + string(rune('a'+i)) + "0" }

func idOf(s InstanceState) string {
	for i, x := range InstanceStates {
		if x == s {
			return stateID(i)
		}
	}
	panic(s)
}

// request returns a valid, authenticated TC3 JSON request of action.
func request(action string, params map[string]Value) Request {
	if params == nil {
		params = map[string]Value{}
	}
	return Request{Action: action, Version: APIVersion, Region: region, Host: NearestHost,
		Timestamp: t0, Transport: Transport{Method: "POST", ContentType: "application/json"},
		Account: acct, Params: params}
}

func stop(ids ...string) Request {
	return request(ActionStop, map[string]Value{"InstanceIds": Strs(ids...)})
}

func with(r Request, name string, v Value) Request {
	p := map[string]Value{}
	for k, x := range r.Params {
		p[k] = x
	}
	p[name] = v
	r.Params = p
	return r
}

func without(r Request, name string) Request {
	p := map[string]Value{}
	for k, x := range r.Params {
		if k != name {
			p[k] = x
		}
	}
	r.Params = p
	return r
}

var env = Env{Now: t0, Limited: No}

// many returns n distinct well-formed instance IDs.
func many(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("ins-%08d", i)
	}
	return out
}
