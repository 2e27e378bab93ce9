package emulator

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Every rule whose lenient outcomes hold more than one answer is a
// variant, and every choice of every variant makes an emulator.
func TestEveryVariantChoiceMakesAnEmulator(t *testing.T) {
	t.Parallel()
	for _, r := range model.Rules {
		n := len(r.Lenient.Codes)
		if r.Lenient.Success {
			n++
		}
		_, ok := VariantNamed(ruleVariantName(r))
		require.Equal(t, n > 1, ok, "rule %s: a variant exactly when it allows more than one answer", r.ID)
	}
	for _, v := range Variants {
		require.NotEmpty(t, v.Ledger, v.Name)
		for _, c := range v.Choices {
			_, err := New(Config{Fleet: DefaultFleet(), Variants: Choices{v.Name: c}})
			require.NoError(t, err, "%s=%s", v.Name, c)
		}
	}
}

func TestParseChoices(t *testing.T) {
	t.Parallel()
	c, seed, err := ParseChoices("id-malformed=InvalidParameterValue, latency=10s-30s")
	require.NoError(t, err)
	require.Zero(t, seed)
	require.Equal(t, Choices{"id-malformed": "InvalidParameterValue", "latency": "10s-30s"}, c)
	require.Equal(t, "id-malformed=InvalidParameterValue,latency=10s-30s", c.String())

	a, seed, err := ParseChoices("random:7")
	require.NoError(t, err)
	require.Equal(t, uint64(7), seed)
	b, _, _ := ParseChoices("random:7")
	require.Equal(t, a, b, "a random combination replays from its seed")
	require.Len(t, a, len(Variants), "a random combination names every variant")
	require.NoError(t, a.Validate())

	for _, bad := range []string{"nosuch=1", "id-malformed=NotACode", "latency=fast", "latency=30s-10s", "random:x", "id-malformed"} {
		_, _, err := ParseChoices(bad)
		require.Error(t, err, bad)
	}
}

// A variant added to the table leaves every other variant's random draw
// as it was, so that random:SEED replays across versions.
func TestRandomChoicesStableUnderNewVariants(t *testing.T) {
	t.Parallel()
	for seed := range uint64(50) {
		all := RandomChoices(seed)
		for i := range Variants {
			fewer := randomChoices(append(slices.Clone(Variants[:i]), Variants[i+1:]...), seed)
			delete(all, Variants[i].Name)
			require.Equal(t, all, fewer, "seed %d without %s", seed, Variants[i].Name)
			all = RandomChoices(seed)
		}
	}
}

// A rule's variant picks the code among the rule's own lenient outcomes;
// "success" serves what the rule would refuse.
func TestRuleVariantChoosesTheCode(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{Variants: Choices{"id-malformed": model.CodeMalformedAlt, "param-unknown": ChoiceSuccess}})
	wantCode(t, h.call(model.ActionStop, ids("ins-1122")), model.CodeMalformedAlt)
	running := byState(model.Running)[0]
	wantOK(t, h.call(model.ActionStop, ids(running), param("Bogus", model.Str("x"))), "an unknown parameter is ignored")
	require.Equal(t, "STOPPING", h.instance(running).InstanceState)
}

// shape-first answers a shape error before an authentication error.
func TestPrecedenceShapeFirst(t *testing.T) {
	t.Parallel()
	for choice, want := range map[string]string{"declared": "AuthFailure.SignatureFailure", "shape-first": model.CodeMalformed} {
		h := newHarness(t, Config{Variants: Choices{VariantPrecedence: choice}})
		bad := h.cred
		bad.SecretKey = "not-the-key"
		wantCode(t, h.send(tcapi.Call{Action: model.ActionStop, Params: []tcapi.Param{ids("ins-1122")}}, bad), want)
	}
}

// A region other than the emulator's own is refused with the variant,
// served without it.
func TestRegionNotServedVariant(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{Variants: Choices{"proto-region-not-served": model.CodeUnsupportedRegion}})
	r := h.send(tcapi.Call{Action: model.ActionDescribe, Region: "ap-shanghai"}, h.cred)
	wantCode(t, r, model.CodeUnsupportedRegion)
	wantOK(t, h.call(model.ActionDescribe), "the home region is served")
	h = newHarness(t, Config{})
	wantOK(t, h.send(tcapi.Call{Action: model.ActionDescribe, Region: "ap-shanghai"}, h.cred), "by default every region is served")
}

