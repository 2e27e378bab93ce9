package runner_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/report"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// sent is an exchange as a check sent it: its answer's body kept, its
// HTTP status, and the time after the fleet's listing it was sent at.
func sent(t *testing.T, check string, call tcapi.Call, status int, after time.Duration, body string) runner.Judgeable {
	in := judgeable(t, call, body)
	in.Check, in.Raw, in.Status = check, body, status
	in.Sent = in.Sent.Add(after)
	in.Received = in.Sent.Add(10 * time.Millisecond)
	return in
}

// judged is the evidence of a history judged by a run's pipeline that
// knows the fleet of fleetListing.
func judged(t *testing.T, history ...runner.Judgeable) *runner.Evidence {
	t.Helper()
	obs := model.NewObserver(runner.AccountMain, region, model.Lenient)
	res, err := runner.ParseDescribe(judgeable(t, describeAll(), fleetListing).Response)
	require.NoError(t, err)
	for _, v := range res.Instances {
		obs.Discover(v)
	}
	p := runner.NewJudging(runner.JudgingConfig{Clock: runner.SendTime}, obs)
	for _, in := range history {
		p.Judge(in)
	}
	return p.Evidence()
}

func coverItem(t *testing.T, items []report.CoverageItem, kind, id string) report.CoverageItem {
	t.Helper()
	for _, c := range items {
		if c.Kind == kind && c.ID == id {
			return c
		}
	}
	t.Fatalf("coverage has no %s %s", kind, id)
	return report.CoverageItem{}
}

const served = `{"Response":{"RequestId":"r-2"}}`

