package conformance

import (
	"fmt"
	"slices"
	"strings"

	"pgregory.net/rapid"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// This file holds the state machine SI-PROP-01: the check, and one
// sequence's actions (machine). rapid draws sequences of requests — valid
// stops, stops of a mix of states, stops breaking one rule, starts,
// describes and settles — and the model's observer judges every answer
// and observation. Each sequence starts from the fleet as it was
// discovered. rapid.go drives rapid over a shard's sequences and judges
// what they left behind.

// propertyID is the state machine's check, which the plan splits
// into shards.
const propertyID = "SI-PROP-01"

func propertyChecks() []*Check {
	return []*Check{
		{ID: propertyID, Title: "Random sequences of stops, starts and describes follow the model",
			Clause: "seed §1, §2, §6; facts §7–§9; DESIGN \"The model\"", Severity: MUST, Needs: Needs{Running: 1},
			Sharded: true, Run: stateMachine},
	}
}

// stateMachine is SI-PROP-01: this lane's shard of the random sequences,
// driven by rapid (rapidDriver), each request in a style the target serves.
func stateMachine(c *Ctx) error {
	styles, notDrawn, err := servedStyles(c)
	if err != nil {
		return err
	}
	defer func() {
		for _, n := range notDrawn {
			c.Note("%s", n)
		}
	}()
	return (&rapidDriver{c: c, styles: styles}).run()
}

// machine is one sequence's actions over the observer's knowledge.
type machine struct {
	c       *Ctx
	t       *rapid.T
	run     *sequenceRun
	harness func(error) // records an error of the harness: not the target's failure
	styles  []namedStyle
}

// namedStyle is a request style as a sequence draws it.
type namedStyle struct {
	name string
	sign runner.Signing
}

// requestStyles are the request styles of facts §1 (A: TC3 JSON, B: TC3
// GET, C: v1 GET, D: v1 form POST), v1 with each HMAC. The first is the
// one a shrunk sequence falls back to.
var requestStyles = []namedStyle{
	{"TC3-JSON", runner.SignTC3},
	{"TC3-GET", runner.Signing{Style: tcapi.StyleTC3Get}},
	{"HmacSHA256-GET", runner.SignHmacSHA256},
	{"HmacSHA256-POST", runner.Signing{Style: tcapi.StyleV1PostForm, V1Method: tcapi.HmacSHA256}},
	{"HmacSHA1-GET", runner.Signing{Style: tcapi.StyleV1Get, V1Method: tcapi.HmacSHA1}},
	{"HmacSHA1-POST", runner.SignHmacSHA1},
}

// servedStyles returns the request styles the target serves: those in
// which a valid DescribeInstances succeeds. Every rule the sequences
// exercise holds in every style (facts §1), so each request draws one;
// a style the target refuses is not drawn, and notDrawn says so for the
// transcript (SI-PROTO-10..12 and SI-AUTH-08..12 judge the refusal).
func servedStyles(c *Ctx) (served []namedStyle, notDrawn []string, err error) {
	for _, st := range requestStyles {
		s := describeWith(func(*tcapi.Call) {})
		s.Call.Style, s.Call.V1Method = st.sign.Style, st.sign.V1Method
		x, f, err := c.Send(s)
		switch {
		case err != nil:
			return nil, nil, err
		case f != nil || x.Outcome.Unknown || x.Outcome.Code != "":
			notDrawn = append(notDrawn, fmt.Sprintf("style not drawn: %s, which the target does not serve (%s)", st.name, x.Answer()))
		default:
			served = append(served, st)
		}
	}
	return served, notDrawn, nil
}

// do sends one request and fails the sequence on a finding. A request
// that does not fix its style draws one of the styles the target serves.
func (m *machine) do(s runner.Send) {
	if !s.ExactStyle && len(m.styles) > 0 {
		names := make([]string, len(m.styles))
		for i, st := range m.styles {
			names[i] = st.name
		}
		i := slices.Index(names, rapid.SampledFrom(names).Draw(m.t, "style"))
		s.Call.Style, s.Call.V1Method, s.ExactStyle = m.styles[i].sign.Style, m.styles[i].sign.V1Method, true
	}
	m.run.sends++
	_, f, err := m.c.Send(s)
	if err != nil {
		m.harness(err)
		m.t.Fatalf("harness: %v", err)
	}
	if f != nil {
		m.fail()
		m.t.Fatalf("%s", stableText(f))
	}
}

// fail marks the sequence failed, and claims the check's failure for this
// shard unless another shard claimed it first.
func (m *machine) fail() {
	m.run.failed = true
	if m.c.shards > 1 {
		m.c.run.markShardFailed(m.c.check.ID, m.c.shard, m.c.run.name())
	}
}

// stableText names a finding without what changes from one replay to the
// next (RequestIds, times): rapid accepts a shrunk sequence only if it
// fails with the same error, so the text must not vary between replays.
func stableText(f *model.Finding) string {
	return f.Rule + " " + f.Instance
}

// unknownIDs draws n well-formed IDs that name no known instance, from
// rapid's data, so that a replay sends the same ones.
func (m *machine) unknownIDs(t *rapid.T, n int) []string {
	gen := rapid.StringMatching(`ins-[a-z0-9]{8}`).Filter(func(id string) bool { return len(m.c.run.obs.Possible(id)) == 0 })
	return rapid.SliceOfNDistinct(gen, n, n, rapid.ID[string]).Draw(t, "unknownIds")
}

// settled lists the allow-listed instances settled in state st, sorted.
func (m *machine) settled(st model.InstanceState) []string { return m.c.run.allowedIn(st) }

func (m *machine) known() []string {
	var ids []string
	for _, id := range m.c.run.obs.IDs() {
		if m.c.run.target.Allowed(id) {
			ids = append(ids, id)
		}
	}
	return ids
}

func (m *machine) stopValid(t *rapid.T) {
	running := m.settled(model.Running)
	if len(running) == 0 {
		t.Skip("no RUNNING instance")
	}
	n := rapid.OneOf(rapid.IntRange(1, min(3, len(running))), rapid.IntRange(1, min(len(running), model.MaxBatch))).Draw(t, "batchSize")
	ids := rapid.SliceOfNDistinct(rapid.SampledFrom(running), n, n, rapid.ID[string]).Draw(t, "instanceIds")
	var extra []any
	switch rapid.IntRange(0, 2).Draw(t, "forceStyle") {
	case 1:
		if st := rapid.SampledFrom([]string{"SOFT", "HARD", "SOFT_FIRST"}).Draw(t, "stopType"); true {
			extra = append(extra, "StopType", model.Str(st))
		}
	case 2:
		extra = append(extra, "ForceStop", model.Bool(rapid.Bool().Draw(t, "forceStop")))
	}
	if mode := rapid.SampledFrom([]string{"", "KEEP_CHARGING", "STOP_CHARGING"}).Draw(t, "stoppedMode"); mode != "" {
		extra = append(extra, "StoppedMode", model.Str(mode))
	}
	m.do(stopCall(ids, extra...))
}

// stopMixed stops RUNNING instances together with at least one that is
// not RUNNING (a STOPPED one, one in flight, one in a state the suite
// cannot create), one under a restriction (ledger L-28), or an unknown ID.
func (m *machine) stopMixed(t *rapid.T) {
	var others []string
	for _, id := range m.known() {
		if ps := m.c.run.obs.Possible(id); !allIn(ps, model.Running) || slices.ContainsFunc(ps, model.Restricted) {
			others = append(others, id)
		}
	}
	running := m.settled(model.Running)
	var ids []string
	if len(running) > 0 {
		ids = rapid.SliceOfNDistinct(rapid.SampledFrom(running), 0, min(3, len(running)), rapid.ID[string]).Draw(t, "runningIds")
	}
	if len(others) > 0 && rapid.IntRange(0, 3).Draw(t, "otherKind") > 0 {
		ids = append(ids, rapid.SliceOfNDistinct(rapid.SampledFrom(others), 1, min(2, len(others)), rapid.ID[string]).Draw(t, "otherIds")...)
	} else {
		ids = append(ids, m.unknownIDs(t, 1)...)
	}
	m.do(stopCall(ids, "StopType", model.Str(rapid.SampledFrom([]string{"SOFT", "HARD"}).Draw(t, "stopType"))))
}

// stopInvalid breaks one rule from the grammar of violations, on RUNNING
// instances the request would otherwise stop.
func (m *machine) stopInvalid(t *rapid.T) {
	running := m.settled(model.Running)
	if len(running) == 0 {
		t.Skip("no RUNNING instance")
	}
	ids := rapid.SliceOfNDistinct(rapid.SampledFrom(running), 1, min(2, len(running)), rapid.ID[string]).Draw(t, "instanceIds")
	s := stopCall(ids)
	v := rapid.SampledFrom([]string{"missing", "empty", "tooMany", "malformed", "unknown", "idsNotArray",
		"forceStopType", "stopTypeType", "badStopType", "badStoppedMode", "forceWithStopType", "unknownParam"}).Draw(t, "violation")
	switch v {
	case "missing":
		s.Call.Params = nil
	case "empty":
		s.Call.Params[0].Value = model.Strs()
	case "tooMany":
		s.Call.Params[0].Value = model.Strs(m.unknownIDs(t, model.MaxBatch+1)...)
	case "malformed":
		s.Call.Params[0].Value = model.Strs(append(ids, rapid.SampledFrom([]string{"ins-1122", "", "ins-ABCDEFGH", "i-12345678"}).Draw(t, "malformedID"))...)
	case "unknown":
		s.Call.Params[0].Value = model.Strs(append(ids, m.unknownIDs(t, 1)...)...)
	case "idsNotArray":
		s.Call.Params[0].Value = model.Str(ids[0])
	case "forceStopType":
		s.Call.Params = append(s.Call.Params, tcapi.Param{Name: "ForceStop", Value: model.Str("yes")})
	case "stopTypeType":
		s.Call.Params = append(s.Call.Params, tcapi.Param{Name: "StopType", Value: model.Num(1)})
	case "badStopType":
		s.Call.Params = append(s.Call.Params, tcapi.Param{Name: "StopType", Value: model.Str("GENTLE")})
	case "badStoppedMode":
		s.Call.Params = append(s.Call.Params, tcapi.Param{Name: "StoppedMode", Value: model.Str("HALF_CHARGING")})
	case "forceWithStopType":
		s.Call.Params = append(s.Call.Params, tcapi.Param{Name: "ForceStop", Value: model.Bool(true)},
			tcapi.Param{Name: "StopType", Value: model.Str("HARD")})
	case "unknownParam":
		s.Call.Params = append(s.Call.Params, tcapi.Param{Name: "Frobnicate", Value: model.Bool(true)})
	}
	switch v {
	case "idsNotArray", "forceStopType", "stopTypeType":
		// A JSON type is a violation only JSON can carry: a form sends
		// every value as text.
		s = jsonOnly(s)
	}
	m.do(s)
}

func (m *machine) start(t *rapid.T) {
	stopped := m.settled(model.Stopped)
	known := m.known()
	if len(stopped) == 0 && len(known) == 0 {
		t.Skip("no allow-listed instance")
	}
	pool := stopped
	if len(pool) == 0 || rapid.IntRange(0, 4).Draw(t, "startAny") == 0 {
		pool = known
	}
	ids := rapid.SliceOfNDistinct(rapid.SampledFrom(pool), 1, min(4, len(pool)), rapid.ID[string]).Draw(t, "instanceIds")
	m.do(startCall(ids...))
}

func (m *machine) describeIDs(t *rapid.T) {
	known := m.c.run.obs.IDs()
	ids := rapid.SliceOfNDistinct(rapid.SampledFrom(known), 1, min(10, len(known)), rapid.ID[string]).Draw(t, "instanceIds")
	m.describe(tcapi.Param{Name: "InstanceIds", Value: model.Strs(ids...)})
}

func (m *machine) describeFilter(t *rapid.T) {
	st := rapid.SampledFrom([]string{"RUNNING", "STOPPED", "STOPPING", "STARTING"}).Draw(t, "stateFilter")
	m.describe(tcapi.Param{Name: "Filters", Value: model.Arr(model.Obj(map[string]model.Value{
		"Name": model.Str("instance-state"), "Values": model.Strs(st)}))}, tcapi.Param{Name: "Limit", Value: model.Num(100)})
}

func (m *machine) describePage(t *rapid.T) {
	m.describe(tcapi.Param{Name: "Offset", Value: model.Num(rapid.IntRange(0, 140).Draw(t, "offset"))},
		tcapi.Param{Name: "Limit", Value: model.Num(rapid.IntRange(1, 100).Draw(t, "limit"))})
}

func (m *machine) describe(params ...tcapi.Param) {
	m.do(runner.Send{Call: tcapi.Call{Action: model.ActionDescribe, Params: params}})
}

func (m *machine) settle(t *rapid.T) {
	var ids []string
	for id := range m.c.touched {
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		t.Skip("nothing in flight")
	}
	slices.Sort(ids)
	if err := m.c.Settle(ids...); err != nil {
		if isFailure(err) {
			m.fail()
			m.c.steps = append(m.c.steps, step{text: "    ✗ " + err.Error()})
			t.Fatalf("settle: %s", strings.SplitN(err.Error(), ":", 2)[0])
		}
		m.harness(err)
		t.Fatalf("harness: %v", err)
	}
}
