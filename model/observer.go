package model

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// View is what DescribeInstances shows of one instance: the fields the
// model predicts (facts §9).
type View struct {
	ID                       string
	Zone                     string
	State                    InstanceState
	ChargeType               ChargeType
	SystemDisk               DiskType
	LocalDataDisk            bool
	StopChargingMode         ChargingMode
	LatestOperation          string
	LatestOperationState     OperationState
	LatestOperationRequestID string
	RestrictState            string
}

// ViewOf is the view of instance state p.
func ViewOf(p Instance) View {
	return View{ID: p.ID, Zone: p.Zone, State: p.State, ChargeType: p.ChargeType,
		SystemDisk: p.SystemDisk, LocalDataDisk: p.LocalDataDisk, StopChargingMode: p.StopChargingMode,
		LatestOperation: p.LatestOperation, LatestOperationState: p.LatestOperationState,
		LatestOperationRequestID: p.LatestOperationRequestID, RestrictState: p.RestrictState}
}

func (v View) String() string {
	s := fmt.Sprintf("%s %s", v.ID, v.State)
	if v.LatestOperation != "" || v.LatestOperationState != "" {
		s += fmt.Sprintf(" (%s %s", orNull(v.LatestOperation), orNull(string(v.LatestOperationState)))
		if v.LatestOperationRequestID != "" {
			s += " " + v.LatestOperationRequestID
		}
		s += ")"
	}
	if v.State == Stopped {
		s += " " + string(v.StopChargingMode)
	}
	return s
}

func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

// admits reports whether the observed view v is what state p shows, and if
// not, which field differs. Fields the model does not predict are not
// compared: the LatestOperation fields and StopChargingMode of a foreign
// operation, StopChargingMode of an instance that is not STOPPED, or whose
// stop still says OPERATING (ledger L-16).
func (p Instance) admits(v View) string {
	switch {
	case v.State != p.State:
		return "InstanceState"
	case v.Zone != p.Zone:
		return "Placement.Zone"
	case v.ChargeType != p.ChargeType:
		return "InstanceChargeType"
	case v.SystemDisk != p.SystemDisk:
		return "SystemDisk.DiskType"
	case v.LocalDataDisk != p.LocalDataDisk:
		return "DataDisks"
	case p.Foreign:
		return ""
	case v.LatestOperation != p.LatestOperation:
		return "LatestOperation"
	case v.LatestOperationState != p.LatestOperationState:
		return "LatestOperationState"
	case v.LatestOperationRequestID != p.LatestOperationRequestID:
		return "LatestOperationRequestId"
	case p.State == Stopped && p.LatestOperationState != OpOperating && v.StopChargingMode != p.StopChargingMode:
		return "StopChargingMode"
	}
	return ""
}

// Outcome is how a target answered one request.
type Outcome struct {
	Code      string // error code; "" for success
	RequestID string
	// Unknown: no answer arrived (a timeout, a broken connection). The
	// request may or may not have taken effect, as Jepsen's "info"
	// operations (DESIGN "Command line": a request that times out).
	Unknown bool
}

func (o Outcome) String() string {
	switch {
	case o.Unknown:
		return "no answer (outcome unknown)"
	case o.Code == "":
		return "success"
	}
	return o.Code
}

// Finding is a departure from the specification, with what the model
// expected, what the target did, and the clause that decides it.
type Finding struct {
	Rule     string // rule or transition that was broken
	Clause   string
	Instance string
	Expected string
	Actual   string
	Detail   string // the violations behind the expectation, one a line
}

func (f *Finding) Error() string {
	s := f.Rule + ": "
	if f.Instance != "" {
		s += f.Instance + ": "
	}
	s += "expected " + f.Expected + "; got " + f.Actual + " [" + f.Clause + "]"
	if f.Detail != "" {
		s += "\n" + f.Detail
	}
	return s
}

// Observer tracks, per instance, the set of states still possible given a
// history of requests, their outcomes and DescribeInstances observations,
// and reports the first observation or outcome outside what is possible.
// It is the model's judge of a target over time. It does no I/O and reads
// no clock; it is not safe for concurrent use.
type Observer struct {
	account    string
	region     string
	strictness Strictness
	possible   map[string][]Instance
	cause      map[string]string // instance → the clause behind its expectation
	ceded      map[string]bool   // instances another observer judges (Cede)
}

// NewObserver returns an observer for requests made as account in region.
func NewObserver(account, region string, s Strictness) *Observer {
	return &Observer{account: account, region: region, strictness: s,
		possible: map[string][]Instance{}, cause: map[string]string{}, ceded: map[string]bool{}}
}

