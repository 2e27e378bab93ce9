package model

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// Properties of the model itself (issue: "rapid properties on the model").

// genInstance draws one instance state. Most are the caller's, in the
// caller's region; states lean towards RUNNING and STOPPED.
func genInstance(id string) *rapid.Generator[Instance] {
	return rapid.Custom(func(t *rapid.T) Instance {
		p := inst(id, rapid.OneOf(rapid.SampledFrom([]InstanceState{Running, Stopped}), rapid.SampledFrom(InstanceStates)).Draw(t, "state"))
		p.ChargeType = rapid.SampledFrom(ChargeTypes).Draw(t, "chargeType")
		p.SystemDisk = rapid.SampledFrom(DiskTypes).Draw(t, "systemDisk")
		p.LocalDataDisk = rapid.Bool().Draw(t, "localDataDisk")
		p.IgnoresSoftStop = rapid.SampledFrom([]Tri{No, Yes}).Draw(t, "ignoresSoftStop")
		p.LatestOperationState = rapid.SampledFrom([]OperationState{OpSuccess, OpSuccess, OpFailed, OpOperating}).Draw(t, "opState")
		if p.State == Stopped {
			p.StopChargingMode = rapid.SampledFrom([]ChargingMode{KeepCharging, StopCharging, NotApplicable}).Draw(t, "stopChargingMode")
		}
		if rapid.IntRange(0, 9).Draw(t, "elsewhere") == 0 {
			p.Owner = other
		}
		if rapid.IntRange(0, 9).Draw(t, "away") == 0 {
			p.Zone = "ap-shanghai-2"
		}
		return p
	})
}

func genFleet(t *rapid.T) Instances {
	n := rapid.IntRange(1, 8).Draw(t, "fleetSize")
	f := Instances{}
	for _, id := range many(n) {
		f[id] = genInstance(id).Draw(t, id)
	}
	return f
}

// genIDs draws an InstanceIds value: mostly known IDs, sometimes unknown,
// malformed, duplicated, too many, or of the wrong type.
func genIDs(t *rapid.T, known []string) Value {
	pick := rapid.OneOf(
		rapid.SampledFrom(known), rapid.SampledFrom(known), rapid.SampledFrom(known),
		rapid.SampledFrom([]string{"ins-zzzzzzzz", "ins-1122", "", "ins-ABCDEFGH", "i-12345678"}),
	)
	switch rapid.IntRange(0, 19).Draw(t, "idsShape") {
	case 0:
		return Strs(many(101)...)
	case 1:
		return Str(known[0])
	case 2:
		return Arr(Num(7))
	case 3:
		return Strs()
	}
	return Strs(rapid.SliceOfN(pick, 1, 4).Draw(t, "instanceIds")...)
}

func genOptional(t *rapid.T, label string, values ...Value) (Value, bool) {
	i := rapid.IntRange(-len(values), len(values)-1).Draw(t, label)
	if i < 0 {
		return Value{}, false
	}
	return values[i], true
}

