package emulator

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// The reference emulator refuses, by default, wherever the sources allow
// refusing (strictDefaults): these tests are the audit of every rule that
// lets a target serve what it could refuse, one case each.

// state returns instance id's state in the store, as the model holds it.
func (h *harness) state(id string) model.Instance {
	h.t.Helper()
	h.e.store.mu.Lock()
	defer h.e.store.mu.Unlock()
	h.e.store.advance(h.clock.Now())
	r := h.e.store.byID[id]
	require.NotNil(h.t, r, "no instance %s", id)
	return r.inst
}

// request builds a signed request of c (defaults filled as by send),
// changed by mutate.
func (h *harness) request(c tcapi.Call, mutate func(*http.Request)) *http.Request {
	h.t.Helper()
	if c.Version == "" {
		c.Version = model.APIVersion
	}
	if c.Region == "" {
		c.Region = "ap-guangzhou"
	}
	if c.Timestamp.IsZero() {
		c.Timestamp = h.clock.Now()
	}
	req, err := tcapi.NewRequest(context.Background(), h.srv.URL, c, h.cred)
	require.NoError(h.t, err)
	if mutate != nil {
		mutate(req)
	}
	return req
}

// strictCase is one rule of strictDefaults, broken by a request that
// breaks it alone.
type strictCase struct {
	rule *model.Rule
	// variants the case needs besides the rule's own (e.g. op-state=lag
	// to see an operation still in flight).
	variants Choices
	// serveAlso are the choices that serve the other rules the request
	// cannot help breaking, for the variant that serves it.
	serveAlso Choices
	// fleet is the fleet, if not the default one.
	fleet func() *FleetFile
	// setup prepares the instance, if it needs more than the fleet.
	setup func(h *harness, id string)
	// pick chooses the instance the request names.
	pick func() string
	// send sends the request that breaks the rule.
	send   func(h *harness, id string) tcapi.Response
	reason string
}

func running() string { return byState(model.Running)[0] }

func stopWith(params ...tcapi.Param) func(*harness, string) tcapi.Response {
	return func(h *harness, id string) tcapi.Response {
		return h.call(model.ActionStop, append([]tcapi.Param{ids(id)}, params...)...)
	}
}