// Cede hands instances over to another observer: one that judges the
// requests moving them, while this one judges requests on other
// instances of the same account at the same time (the lanes of one
// account, each over its own instances). This observer forgets them, and
// a DescribeInstances that lists them is judged for its shape but tells
// it nothing of their state: only the requests of the other observer's
// history explain it. The caller must not name a ceded instance in a
// request this observer judges.
func (o *Observer) Cede(ids ...string) {
	for _, id := range ids {
		delete(o.possible, id)
		delete(o.cause, id)
		o.ceded[id] = true
	}
}

// Possible implements Fleet: the states instance id may be in now.
func (o *Observer) Possible(id string) []Instance { return o.possible[id] }

// IDs lists the instances the observer knows, sorted.
func (o *Observer) IDs() []string { return slices.Sorted(maps.Keys(o.possible)) }

// Know adds (or replaces) an instance whose state is known exactly, such as
// one the target's owner described, or another account's instance the
// observer must never see. Its transient state, if any, is foreign: the
// model did not see it start.
func (o *Observer) Know(p Instance) {
	if p.State.Transient() || p.LatestOperationState == OpOperating {
		p.Foreign = true
		p.PendingForce = Maybe
	}
	o.possible[p.ID] = Closure([]Instance{p})
	o.cause[p.ID] = "discovered by DescribeInstances"
}

// Discover adds an instance of the observer's account from its first
// observation. Its guest's traits are unknown (DESIGN "The model").
func (o *Observer) Discover(v View) { o.discoverAs(o.account, v) }

// discoverAs adds an instance of account from its first observation.
func (o *Observer) discoverAs(account string, v View) {
	o.Know(Instance{ID: v.ID, Owner: account, Zone: v.Zone, State: v.State,
		ChargeType: v.ChargeType, SystemDisk: v.SystemDisk, LocalDataDisk: v.LocalDataDisk,
		StopChargingMode: v.StopChargingMode, LatestOperation: v.LatestOperation,
		LatestOperationState: v.LatestOperationState, LatestOperationRequestID: v.LatestOperationRequestID,
		RestrictState: v.RestrictState, IgnoresSoftStop: Maybe})
}

// Settled reports whether instance id can only be in stable states.
func (o *Observer) Settled(id string) bool {
	for _, p := range o.possible[id] {
		if !p.Stable() {
			return false
		}
	}
	return true
}

// Exchange judges the outcome of request r and updates what is possible.
// It returns the judgement and, if the outcome is not acceptable, a
// finding. An error, or a rate-limited request, changes nothing (DESIGN:
// a batch is atomic); a success applies the action to every named
// instance; an unknown outcome may or may not have.
func (o *Observer) Exchange(r Request, env Env, out Outcome) (Judgement, *Finding) {
	if r.Account == "" {
		r.Account = o.account
	}
	if env.Home == "" {
		env.Home = o.region
	}
	j := Judge(o, r, env)
	var f *Finding
	if !out.Unknown && !j.Accepts(out.Code, o.strictness) {
		// A rate limit that may or may not apply is not what the
		// answer broke unless the answer was a rate limit.
		vs := j.Violations
		if env.Limited == Maybe && !IsRateLimited(out.Code) {
			vs = withoutRule(vs, RuleRateLimit)
		}
		f = &Finding{Rule: rulesOf(vs), Clause: clausesOf(vs),
			Expected: j.Outcomes(o.strictness).Describe() + " (" + o.strictness.String() + ")",
			Actual:   out.String(), Detail: violationLines(vs)}
		if len(vs) == 0 {
			f.Rule, f.Clause = "VALID-REQUEST", "seed §1, §2: a valid request on RUNNING instances succeeds"
		}
	}
	// Only a stop or a start changes an instance; a DescribeInstances
	// names IDs it observes, which ObserveDescribe judges (and an ID the
	// observer does not know must stay unknown, not become an empty set).
	if (out.Unknown || out.Code == "") && (j.Action == ActionStop || j.Action == ActionStart) {
		for _, id := range j.Targets {
			o.apply(j.Action, id, j.Intent, out)
		}
	}
	return j, f
}

func (o *Observer) apply(action, id string, in Intent, out Outcome) {
	before := o.possible[id]
	var after []Instance
	for _, p := range before {
		if p.Owner == o.account && AllowsSuccess(action, p, in) {
			after = append(after, Effect(action, p, in, out.RequestID)...)
		}
	}
	switch {
	case out.Unknown:
		after = append(before, after...)
	case len(after) == 0:
		// The success was itself a finding. Believe the target did what it
		// says, so that later observations are judged against that and
		// not reported again as echoes of this one.
		for _, p := range before {
			after = append(after, Effect(action, p, in, out.RequestID)...)
		}
	}
	o.possible[id] = Closure(after)
	o.cause[id] = transitionClause(action, out)
}