// op-state: the in-between view shows at half the latency; lag shows
// STOPPED while OPERATING, ahead STOPPING while SUCCESS (ledger L-16);
// the operation ends at the full latency either way.
func TestOpStateVariants(t *testing.T) {
	t.Parallel()
	cases := []struct {
		choice          string
		midState, midOp string
	}{
		{"together", "STOPPING", "OPERATING"},
		{"lag", "STOPPED", "OPERATING"},
		{"ahead", "STOPPING", "SUCCESS"},
	}
	for _, c := range cases {
		t.Run(c.choice, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Config{Variants: Choices{VariantOpState: c.choice, VariantLatency: "2s"}})
			id := byState(model.Running)[0]
			wantOK(t, h.call(model.ActionStop, ids(id), param("StopType", model.Str("HARD"))))
			h.clock.Advance(1100 * time.Millisecond)
			in := h.instance(id)
			require.Equal(t, c.midState, in.InstanceState)
			require.Equal(t, c.midOp, str(in.LatestOperationState))
			h.clock.Advance(time.Second)
			in = h.instance(id)
			require.Equal(t, "STOPPED", in.InstanceState)
			require.Equal(t, "SUCCESS", str(in.LatestOperationState))
		})
	}
}

// A latency range draws each operation's duration within it.
func TestLatencyRange(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{Variants: Choices{VariantLatency: "10s-30s"}, Seed: 3})
	running := byState(model.Running)[:5]
	wantOK(t, h.call(model.ActionStop, ids(running...), param("StopType", model.Str("HARD"))))
	h.clock.Advance(9900 * time.Millisecond)
	for _, id := range running {
		require.Equal(t, "STOPPING", h.instance(id).InstanceState, "not before the range's minimum")
	}
	h.clock.Advance(20200 * time.Millisecond)
	for _, id := range running {
		require.Equal(t, "STOPPED", h.instance(id).InstanceState, "by the range's maximum")
	}
}

// start-after-stop-charging=fails-sometimes: a start after a no-charge
// stop may end back in STOPPED with FAILED (ledger L-24); by default it
// always succeeds.
func TestStartAfterStopChargingVariant(t *testing.T) {
	t.Parallel()
	eligible := func(fi FixtureInstance) bool {
		return fi.State == "RUNNING" && fi.ChargeType == "POSTPAID_BY_HOUR" && !model.DiskType(fi.SystemDisk.Type).Local() &&
			len(fi.DataDisks) == 0 && model.RegionOfZone(fi.Zone) == "ap-guangzhou" && !fi.IgnoresSoftStop
	}
	var pool []string
	for _, fi := range DefaultFleet().Accounts[0].Instances {
		if eligible(fi) && len(pool) < 20 {
			pool = append(pool, fi.ID)
		}
	}
	require.Len(t, pool, 20)
	for choice, wantFailures := range map[string]bool{"succeeds": false, "fails-sometimes": true} {
		h := newHarness(t, Config{Variants: Choices{VariantStartAfterSC: choice}, Seed: 5})
		wantOK(t, h.call(model.ActionStop, ids(pool...), param("StopType", model.Str("HARD")), param("StoppedMode", model.Str("STOP_CHARGING"))))
		h.clock.Advance(time.Second)
		wantOK(t, h.call(model.ActionStart, ids(pool...)))
		h.clock.Advance(time.Second)
		failed := 0
		for _, id := range pool {
			in := h.instance(id)
			if in.InstanceState == "STOPPED" {
				require.Equal(t, "FAILED", str(in.LatestOperationState), "a failed start says so")
				failed++
			}
		}
		require.Equal(t, wantFailures, failed > 0, "%s: %d of 20 starts failed", choice, failed)
		require.Less(t, failed, 20, "%s: not every start fails", choice)
	}
}

// The corners: every variant at its most permissive or most refusing
// choice, each a choice of its variant; --variant takes their names.
func TestCornerChoices(t *testing.T) {
	t.Parallel()
	lenient, ok := CornerChoices(CornerLenient)
	require.True(t, ok)
	strict, ok := CornerChoices(CornerStrict)
	require.True(t, ok)
	_, ok = CornerChoices("random")
	require.False(t, ok)
	for _, c := range []Choices{lenient, strict} {
		require.NoError(t, c.Validate())
	}
	for _, name := range []string{"param-type-coercible", "param-unknown", "batch-duplicate", "auth-expiry-edge"} {
		require.Equal(t, ChoiceSuccess, lenient[name], "%s: the lenient corner serves", name)
	}
	require.Equal(t, Choices{VariantUTF8: "replace", VariantRepeatedHeader: "first", VariantDuplicateKey: "last",
		VariantTrailingData: "ignore", VariantNameCase: "fold"}, pick(lenient, VariantUTF8, VariantRepeatedHeader, VariantDuplicateKey, VariantTrailingData, VariantNameCase))
	require.Equal(t, model.CodeUnsupportedRegion, strict["proto-region-not-served"], "the strict corner refuses what the default serves")
	require.Equal(t, model.CodeNotFound, strict["exist-describe-unknown"])
	for name, choice := range strict {
		require.NotEqual(t, ChoiceSuccess, choice, "%s: the strict corner serves nothing it may refuse", name)
	}
	for _, corner := range []string{CornerLenient, CornerStrict} {
		c, seed, err := ParseChoices(corner)
		require.NoError(t, err)
		require.Zero(t, seed)
		want, _ := CornerChoices(corner)
		require.Equal(t, want, c)
	}
}