// TestCoverage: what each kind of item needs to count as exercised (see
// runner/coverage.go), item by item, from hand-made histories.
func TestCoverage(t *testing.T) {
	t.Parallel()
	withParam := func(c tcapi.Call, name string, v model.Value) tcapi.Call {
		c.Params = append(c.Params, tcapi.Param{Name: name, Value: v})
		return c
	}
	type want struct {
		kind, id string
		checks   []string // nil: not exercised
		outcomes []string
	}
	cases := []struct {
		name    string
		history []runner.Judgeable
		want    []want
		reason  string
	}{
		{name: "malformed ID refused with the seed's code",
			history: []runner.Judgeable{sent(t, "SI-ID-01", stopOf("ins-1122"), 200, 0, refusal(model.CodeMalformed))},
			want: []want{
				{report.CoverRule, "ID-MALFORMED", []string{"SI-ID-01"}, []string{model.CodeMalformed}},
				{report.CoverCode, model.CodeMalformed, []string{"SI-ID-01"}, []string{model.CodeMalformed}},
				{report.CoverLedger, "L-06", []string{"SI-ID-01"}, []string{model.CodeMalformed}},
				{report.CoverLedger, "L-23", []string{"SI-ID-01"}, []string{model.CodeMalformed}},
				{report.CoverRule, "RATE-LIMIT", nil, nil},
				{report.CoverCode, model.CodeNotFound, nil, nil},
			},
			reason: "the request certainly broke ID-MALFORMED, and the answer was a code its accepted set held; it only may have been over the limit, and the answer was not a rate-limit code"},
		{name: "a code the model did not accept is not a code exercised",
			history: []runner.Judgeable{sent(t, "SI-X-01", stopOf(runningID), 200, 0, refusal(model.CodeNotFound))},
			want:    []want{{report.CoverCode, model.CodeNotFound, nil, nil}, {report.CoverRule, "EXIST-UNKNOWN", nil, nil}},
			reason:  "the instance exists: NotFound was answered, but no accepted set held it"},
		{name: "a stop refused as over the limit exercises RATE-LIMIT",
			history: []runner.Judgeable{sent(t, "SI-RATE-01", stopOf(runningID), 200, 0, refusal(model.CodeRequestLimitExceeded))},
			want:    []want{{report.CoverRule, "RATE-LIMIT", []string{"SI-RATE-01"}, []string{runner.OutcomeRateLimited}}},
			reason:  "a violation the model marks Maybe counts when the answer is the rule's own code"},
		{name: "no answer to a certainly malformed request",
			history: []runner.Judgeable{sent(t, "SI-ID-01", stopOf("ins-1122"), 0, 0, "<html>502</html>")},
			want: []want{{report.CoverRule, "ID-MALFORMED", []string{"SI-ID-01"}, []string{runner.OutcomeNoAnswer}},
				{report.CoverCode, model.CodeMalformed, nil, nil}},
			reason: "the request broke the rule whatever the answer; no code was answered"},
		{name: "a stop served, then listings: RUNNING → STOPPING → STOPPED",
			history: []runner.Judgeable{
				sent(t, "SI-STATE-01", stopOf(runningID), 200, 0, served),
				sent(t, "SI-STATE-01", describeAll(), 200, time.Second, listing("r-3", 2, runningID+" STOPPED StopInstances SUCCESS", stoppedID+" STOPPED StopInstances SUCCESS")),
			},
			want: []want{
				{report.CoverTransition, "RUNNING → STOPPING", []string{"SI-STATE-01"}, []string{runner.OutcomeServed}},
				{report.CoverTransition, "STOPPING → STOPPED", []string{"SI-STATE-01"}, []string{runner.OutcomeListed}},
				{report.CoverLedger, "L-16", []string{"SI-STATE-01"}, []string{runner.OutcomeListed}},
				{report.CoverTransition, "STOPPED → STARTING", nil, nil},
				{report.CoverLedger, "L-23", nil, nil},
			},
			reason: "the accepted stop is seen as its effect (seed §1), the listing shows where it went; nothing was refused"},
		{name: "an unknown parameter refused, by two checks",
			history: []runner.Judgeable{
				sent(t, "SI-PARAM-03", withParam(stopOf(runningID), "DryRun", model.Bool(true)), 200, 0, refusal(model.CodeUnknownParameter)),
				sent(t, "SI-PARAM-04", withParam(stopOf(stoppedID), "DryRun", model.Bool(true)), 200, 0, refusal(model.StateCode(model.Stopped))),
			},
			want: []want{
				{report.CoverRule, "PARAM-UNKNOWN", []string{"SI-PARAM-03", "SI-PARAM-04"}, []string{model.CodeUnknownParameter, model.StateCode(model.Stopped)}},
				{report.CoverLedger, "L-08", []string{"SI-PARAM-03", "SI-PARAM-04"}, []string{model.CodeUnknownParameter, model.StateCode(model.Stopped)}},
				{report.CoverLedger, "L-05", []string{"SI-PARAM-04"}, []string{model.StateCode(model.Stopped)}},
			},
			reason: "each exchange broke the rule; the second broke a state rule too, which is the precedence question"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			items := judged(t, c.history...).Coverage()
			for _, w := range c.want {
				got := coverItem(t, items, w.kind, w.id)
				require.Equal(t, w.checks, got.Checks, "%s %s checks: %s", w.kind, w.id, c.reason)
				require.Equal(t, w.outcomes, got.Outcomes, "%s %s outcomes: %s", w.kind, w.id, c.reason)
				require.Equal(t, w.checks == nil, got.Unexercised != "", "%s %s says why it was not exercised exactly when it was not", w.kind, w.id)
			}
		})
	}
}

// TestCoverageListsEverything: coverage names every rule, seed code,
// transition and ledger entry, exercised or not.
func TestCoverageListsEverything(t *testing.T) {
	t.Parallel()
	items := runner.NewEvidence().Coverage()
	require.Len(t, items, len(model.Rules)+len(model.SeedCodes)+len(model.Transitions)+len(model.Ledger))
	for _, c := range items {
		require.False(t, c.Exercised(), c.ID)
		require.NotEmpty(t, c.Unexercised, c.ID)
	}
}

// TestEvidenceMerge: two lanes' evidence joined covers what either did.
func TestEvidenceMerge(t *testing.T) {
	t.Parallel()
	a := judged(t, sent(t, "SI-ID-01", stopOf("ins-1122"), 200, 0, refusal(model.CodeMalformed)))
	b := judged(t, sent(t, "SI-RATE-01", stopOf(runningID), 200, 0, refusal(model.CodeRequestLimitExceeded)))
	a.Merge(b)
	items := a.Coverage()
	require.True(t, coverItem(t, items, report.CoverRule, "ID-MALFORMED").Exercised())
	require.True(t, coverItem(t, items, report.CoverRule, "RATE-LIMIT").Exercised())
	require.Equal(t, []string{"SI-ID-01", "SI-RATE-01"}, coverItem(t, items, report.CoverLedger, "L-23").Checks)

	// Two lanes' stops are two accounts' (or shares'): their bursts are
	// not joined.
	six := func() *runner.Evidence {
		var h []runner.Judgeable
		for i := range 6 {
			h = append(h, sent(t, "SI-RATE-01", stopOf("ins-zzzzzzzz"), 200, time.Duration(i)*50*time.Millisecond, refusal(model.CodeNotFound)))
		}
		return judged(t, h...)
	}
	c := six()
	c.Merge(six())
	require.Empty(t, dimension(t, c.Profile(), runner.DimLimiter).Choice, "6 and 6 on two lanes are not 12 in one second")
}