// genRequest draws a request over the fleet: mostly valid, with a share of
// every kind of violation the model knows.
func genRequest(t *rapid.T, known []string) Request {
	action := rapid.SampledFrom([]string{ActionStop, ActionStop, ActionStop, ActionStart, ActionDescribe}).Draw(t, "action")
	r := request(action, map[string]Value{})
	if action != ActionDescribe || rapid.Bool().Draw(t, "describeIds") {
		if rapid.IntRange(0, 19).Draw(t, "omitIds") > 0 {
			r.Params["InstanceIds"] = genIDs(t, known)
		}
	}
	if action == ActionStop {
		for name, vals := range map[string][]Value{
			"ForceStop":   {Bool(true), Bool(false), Str("TRUE"), Str("yes"), Null()},
			"StopType":    {Str("SOFT"), Str("HARD"), Str("SOFT_FIRST"), Str("soft"), Str("GENTLE"), Num(1), Str("")},
			"StoppedMode": {Str("KEEP_CHARGING"), Str("STOP_CHARGING"), Str("stop_charging"), Str("HALF")},
		} {
			if v, ok := genOptional(t, name, vals...); ok && rapid.Bool().Draw(t, name+"?") {
				r.Params[name] = v
			}
		}
	}
	if action == ActionDescribe {
		if v, ok := genOptional(t, "Limit", Num(1), Num(20), Num(100), Num(101), Num(-1), Str("5")); ok {
			r.Params["Limit"] = v
		}
		if v, ok := genOptional(t, "Filters", Arr(Obj(map[string]Value{"Name": Str("instance-state"), "Values": Strs("RUNNING")})),
			Arr(Obj(map[string]Value{"Name": Str("colour"), "Values": Strs("red")}))); ok {
			r.Params["Filters"] = v
		}
	}
	if rapid.IntRange(0, 9).Draw(t, "unknownParam") == 0 {
		r.Params["Frobnicate"] = Bool(true)
	}
	switch rapid.IntRange(0, 29).Draw(t, "common") {
	case 0:
		r.Action = ""
	case 1:
		r.Action = "StopInstancez"
	case 2:
		r.Version = "2020-01-01"
	case 3:
		r.Region = ""
	case 4:
		r.Region = "ap-shanghai-fsi"
	case 5:
		r.Auth = rapid.SampledFrom([]AuthFact{AuthMissing, AuthMalformed, AuthUnknownSecretID, AuthBadSignature, AuthBadToken}).Draw(t, "auth")
	case 6:
		r.Transport.Decode = rapid.SampledFrom([]DecodeFault{DecodeMalformed, DecodeNotUTF8, DecodeContentType, DecodeStyleMismatch}).Draw(t, "decode")
	case 7:
		r.Timestamp = r.Timestamp.Add(time.Duration(rapid.IntRange(-900, 900).Draw(t, "skew")) * time.Second)
	case 8:
		r.Encoding = EncForm
	case 9:
		r.Transport.Signature = rapid.SampledFrom([]Signature{SigHmacSHA1, SigHmacSHA256}).Draw(t, "v1")
		r.NonceMissing = rapid.Bool().Draw(t, "nonceMissing")
	}
	return r
}

func genEnv(t *rapid.T) Env {
	return Env{Now: t0, Limited: rapid.SampledFrom([]Tri{No, No, No, Yes, Maybe}).Draw(t, "limited")}
}

func knownIDs(f Instances) []string { return slices.Sorted(maps.Keys(f)) }

func TestPropVerdictNeverEmptyAndStrictWithinLenient(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		f := genFleet(t)
		r := genRequest(t, knownIDs(f))
		j := Judge(f, r, genEnv(t))
		if j.Abstain {
			return
		}
		if j.Lenient.Empty() || j.Strict.Empty() {
			t.Fatalf("empty verdict: lenient %v strict %v for %v", j.Lenient, j.Strict, j.Violations)
		}
		if !j.Strict.Subset(j.Lenient) {
			t.Fatalf("strict %v ⊄ lenient %v for %v", j.Strict, j.Lenient, j.Violations)
		}
		if len(j.Violations) == 0 && (!j.Strict.Success || len(j.Lenient.Codes) > 0) {
			t.Fatalf("a request breaking no rule must succeed, and only succeed: %v / %v", j.Lenient, j.Strict)
		}
	})
}

func TestPropSuccessImpliesEveryNamedInstanceAdmitsIt(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		f := genFleet(t)
		r := genRequest(t, knownIDs(f))
		j := Judge(f, r, genEnv(t))
		if !j.Lenient.Success || r.Action == ActionDescribe {
			return
		}
		want := map[string]InstanceState{ActionStop: Running, ActionStart: Stopped}[r.Action]
		named := r.Params["InstanceIds"]
		if len(named.Items) == 0 {
			t.Fatalf("success allowed for %s naming no instance", r.Action)
		}
		for _, it := range named.Items {
			p, ok := f[it.Text]
			// With no Region the model lets a target serve the request
			// as if Region were the instance's own (ledger L-10).
			if !ok || p.Owner != acct || r.Region != "" && p.Region() != r.Region {
				t.Fatalf("success allowed though %q is not the caller's instance", it.Text)
			}
			if p.State != want {
				t.Fatalf("success allowed though %s is %s, not %s", p.ID, p.State, want)
			}
			if !slices.Contains(j.Targets, p.ID) {
				t.Fatalf("%s is named but not a target", p.ID)
			}
		}
	})
}