func transitionClause(action string, out Outcome) string {
	s := action + " " + out.RequestID + " "
	if out.Unknown {
		s += "(outcome unknown) "
	}
	switch action {
	case ActionStop:
		return s + "succeeded: seed §1 \"status will become STOPPING … and STOPPED when the instance is successfully shut down\""
	case ActionStart:
		return s + "succeeded: facts §8 STOPPED ⇒ STARTING ⇒ RUNNING"
	}
	return s
}

// Observe judges one DescribeInstances observation of an instance and
// narrows what is possible to it. An instance the observer does not know is
// discovered. After a finding the observer believes the observation, so
// that later findings are not echoes of this one.
func (o *Observer) Observe(v View) *Finding { return o.observeAs(o.account, v) }

// observeAs is Observe of a view account's request returned: an unknown
// instance is discovered as account's.
func (o *Observer) observeAs(account string, v View) *Finding {
	if o.ceded[v.ID] {
		return nil
	}
	ps, ok := o.possible[v.ID]
	if !ok {
		o.discoverAs(account, v)
		return nil
	}
	var keep []Instance
	for _, p := range ps {
		if p.admits(v) == "" {
			p.RestrictState = v.RestrictState // learnt, not predicted
			keep = append(keep, p)
		}
	}
	if len(keep) > 0 {
		o.possible[v.ID] = Closure(keep)
		return nil
	}
	f := &Finding{Rule: "OBSERVED-STATE", Clause: o.cause[v.ID], Instance: v.ID,
		Expected: describePossible(ps, v), Actual: v.String()}
	owner := ps[0].Owner
	o.Discover(v)
	for i := range o.possible[v.ID] {
		o.possible[v.ID][i].Owner = owner
	}
	return f
}

// describePossible lists the states the model allowed, and which field of
// the observation departs from the closest one.
func describePossible(ps []Instance, v View) string {
	var views []string
	fields := map[string]bool{}
	for _, p := range ps {
		s := ViewOf(p).String()
		if p.Foreign {
			s = fmt.Sprintf("%s %s (any LatestOperation)", p.ID, p.State)
		}
		views = append(views, s)
		fields[p.admits(v)] = true
	}
	views = Distinct(views)
	sort.Strings(views)
	var diff []string
	for f := range fields {
		diff = append(diff, f)
	}
	sort.Strings(diff)
	return "one of [" + strings.Join(views, "; ") + "] (differs in " + strings.Join(diff, ", ") + ")"
}

func withoutRule(vs []Violation, r *Rule) []Violation {
	var out []Violation
	for _, v := range vs {
		if v.Rule != r {
			out = append(out, v)
		}
	}
	return out
}

func violationLines(vs []Violation) string {
	var lines []string
	for _, v := range vs {
		lines = append(lines, "  - "+v.String()+": "+v.Rule.Requirement)
	}
	return strings.Join(lines, "\n")
}

func rulesOf(vs []Violation) string {
	var ids []string
	for _, v := range vs {
		ids = append(ids, v.Rule.ID)
	}
	return strings.Join(Distinct(ids), ", ")
}

func clausesOf(vs []Violation) string {
	var cs []string
	for _, v := range vs {
		cs = append(cs, v.Rule.Clause)
	}
	return strings.Join(Distinct(cs), "; ")
}

// Restrict returns a new observer that knows only the given instances, in
// the states this one allows for them, and cedes what this one cedes: the state of a linearizability
// model, which must be small and copied at every step.
func (o *Observer) Restrict(ids []string) *Observer {
	r := NewObserver(o.account, o.region, o.strictness)
	maps.Copy(r.ceded, o.ceded)
	for _, id := range ids {
		if ps, ok := o.possible[id]; ok {
			r.possible[id] = append([]Instance(nil), ps...)
			r.cause[id] = o.cause[id]
		}
	}
	return r
}

// Clone returns an independent copy of the observer.
func (o *Observer) Clone() *Observer { return o.Restrict(o.IDs()) }

// Equal reports whether two observers allow exactly the same states.
func (o *Observer) Equal(p *Observer) bool {
	if len(o.possible) != len(p.possible) {
		return false
	}
	for id, ps := range o.possible {
		qs, ok := p.possible[id]
		if !ok || len(ps) != len(qs) {
			return false
		}
		for _, x := range ps {
			if !contains(qs, x) {
				return false
			}
		}
	}
	return true
}

// Summary lists each instance and the states it may be in, one line each.
func (o *Observer) Summary() string {
	var lines []string
	for _, id := range o.IDs() {
		var views []string
		for _, p := range o.possible[id] {
			views = append(views, string(p.State)+"/"+orNull(string(p.LatestOperationState)))
		}
		lines = append(lines, id+": "+strings.Join(Distinct(views), " | "))
	}
	return strings.Join(lines, "\n")
}
