package emulator

import (
	"net/http"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// The resolver: faults, variant choices, latency and rate limit in, the
// behaviour the handler reads out.

// resolved is the behaviour of cfg, which the test expects to resolve.
func resolved(t *testing.T, cfg Config) behaviour {
	t.Helper()
	b, err := resolve(cfg)
	require.NoError(t, err)
	return b
}

// With no fault and no variant named, the behaviour is the strict
// reference's: every field at its default, the rules at their strict
// defaults.
func TestResolveDefaults(t *testing.T) {
	t.Parallel()
	b := resolved(t, Config{})
	require.Equal(t, operations{minLatency: DefaultLatency, maxLatency: DefaultLatency, opState: opTogether}, b.ops)
	require.Equal(t, limitPolicy{stop: model.RateLimit(model.ActionStop), algorithm: limitSliding}, b.limits)
	require.Equal(t, form{}, b.form, "the default form writes tcapi's bytes")
	require.Equal(t, tcapi.Parsing{}, b.parsing)
	require.False(t, b.shapeFirst)
	require.Equal(t, ruleAnswer{code: model.CodeMissingParameter}, b.rules[model.RuleRegionMissing], "a strict default that refuses")
	require.Equal(t, ruleAnswer{serves: true}, b.rules[model.RuleRegionNotServed], "a strict default that serves")
	require.NotContains(t, b.rules, model.RuleSignature, "a rule with one answer and no fault takes its canonical code")
}

func TestResolve(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		cfg    Config
		want   func(b *behaviour) // what changes from the default behaviour
		reason string
	}{
		{"Config.Latency", Config{Latency: 20 * time.Millisecond},
			func(b *behaviour) { b.ops.minLatency, b.ops.maxLatency = 20*time.Millisecond, 20*time.Millisecond },
			"an embedder's latency replaces DefaultLatency"},
		{"latency range", Config{Variants: Choices{VariantLatency: "10s-30s"}},
			func(b *behaviour) { b.ops.minLatency, b.ops.maxLatency = 10*time.Second, 30*time.Second },
			"a range draws each operation's duration within it"},
		{"latency variant over Config.Latency", Config{Latency: 20 * time.Millisecond, Variants: Choices{VariantLatency: "1s"}},
			func(b *behaviour) { b.ops.minLatency, b.ops.maxLatency = time.Second, time.Second },
			"a latency variant named wins: --stop-latency always has a value"},
		{"latency variant at its default over Config.Latency", Config{Latency: 20 * time.Millisecond, Variants: Choices{VariantLatency: "300ms"}},
			func(b *behaviour) {},
			"named is named, even at the variant's default"},
		{"rate limit off", Config{RateLimit: -1},
			func(b *behaviour) { b.limits.stop = 0 },
			"a negative Config.RateLimit turns every limit off"},
		{"rate limit set", Config{RateLimit: 4},
			func(b *behaviour) { b.limits.stop = 4 },
			"Config.RateLimit is StopInstances' limit"},
		{FaultStrictRateLimit, Config{Faults: []string{FaultStrictRateLimit}},
			func(b *behaviour) { b.limits.stop = 5 },
			"half the configured 10"},
		{FaultNoRateLimit + " and " + FaultStrictRateLimit, Config{Faults: []string{FaultStrictRateLimit, FaultNoRateLimit}},
			func(b *behaviour) { b.limits.stop = 1 },
			"no limit, then halved to at least 1, whatever order the faults are named in"},
		{FaultDescribesSpendStops, Config{Faults: []string{FaultDescribesSpendStops}},
			func(b *behaviour) { b.limits.describesSpendStops = true },
			"the limiter's policy carries the fault"},
		{FaultStuckStopping, Config{Faults: []string{FaultStuckStopping}},
			func(b *behaviour) { b.ops.stuckStopping = true },
			"the store's operations carry the fault"},
		{FaultLostTransition, Config{Faults: []string{FaultLostTransition}},
			func(b *behaviour) { b.lostTransition = true },
			"a fault the handler acts on is one field"},
		{FaultUTF8Dropped + " over utf8=replace", Config{Faults: []string{FaultUTF8Dropped}, Variants: Choices{VariantUTF8: "replace"}},
			func(b *behaviour) { b.parsing.UTF8 = tcapi.UTF8Drop },
			"the fault overrides the parser's variant"},
		{FaultStopAnyState, Config{Faults: []string{FaultStopAnyState}},
			func(b *behaviour) {
				for _, r := range []*model.Rule{model.RuleStopState, model.RuleInProgress, model.RuleRestricted} {
					a := b.rules[r]
					a.passed = true
					b.rules[r] = a
				}
			},
			"a fault that passes rules over marks each, and leaves their variants' choices"},
		{FaultMalformedIsNotFound, Config{Faults: []string{FaultMalformedIsNotFound}},
			func(b *behaviour) {
				for _, r := range []*model.Rule{model.RuleIDMalformed, model.RuleIDCase} {
					a := b.rules[r]
					a.faultCode = model.CodeNotFound
					b.rules[r] = a
				}
			},
			"a fault that answers rules gives each its code"},
		{"rule variant serves", Config{Variants: Choices{ruleVariantName(model.RuleRegionMissing): ChoiceSuccess}},
			func(b *behaviour) { b.rules[model.RuleRegionMissing] = ruleAnswer{serves: true} },
			"success is served, not a code"},
		{"rule variant picks a code", Config{Variants: Choices{ruleVariantName(model.RuleRegionMissing): model.CodeInvalidParameter}},
			func(b *behaviour) { b.rules[model.RuleRegionMissing] = ruleAnswer{code: model.CodeInvalidParameter} },
			"the code chosen"},
		{"precedence", Config{Variants: Choices{VariantPrecedence: "shape-first"}},
			func(b *behaviour) { b.shapeFirst = true }, "shape-first"},
		{"op-state", Config{Variants: Choices{VariantOpState: "mixed"}},
			func(b *behaviour) { b.ops.opState = opMixed }, "mixed"},
		{"start after STOP_CHARGING", Config{Variants: Choices{VariantStartAfterSC: "fails-sometimes"}},
			func(b *behaviour) { b.ops.startMayFail = true }, "fails-sometimes"},
		{"limiter", Config{Variants: Choices{VariantLimiter: "token", VariantLimiterCount: "all"}},
			func(b *behaviour) { b.limits.algorithm, b.limits.countAll = limitToken, true }, "token, counting all"},
		{"form", Config{Variants: Choices{VariantKeyOrder: "reversed", VariantErrorStatus: "400", VariantGzip: "yes"}},
			func(b *behaviour) { b.form = form{gzip: true, order: orderReversed, status: http.StatusBadRequest} },
			"each response-form variant is one field of the form"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			want := resolved(t, Config{})
			c.want(&want)
			require.Equal(t, want, resolved(t, c.cfg), c.reason)
		})
	}
}

