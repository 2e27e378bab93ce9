package emulator

import (
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