var strictCases = []strictCase{
	{rule: model.RuleRegionMissing, pick: running, reason: "seed §2: Region Required=Yes",
		send: func(h *harness, id string) tcapi.Response {
			return h.do(h.request(tcapi.Call{Action: model.ActionStop, Params: []tcapi.Param{ids(id)}},
				func(r *http.Request) { r.Header.Del("X-TC-Region") }))
		}},
	{rule: model.RuleRegionNotServed, reason: "the real API serves every region it lists (L-26)",
		pick: func() string {
			return fixture(func(fi FixtureInstance) bool {
				return fi.State == "RUNNING" && model.RegionOfZone(fi.Zone) == "ap-shanghai"
			}).ID
		},
		send: func(h *harness, id string) tcapi.Response {
			return h.send(tcapi.Call{Action: model.ActionStop, Region: "ap-shanghai",
				Params: []tcapi.Param{ids(id), param("StopType", model.Str("HARD"))}}, h.cred)
		}},
	{rule: model.RuleAtFinanceHost, pick: running, reason: "facts §12: Finance regions are isolated",
		send: func(h *harness, id string) tcapi.Response {
			return h.send(tcapi.Call{Action: model.ActionStop, Host: model.RegionHost("ap-shanghai-fsi"),
				Params: []tcapi.Param{ids(id)}}, h.cred)
		}},
	{rule: model.RuleExpiryEdge, pick: running, reason: "facts §4: a clock 295 s away is a bug waiting for the real cloud",
		send: func(h *harness, id string) tcapi.Response {
			return h.send(tcapi.Call{Action: model.ActionStop, Timestamp: h.clock.Now().Add(-295 * time.Second),
				Params: []tcapi.Param{ids(id)}}, h.cred)
		}},
	{rule: model.RuleParamUnknown, pick: running, reason: "facts §6 UnknownParameter",
		send: stopWith(param("Frobnicate", model.Bool(true)))},
	{rule: model.RuleParamNull, pick: running, reason: "facts §1: the SDK never sends null",
		send: stopWith(param("StopType", model.Null()))},
	{rule: model.RuleParamEmptyString, pick: running, reason: `issue 12: {"StopType":""} is none of SOFT, HARD, SOFT_FIRST`,
		send: stopWith(param("StopType", model.Str("")))},
	{rule: model.RuleTypeCoercible, pick: running, reason: `issue 12: {"ForceStop":"TRUE"} is a string where the seed says Boolean`,
		send: stopWith(param("ForceStop", model.Str("TRUE")))},
	{rule: model.RuleBatchLimitDuplicates, pick: running, reason: "seed §1: at most 100 instances a request",
		serveAlso: Choices{ruleVariantName(model.RuleDuplicates): ChoiceSuccess},
		send: func(h *harness, id string) tcapi.Response {
			return h.call(model.ActionStop, ids(slices.Repeat([]string{id}, model.MaxBatch+1)...))
		}},
	{rule: model.RuleDuplicates, pick: running, reason: "L-02: a batch naming an instance twice",
		send: func(h *harness, id string) tcapi.Response { return h.call(model.ActionStop, ids(id, id)) }},
	{rule: model.RuleEnumCase, pick: running, reason: "seed §2: the valid values are upper case",
		send: stopWith(param("StopType", model.Str("hard")))},
	{rule: model.RuleDescribeLimitMax, pick: running, reason: "facts §9: Limit at most 100",
		send: func(h *harness, _ string) tcapi.Response {
			return h.call(model.ActionDescribe, param("Limit", model.Num(101)))
		}},
	{rule: model.RuleForceAndStopType, pick: running, reason: "facts §7: ForceStop must not be combined with StopType",
		send: stopWith(param("ForceStop", model.Bool(true)), param("StopType", model.Str("HARD")))},
	{rule: model.RuleDescribeUnknown, pick: running, reason: "facts §9: no NotFound for DescribeInstances",
		send: func(h *harness, _ string) tcapi.Response { return h.call(model.ActionDescribe, ids("ins-zzzzzzzz")) }},
	{rule: model.RuleInProgress, pick: running, reason: "facts §7 OperationDenied.InstanceOperationInProgress",
		variants: Choices{VariantOpState: "lag", VariantLatency: "2s"},
		setup: func(h *harness, id string) {
			wantOK(h.t, h.call(model.ActionStop, ids(id), param("StopType", model.Str("HARD"))))
			h.clock.Advance(1100 * time.Millisecond)
			p := h.state(id)
			require.Equal(h.t, model.Stopped, p.State)
			require.Equal(h.t, model.OpOperating, p.LatestOperationState, "lag: STOPPED while the stop is OPERATING")
		},
		send: func(h *harness, id string) tcapi.Response { return h.call(model.ActionStart, ids(id)) }},
	{rule: model.RuleRestricted, pick: running, fleet: restrictedFleet, reason: "L-28: a RUNNING instance protectively isolated",
		send: stopWith(param("StopType", model.Str("HARD")))},
	{rule: model.RuleStopCharging, reason: "L-07: STOP_CHARGING on a spot instance, whose eligibility is undocumented",
		pick: func() string {
			return fixture(func(fi FixtureInstance) bool { return fi.State == "RUNNING" && fi.ChargeType == "SPOTPAID" }).ID
		},
		send: stopWith(param("StopType", model.Str("HARD")), param("StoppedMode", model.Str("STOP_CHARGING")))},
}

// TestStrictDefaultsAudit: every rule that lets a target serve what it
// could refuse has a default in strictDefaults, one of the rule's own
// answers, shown by --list-variants as the variant's first choice; and
// every entry has its case in TestStrictDefaults.
func TestStrictDefaultsAudit(t *testing.T) {
	t.Parallel()
	var want []*model.Rule
	for _, r := range model.Rules {
		if r.Lenient.Success && len(r.Lenient.Codes) > 0 {
			want = append(want, r)
		}
	}
	var got []*model.Rule
	for _, d := range strictDefaults {
		got = append(got, d.Rule)
		require.NotEmpty(t, d.Why, d.Rule.ID)
		if d.Choice == ChoiceSuccess {
			require.True(t, d.Rule.Lenient.Success, d.Rule.ID)
		} else {
			require.True(t, d.Rule.Lenient.Has(d.Choice), "%s: %s is not one of its answers", d.Rule.ID, d.Choice)
		}
		v, ok := VariantNamed(ruleVariantName(d.Rule))
		require.True(t, ok, d.Rule.ID)
		require.Equal(t, d.Choice, v.Choices[0], "%s: the variant's default is the table's", d.Rule.ID)
		require.Contains(t, v.What, d.Why)
		require.True(t, slices.ContainsFunc(strictCases, func(c strictCase) bool { return c.rule == d.Rule }), "%s has no case", d.Rule.ID)
	}
	require.Equal(t, ruleIDs(want), ruleIDs(got), "strictDefaults lists exactly the rules that allow serving or refusing, in rule order")
}