func dimension(t *testing.T, dims []report.Dimension, name string) report.Dimension {
	t.Helper()
	for _, d := range dims {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("profile has no dimension %s", name)
	return report.Dimension{}
}

// TestProfile: which choice each dimension reads from hand-made
// histories (see runner/profile.go), and that one the history does not
// show says so.
func TestProfile(t *testing.T) {
	t.Parallel()
	unknown := func(c tcapi.Call) tcapi.Call {
		c.Params = append(c.Params, tcapi.Param{Name: "DryRun", Value: model.Bool(true)})
		return c
	}
	cases := []struct {
		name    string
		history []runner.Judgeable
		want    map[string]string // dimension → choice ("" not observed)
		reason  string
	}{
		{name: "a lone unknown parameter refused, answers in the SDK's form",
			history: []runner.Judgeable{
				sent(t, "c", unknown(stopOf(runningID)), 400, 0, refusal(model.CodeUnknownParameter)),
				sent(t, "c", describeAll(), 200, time.Second, fleetListing),
			},
			want: map[string]string{"param-unknown": model.CodeUnknownParameter, runner.DimErrorStatus: "400",
				runner.DimRequestID: "last", runner.DimKeyOrder: "other", runner.DimRegions: "serves ap-guangzhou",
				"id-malformed": "", runner.DimOpState: "", runner.DimLatency + ".StopInstances": ""},
			reason: "the request broke PARAM-UNKNOWN alone; both answers end in RequestId; the listing's instance has its members in no order the emulator offers"},
		{name: "an unknown parameter with another rule broken says nothing of its choice",
			history: []runner.Judgeable{sent(t, "c", unknown(stopOf(stoppedID)), 200, 0, refusal(model.StateCode(model.Stopped)))},
			want:    map[string]string{"param-unknown": "", runner.DimKeyOrder: ""},
			reason:  "the state rule answered; whether the target would have refused the parameter alone is not shown"},
		{name: "a stop of a STOPPED instance refused with a generic state code",
			history: []runner.Judgeable{sent(t, "c", stopOf(stoppedID), 200, 0, refusal("InvalidInstanceState"))},
			want:    map[string]string{"state-stop": "InvalidInstanceState"},
			reason:  "the code is STATE-STOP's alone, and the target chose it where the state's own code was open too"},
		{name: "a stop of a STOPPED instance refused with the state's own code",
			history: []runner.Judgeable{sent(t, "c", stopOf(stoppedID), 200, 0, refusal(model.StateCode(model.Stopped)))},
			want:    map[string]string{"state-stop": ""},
			reason:  "the in-progress codes are closed at rest (L-19): a target that chose one falls back to the state's own code, so it tells nothing"},
		{name: "a stop seen ended while still OPERATING lags",
			history: []runner.Judgeable{
				sent(t, "c", stopOf(runningID), 200, 0, served),
				sent(t, "c", describeAll(), 200, 100*time.Millisecond, listing("r-3", 2, runningID+" STOPPING StopInstances OPERATING", stoppedID+" STOPPED StopInstances SUCCESS")),
				sent(t, "c", describeAll(), 200, 400*time.Millisecond, listing("r-4", 2, runningID+" STOPPED StopInstances OPERATING", stoppedID+" STOPPED StopInstances SUCCESS")),
				sent(t, "c", describeAll(), 200, 600*time.Millisecond, listing("r-5", 2, runningID+" STOPPED StopInstances SUCCESS", stoppedID+" STOPPED StopInstances SUCCESS")),
			},
			want:   map[string]string{runner.DimOpState: "lag", runner.DimLatency + ".StopInstances": "min 610ms, median 610ms, max 610ms", runner.DimLatency + ".StartInstances": ""},
			reason: "L-16: STOPPED with OPERATING, still in flight; the listing that showed it ended, SUCCESS, came back 610 ms after the stop was sent"},
		{name: "a stop seen in flight already SUCCESS runs ahead",
			history: []runner.Judgeable{
				sent(t, "c", stopOf(runningID), 200, 0, served),
				sent(t, "c", describeAll(), 200, 100*time.Millisecond, `{"Response":{"InstanceSet":[{"InstanceState":"STOPPING","InstanceId":"`+runningID+`","InstanceChargeType":"POSTPAID_BY_HOUR","Placement":{"Zone":"ap-guangzhou-3"},"SystemDisk":{"DiskType":"CLOUD_PREMIUM"},"StopChargingMode":"NOT_APPLICABLE","LatestOperation":"StopInstances","LatestOperationState":"SUCCESS","LatestOperationRequestId":"r-2"},{"InstanceId":"`+stoppedID+`","InstanceState":"STOPPED","InstanceChargeType":"POSTPAID_BY_HOUR","Placement":{"Zone":"ap-guangzhou-3"},"SystemDisk":{"DiskType":"CLOUD_PREMIUM"},"StopChargingMode":"NOT_APPLICABLE","LatestOperation":"StopInstances","LatestOperationState":"SUCCESS","LatestOperationRequestId":"r-0"}],"RequestId":"r-3","TotalCount":2}}`),
				sent(t, "c", stopOf("ins-1122"), 200, time.Second, `{"Response":{"Error":{"Code":"InvalidInstanceId.Malformed","Message":"m"},"RequestId":"r-5"}}`),
			},
			want: map[string]string{runner.DimOpState: "ahead", runner.DimKeyOrder: "other", runner.DimRequestID: "between | last",
				"id-malformed": model.CodeMalformed, runner.DimLatency + ".StopInstances": ""},
			reason: "L-16: STOPPING with SUCCESS; no listing showed the stop ended"},
	}
	burst := func(n int, every time.Duration) []runner.Judgeable {
		var out []runner.Judgeable
		for i := range n {
			out = append(out, sent(t, "SI-RATE-01", stopOf("ins-zzzzzzzz"), 200, time.Duration(i)*every, refusal(model.CodeNotFound)))
		}
		return out
	}
	cases = append(cases, []struct {
		name    string
		history []runner.Judgeable
		want    map[string]string
		reason  string
	}{
		{name: "eleven stops let through within a second", history: burst(11, 50*time.Millisecond),
			want:   map[string]string{runner.DimLimiter: "fixed or token"},
			reason: "L-12: over the documented 10 a second, which a sliding window never lets through"},
		{name: "ten stops let through within a second", history: burst(10, 50*time.Millisecond),
			want:   map[string]string{runner.DimLimiter: ""},
			reason: "within the limit: any limiter"},
		{name: "eleven stops over more than a second", history: burst(11, 100*time.Millisecond),
			want:   map[string]string{runner.DimLimiter: ""},
			reason: "the first and the eleventh are a second apart: a sliding window lets them through"},
		{name: "eleven stops, one rate limited", history: append(burst(10, 50*time.Millisecond),
			sent(t, "SI-RATE-01", stopOf("ins-zzzzzzzz"), 200, 600*time.Millisecond, refusal("RequestLimitExceeded.IPLimitExceeded"))),
			want:   map[string]string{runner.DimLimiter: "", "rate-limit": "RequestLimitExceeded.IPLimitExceeded"},
			reason: "the limiter refused the eleventh, with the code of its choice: every rate-limit code is open to any request over the limit"},
	}...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dims := judged(t, c.history...).Profile()
			for name, choice := range c.want {
				d := dimension(t, dims, name)
				require.Equal(t, choice, d.Choice, "%s (%s): %s", name, d.Evidence, c.reason)
				require.NotEmpty(t, d.Evidence, "%s says what its choice rests on, or why it has none", name)
			}
			if want := c.want[runner.DimLatency+".StopInstances"]; want != "" {
				lo, minHi, ok := runner.LatencyBounds(dimension(t, dims, runner.DimLatency+".StopInstances"))
				require.True(t, ok)
				require.Equal(t, 390*time.Millisecond, lo, "seen in flight (STOPPED, OPERATING) by the listing sent 400 ms after the stop, answered 10 ms after it")
				require.Equal(t, 610*time.Millisecond, minHi)
			}
		})
	}
}