func pick(c Choices, names ...string) Choices {
	out := Choices{}
	for _, n := range names {
		out[n] = c[n]
	}
	return out
}

// The parser variants set the Parsing the emulator decodes with; by
// default it refuses at every choice.
func TestParsingOf(t *testing.T) {
	t.Parallel()
	require.Equal(t, tcapi.Parsing{}, parsingOf(nil))
	lenient, _ := CornerChoices(CornerLenient)
	require.Equal(t, tcapi.Parsing{UTF8: tcapi.UTF8Replace, RepeatedHeader: tcapi.PickFirst, DuplicateKey: tcapi.PickLast,
		TrailingData: tcapi.TrailingIgnore, NameCase: tcapi.NameFold}, parsingOf(lenient))
	require.Equal(t, tcapi.PickLast, parsingOf(Choices{VariantRepeatedHeader: "last"}).RepeatedHeader)
	require.Equal(t, tcapi.PickFirst, parsingOf(Choices{VariantDuplicateKey: "first"}).DuplicateKey)
	require.Equal(t, tcapi.SignatureChecked, parsingOf(Choices{VariantSignatureForm: "checked"}).SignatureForm)
}

// An emulator reads a doubled Authorization and a JSON name twice as its
// parser variants say: refused by default, served by the first line or
// the last value.
func TestParserVariantsAnswer(t *testing.T) {
	t.Parallel()
	stopDoubled := func(h *harness, id string) tcapi.Response {
		c := tcapi.Call{Action: model.ActionStop, Version: model.APIVersion, Region: "ap-guangzhou", Timestamp: h.clock.Now(),
			Params: []tcapi.Param{ids(id)}}
		req, err := tcapi.NewRequest(context.Background(), h.srv.URL, c, h.cred)
		require.NoError(t, err)
		req.Header.Add("Authorization", req.Header.Get("Authorization"))
		return h.do(req)
	}
	stopTwice := func(h *harness, body string) tcapi.Response {
		c := tcapi.Call{Action: model.ActionStop, Version: model.APIVersion, Region: "ap-guangzhou", Timestamp: h.clock.Now(),
			Body: []byte(body)}
		req, err := tcapi.NewRequest(context.Background(), h.srv.URL, c, h.cred)
		require.NoError(t, err)
		return h.do(req)
	}
	running := byState(model.Running)
	strict := newHarness(t, Config{})
	id := running[0]
	wantCode(t, stopDoubled(strict, id), "AuthFailure.InvalidAuthorization")
	wantCode(t, stopTwice(strict, `{"InstanceIds":["`+id+`"],"InstanceIds":["`+id+`"]}`), model.CodeInvalidParameter)

	lenient := newHarness(t, Config{Variants: Choices{VariantRepeatedHeader: "first", VariantDuplicateKey: "last"}})
	wantOK(t, stopDoubled(lenient, running[0]), "net/http's Header.Get reads the first line")
	wantOK(t, stopTwice(lenient, `{"InstanceIds":["ins-zzzzzzzz"],"InstanceIds":["`+running[1]+`"]}`), "encoding/json keeps the last")

	corner, _ := CornerChoices(CornerLenient)
	gostd := newHarness(t, Config{Variants: corner})
	wantCode(t, stopTwice(gostd, `{"InstanceIds":["`+running[0]+"\xff"+`"]}`), model.CodeMalformed)
	wantCode(t, stopTwice(strict, `{"InstanceIds":["`+running[0]+"\xff"+`"]}`), model.CodeInvalidParameter)
	wantOK(t, stopTwice(gostd, `{"InstanceIds":["`+running[0]+`"]}trailing`), "json.Decoder.Decode reads the first value")
	wantOK(t, stopTwice(gostd, `{"instanceIds":["`+running[1]+`"]}`), "encoding/json folds the name's case")
	wantCode(t, stopTwice(strict, `{"instanceIds":["`+running[1]+`"]}`), model.CodeMissingParameter)
}