func ruleIDs(rs []*model.Rule) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// TestStrictDefaults: each rule that lets a target serve or refuse gets
// the table's answer by default, leaving the instance as it was when it
// refuses; and its variant's other choice serves, as the ledger allows.
func TestStrictDefaults(t *testing.T) {
	t.Parallel()
	for _, c := range strictCases {
		t.Run(c.rule.ID, func(t *testing.T) {
			t.Parallel()
			def := strictDefaults[slices.IndexFunc(strictDefaults, func(d StrictDefault) bool { return d.Rule == c.rule })]
			run := func(choices Choices) (tcapi.Response, model.Instance, model.Instance) {
				cfg := Config{RateLimit: -1, Variants: choices}
				if c.fleet != nil {
					cfg.Fleet = c.fleet()
				}
				h := newHarness(t, cfg)
				id := c.pick()
				if c.setup != nil {
					c.setup(h, id)
				}
				before := h.state(id)
				r := c.send(h, id)
				return r, before, h.state(id)
			}
			r, before, after := run(c.variants)
			if def.Choice == ChoiceSuccess {
				wantOK(t, r, c.reason)
				return
			}
			wantCode(t, r, def.Choice)
			require.Equal(t, before, after, "a refused request changes nothing (ledger L-13); reason: %s", c.reason)

			// The ledger allows serving it: the variant's success does.
			r, _, _ = run(c.variants.Merge(c.serveAlso).Merge(Choices{ruleVariantName(c.rule): ChoiceSuccess}))
			wantOK(t, r, "--variant "+ruleVariantName(c.rule)+"=success")
		})
	}
}

// TestIssue12HostileRequestsRefused: the three requests issue 12 found
// served, and the instance stopped, are refused with the instance as it
// was: a JSON string for a Boolean, an empty StopType, and a v1 GET signed
// with HmacSHA1 without its Nonce.
func TestIssue12HostileRequestsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{RateLimit: -1})
	id := running()
	before := h.state(id)
	for _, c := range []struct {
		name string
		r    tcapi.Response
		code string
	}{
		{`{"ForceStop":"TRUE"}`, h.call(model.ActionStop, ids(id), param("ForceStop", model.Str("TRUE"))), model.CodeInvalidParameter},
		{`{"StopType":""}`, h.call(model.ActionStop, ids(id), param("StopType", model.Str(""))), model.CodeInvalidParameterValue},
		{"HmacSHA1 GET without Nonce", h.send(tcapi.Call{Action: model.ActionStop, Style: tcapi.StyleV1Get, Omit: []string{"Nonce"},
			Params: []tcapi.Param{ids(id)}}, h.cred), model.CodeMissingParameter},
	} {
		wantCode(t, c.r, c.code)
		require.Equal(t, before, h.state(id), "%s changed the instance", c.name)
	}
	// The same v1 GET with its Nonce is served: only the Nonce was wrong.
	wantOK(t, h.send(tcapi.Call{Action: model.ActionStop, Style: tcapi.StyleV1Get, Nonce: 7, Params: []tcapi.Param{ids(id)}}, h.cred))
	require.Equal(t, model.Stopping, h.state(id).State)
}

// restrictedFleet is the default fleet with its first RUNNING instance
// (running()) protectively isolated.
func restrictedFleet() *FleetFile {
	f := DefaultFleet()
	for i, fi := range f.Accounts[0].Instances {
		if fi.ID == running() {
			f.Accounts[0].Instances[i].RestrictState = "PROTECTIVELY_ISOLATED"
		}
	}
	return f
}