func TestResolveRefuses(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Faults: []string{"gremlins"}}, `unknown fault "gremlins"`},
		{Config{Variants: Choices{"colour": "blue"}}, `unknown variant "colour"`},
		{Config{Variants: Choices{VariantOpState: "sideways"}}, `unknown choice "sideways"`},
		{Config{Variants: Choices{VariantLatency: "soon"}}, `latency "soon"`},
	} {
		_, err := resolve(c.cfg)
		require.ErrorContains(t, err, c.want)
	}
}

// Every fault Faults lists changes the behaviour: a fault with no field to
// set, or one the resolver forgets, fails here.
func TestEveryFaultChangesTheBehaviour(t *testing.T) {
	t.Parallel()
	none := resolved(t, Config{})
	for _, f := range Faults {
		b := resolved(t, Config{Faults: []string{f.Name}})
		require.False(t, reflect.DeepEqual(none, b), "fault %s resolves to no change", f.Name)
	}
}

// Every choice of every variant resolves to a behaviour of its own: a
// choice the resolver reads as another, or not at all, fails here.
func TestEveryChoiceResolvesApart(t *testing.T) {
	t.Parallel()
	for _, v := range Variants {
		var seen []behaviour
		for _, c := range v.Choices {
			b := resolved(t, Config{Variants: Choices{v.Name: c}})
			require.False(t, slices.ContainsFunc(seen, func(s behaviour) bool { return reflect.DeepEqual(s, b) }),
				"%s=%s resolves as another choice of %s", v.Name, c, v.Name)
			seen = append(seen, b)
		}
	}
}