// observerOf returns an observer that knows fleet f exactly.
func observerOf(f Instances, s Strictness) *Observer {
	o := NewObserver(acct, region, s)
	for _, p := range f {
		o.Know(p)
	}
	return o
}

func snapshot(o *Observer) map[string][]Instance {
	m := map[string][]Instance{}
	for _, id := range o.IDs() {
		m[id] = slices.Clone(o.Possible(id))
	}
	return m
}

func TestPropErrorLeavesFleetUnchanged(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		f := genFleet(t)
		r := genRequest(t, knownIDs(f))
		e := genEnv(t)
		j := Judge(f, r, e)
		if len(j.Lenient.Codes) == 0 {
			return
		}
		code := rapid.SampledFrom(j.Lenient.Codes).Draw(t, "code")
		o := observerOf(f, Lenient)
		before := snapshot(o)
		if _, finding := o.Exchange(r, e, Outcome{Code: code, RequestID: "r-err"}); finding != nil {
			t.Fatalf("acceptable code %s refused: %v", code, finding)
		}
		if d := cmp.Diff(before, snapshot(o)); d != "" {
			t.Fatalf("error %s changed the fleet (-before +after):\n%s", code, d)
		}
	})
}

func TestPropSuccessAppliesTheEffect(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		f := genFleet(t)
		r := genRequest(t, knownIDs(f))
		j := Judge(f, r, Env{Now: t0})
		if !j.Lenient.Success || r.Action == ActionDescribe {
			return
		}
		o := observerOf(f, Lenient)
		if _, finding := o.Exchange(r, Env{Now: t0}, Outcome{RequestID: "r-ok"}); finding != nil {
			t.Fatalf("acceptable success refused: %v", finding)
		}
		for _, id := range j.Targets {
			want := Closure(Effect(r.Action, f[id], j.Intent, "r-ok"))
			if d := cmp.Diff(want, o.Possible(id)); d != "" {
				t.Fatalf("%s after success (-want +got):\n%s", id, d)
			}
		}
	})
}

// simulation drives a "true" fleet with the model's own transitions, at
// random times, and an observer that sees only the requests, answers and
// DescribeInstances views, as the suite sees a target.
type simulation struct {
	truth Instances
	obs   *Observer
	n     int
}

func newSimulation(t *rapid.T, s Strictness) *simulation {
	truth := Instances{}
	for _, id := range many(rapid.IntRange(1, 6).Draw(t, "fleetSize")) {
		p := inst(id, rapid.SampledFrom([]InstanceState{Running, Running, Stopped, LaunchFailed}).Draw(t, "state"))
		p.ChargeType = rapid.SampledFrom(ChargeTypes).Draw(t, "chargeType")
		p.SystemDisk = rapid.SampledFrom(DiskTypes).Draw(t, "disk")
		p.IgnoresSoftStop = rapid.SampledFrom([]Tri{No, Yes}).Draw(t, "ignoresSoftStop")
		truth[id] = p
	}
	sim := &simulation{truth: truth, obs: NewObserver(acct, region, s)}
	for _, id := range knownIDs(truth) {
		sim.obs.Discover(ViewOf(truth[id]))
	}
	return sim
}

// step performs one random event and returns a finding if the observer
// refused a history the model itself produced.
func (s *simulation) step(t *rapid.T) *Finding {
	ids := knownIDs(s.truth)
	switch rapid.IntRange(0, 3).Draw(t, "event") {
	case 0: // a request, answered as the model's truth allows
		r := genRequest(t, ids)
		e := Env{Now: t0, Limited: rapid.SampledFrom([]Tri{No, No, Yes}).Draw(t, "limited")}
		j := Judge(s.truth, r, e)
		if j.Abstain {
			return nil
		}
		outs := j.Strict.Codes
		if j.Strict.Success {
			outs = append(outs, "")
		}
		code := rapid.SampledFrom(outs).Draw(t, "answer")
		s.n++
		rid := fmt.Sprintf("req-%d", s.n)
		timeout := rapid.IntRange(0, 9).Draw(t, "timeout") == 0
		if code == "" && (!timeout || rapid.Bool().Draw(t, "tookEffect")) {
			for _, id := range j.Targets {
				s.truth[id] = Effect(r.Action, s.truth[id], j.Intent, rid)[0]
			}
		}
		_, f := s.obs.Exchange(r, Env{Now: t0, Limited: Maybe}, Outcome{Code: code, RequestID: rid, Unknown: timeout})
		return f
	case 1: // time passes for one instance
		id := rapid.SampledFrom(ids).Draw(t, "moves")
		if next := Moves(s.truth[id]); len(next) > 0 {
			s.truth[id] = rapid.SampledFrom(next).Draw(t, "move")
		}
	case 2: // one observation
		id := rapid.SampledFrom(ids).Draw(t, "observe")
		return s.obs.Observe(ViewOf(s.truth[id]))
	case 3: // a full DescribeInstances page
		r := request(ActionDescribe, map[string]Value{"Limit": Num(100)})
		j := Judge(s.obs, r, Env{Now: t0})
		var res DescribeResult
		for _, id := range ids {
			if p := s.truth[id]; p.Visible(acct, region) && p.State != Terminated {
				res.Instances = append(res.Instances, ViewOf(p))
			}
		}
		res.TotalCount = len(res.Instances)
		if fs := s.obs.ObserveDescribe(j, r, res); len(fs) > 0 {
			return fs[0]
		}
	}
	return nil
}

func TestPropObserverAcceptsTheModelsOwnHistories(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		s := newSimulation(t, rapid.SampledFrom([]Strictness{Lenient, Strict}).Draw(t, "strictness"))
		for range rapid.IntRange(1, 40).Draw(t, "steps") {
			if f := s.step(t); f != nil {
				t.Fatalf("the observer refused the model's own history: %v", f)
			}
		}
	})
}

func TestPropObserverRejectsAForgedObservation(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		s := newSimulation(t, Lenient)
		for range rapid.IntRange(0, 20).Draw(t, "steps") {
			if f := s.step(t); f != nil {
				t.Fatalf("the observer refused the model's own history: %v", f)
			}
		}
		id := rapid.SampledFrom(knownIDs(s.truth)).Draw(t, "forged")
		truth := s.truth[id]
		if truth.State == Terminated {
			t.Skip("a terminated instance is not listed")
		}
		if f := s.obs.Observe(ViewOf(truth)); f != nil {
			t.Fatalf("the observer refused the truth: %v", f)
		}
		v := ViewOf(truth)
		switch rapid.IntRange(0, 3).Draw(t, "forgery") {
		case 0:
			v.Zone = "ap-guangzhou-9"
		case 1:
			v.ChargeType = Prepaid
			if truth.ChargeType == Prepaid {
				v.ChargeType = SpotPaid
			}
		case 2:
			if !truth.Stable() {
				t.Skip("an instance in flight may be seen in its next state")
			}
			v.State = rapid.SampledFrom(InstanceStates).Filter(func(s InstanceState) bool { return s != truth.State }).Draw(t, "forgedState")
		case 3:
			v.LatestOperationRequestID = "forged-request-id"
		}
		if f := s.obs.Observe(v); f == nil {
			t.Fatalf("forged observation %v of %v accepted", v, truth)
		}
	})
}

func TestPropCanonicalAnswerIsStrictlyAcceptable(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		f := genFleet(t)
		r := genRequest(t, knownIDs(f))
		e := genEnv(t)
		e.Limited = rapid.SampledFrom([]Tri{No, Yes}).Draw(t, "limited")
		j := Judge(f, r, e)
		if j.Abstain {
			return
		}
		code, v := j.Canonical(nil)
		if !j.Accepts(code, Strict) {
			t.Fatalf("canonical answer %q (%v) not in strict %v", code, v, j.Strict)
		}
		if (code == "") != (v == nil) {
			t.Fatalf("canonical %q with violation %v", code, v)
		}
		if j.StopsBefore(RuleRateLimit) && (code == "" || v.Rule.rank >= RuleRateLimit.rank) {
			t.Fatalf("StopsBefore(rate) but the canonical answer is %q from %v", code, v)
		}
	})
}
