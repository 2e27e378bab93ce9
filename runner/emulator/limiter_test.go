package emulator

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/cvmconform/cvmconform/model"
)

// The limiter's variants (ledger L-12): each algorithm × counting choice on
// hand-made arrival timelines, and on random ones judged by model.CheckRate,
// the suite's specification of an acceptable limiter.

// limiterChoices are the six limiter configurations the variants allow.
var limiterChoices = func() []struct{ algorithm, counts string } {
	var out []struct{ algorithm, counts string }
	alg, _ := VariantNamed(VariantLimiter)
	cnt, _ := VariantNamed(VariantLimiterCount)
	for _, a := range alg.Choices {
		for _, c := range cnt.Choices {
			out = append(out, struct{ algorithm, counts string }{a, c})
		}
	}
	return out
}()

// newTestLimiter is the limiter New builds for the variants' algorithm
// and counting choices, with StopInstances limited to stop a second (0:
// no limit on any action) and no fault.
func newTestLimiter(stop int, algorithm, counts string) *limiter {
	b, err := resolve(Config{Variants: Choices{VariantLimiter: algorithm, VariantLimiterCount: counts}})
	if err != nil {
		panic(err)
	}
	p := b.limits
	p.stop = stop
	return newLimiter(p, nil)
}

// arrival is one request of a hand-made timeline: when it arrives, after
// epoch (a whole second), and whether the limiter should accept it.
type arrival struct {
	at time.Duration
	ok bool
}

// at returns n arrivals at the same instant, the first ok of them accepted
// and the rest refused.
func at(d time.Duration, n, ok int) []arrival {
	out := make([]arrival, n)
	for i := range out {
		out[i] = arrival{d, i < ok}
	}
	return out
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestLimiterChoicesOnHandMadeTimelines(t *testing.T) {
	t.Parallel()
	const limit = 4 // Stop's limit; 1/L = 250 ms is exact
	hammerAfterBurst := slices.Concat(at(0, 4, 4), at(ms(250), 1, 0), at(ms(500), 1, 0), at(ms(750), 1, 0), at(ms(999), 1, 0))
	cases := []struct {
		reason            string
		algorithm, counts string
		timeline          []arrival
	}{
		{"sliding refuses the (L+1)th within a second, and frees a slot when the first is 1 s old",
			"sliding", "accepted", slices.Concat(at(0, 1, 1), at(ms(100), 1, 1), at(ms(200), 2, 2), at(ms(300), 1, 0),
				at(ms(999), 1, 0), at(ms(1000), 2, 1), at(ms(1100), 2, 1), at(ms(1199), 1, 0), at(ms(1200), 3, 2))},
		{"sliding counts any second, not a wall-clock one: L at 0.9 s leave none at 1.0 s",
			"sliding", "accepted", slices.Concat(at(ms(900), 5, 4), at(ms(1000), 1, 0), at(ms(1899), 1, 0), at(ms(1900), 5, 4))},
		{"sliding with accepted only: refusals are not logged, so the burst's slots come back after 1 s",
			"sliding", "accepted", slices.Concat(hammerAfterBurst, at(ms(1000), 5, 4))},
		{"sliding with all: refusals are logged, so the ones at 0.25–0.999 s still fill the window at 1.0 s",
			"sliding", "all", slices.Concat(hammerAfterBurst, at(ms(1000), 1, 0), at(ms(1999), 1, 1), at(ms(2000), 4, 3))},

		{"fixed resets at the second boundary: L at 0.9 s and L more at 1.0 s are all accepted",
			"fixed", "accepted", slices.Concat(at(ms(900), 5, 4), at(ms(999), 1, 0), at(ms(1000), 5, 4), at(ms(1999), 1, 0), at(ms(2000), 1, 1))},
		{"fixed counts per wall-clock second, not per second since the first arrival",
			"fixed", "accepted", slices.Concat(at(ms(100), 2, 2), at(ms(700), 3, 2), at(ms(1050), 4, 4), at(ms(1950), 1, 0), at(ms(2950), 4, 4))},
		{"fixed with all: counting refusals changes nothing, as the window starts from zero each second",
			"fixed", "all", slices.Concat(hammerAfterBurst, at(ms(1000), 5, 4), at(ms(1500), 3, 0), at(ms(2000), 5, 4))},

		{"token accepts 2L at once, then L a second",
			"token", "accepted", slices.Concat(at(0, 9, 8), at(ms(250), 2, 1), at(ms(500), 2, 1), at(ms(750), 2, 1), at(ms(1000), 2, 1),
				at(ms(1250), 2, 1), at(ms(2250), 5, 4))},
		{"token refills to 2L, and no more, after a quiet while",
			"token", "accepted", slices.Concat(at(0, 8, 8), at(ms(1000), 5, 4), at(ms(10_000), 9, 8), at(ms(12_000), 9, 8))},
		{"token with accepted only: a refusal keeps the half token refilled, so the next comes 1/L after the last acceptance",
			"token", "accepted", slices.Concat(at(0, 8, 8), at(ms(125), 1, 0), at(ms(250), 1, 1), at(ms(375), 1, 0), at(ms(500), 1, 1))},
		{"token with all: a refusal empties the bucket, so the next token comes 1/L after the last refusal",
			"token", "all", slices.Concat(at(0, 8, 8), at(ms(125), 1, 0), at(ms(250), 1, 0), at(ms(374), 1, 0), at(ms(624), 1, 1),
				at(ms(874), 1, 1), at(ms(3000), 9, 8))},
		{"token with all: traffic kept closer than 1/L is refused throughout",
			"token", "all", slices.Concat(at(0, 8, 8), at(ms(200), 1, 0), at(ms(400), 1, 0), at(ms(600), 1, 0), at(ms(800), 1, 0),
				at(ms(1000), 1, 0), at(ms(1200), 1, 0), at(ms(1450), 1, 1))},
	}
	for _, c := range cases {
		t.Run(c.algorithm+"/"+c.counts+"/"+c.reason, func(t *testing.T) {
			t.Parallel()
			l := newTestLimiter(limit, c.algorithm, c.counts)
			for i, a := range c.timeline {
				got := l.allow("a", model.ActionStop, epoch.Add(a.at))
				require.Equal(t, a.ok, got, "%s: arrival %d at %s", c.reason, i, a.at)
			}
		})
	}
}

func TestLimiterKeysEveryChoiceByAccountAndAction(t *testing.T) {
	t.Parallel()
	for _, ch := range limiterChoices {
		t.Run(ch.algorithm+"/"+ch.counts, func(t *testing.T) {
			t.Parallel()
			burst := map[string]int{"sliding": 3, "fixed": 3, "token": 6}[ch.algorithm]
			l := newTestLimiter(3, ch.algorithm, ch.counts)
			for _, k := range []struct {
				reason, account, action string
				n                       int
			}{
				{"Stop has the configured limit", "a", model.ActionStop, burst},
				{"another account has its own", "b", model.ActionStop, burst},
				{"another action has its own, of its documented limit", "a", model.ActionDescribe, burst / 3 * model.RateLimit(model.ActionDescribe)},
			} {
				for i := range k.n {
					require.True(t, l.allow(k.account, k.action, epoch), "%s: request %d", k.reason, i+1)
				}
				require.False(t, l.allow(k.account, k.action, epoch), "%s: request %d", k.reason, k.n+1)
			}
			l.bucket = map[string]string{model.ActionDescribe: model.ActionStop}
			require.False(t, l.allow("b", model.ActionDescribe, epoch), "FaultDescribesAsStops: Describe counts against Stop")
			unlimited := newTestLimiter(0, ch.algorithm, ch.counts)
			for range 1000 {
				require.True(t, unlimited.allow("a", model.ActionStop, epoch), "a limit of 0 is no limit")
			}
		})
	}
}

func TestLimiterVariantsReachTheEmulator(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		reason   string
		variants Choices
		state    limitState
		countAll bool
	}{
		{"the defaults: sliding, accepted only", nil, &slidingLog{}, false},
		{"fixed, all", Choices{VariantLimiter: "fixed", VariantLimiterCount: "all"}, &fixedWindow{}, true},
		{"token, accepted", Choices{VariantLimiter: "token", VariantLimiterCount: "accepted"}, &tokenBucket{}, false},
	} {
		e, err := New(Config{Fleet: DefaultFleet(), Clock: NewFakeClock(epoch), Variants: c.variants})
		require.NoError(t, err, c.reason)
		require.IsType(t, c.state, e.limiter.fresh(), c.reason)
		require.Equal(t, c.countAll, e.limiter.countAll, c.reason)
	}
}

// limitedSend is one request of a random timeline: who sends which action,
// when, its round trip, and where in the round trip it arrives.
type limitedSend struct {
	key       limitKey
	sent, rtt time.Duration
	frac      float64
}

// genLimitedTraffic draws overlapping segments of traffic, each of one
// account's action at some rate (up to 5× its limit), with concurrent
// round trips of up to 80 ms, as model.TestPropReasonableLimitersPass does.
func genLimitedTraffic(t *rapid.T) []limitedSend {
	var sends []limitedSend
	for range rapid.IntRange(1, 6).Draw(t, "segments") {
		key := limitKey{rapid.SampledFrom([]string{"a", "b"}).Draw(t, "account"),
			rapid.SampledFrom([]string{model.ActionStop, model.ActionStart, model.ActionDescribe}).Draw(t, "action")}
		limit := float64(model.RateLimit(key.action))
		now := time.Duration(rapid.IntRange(0, 4000).Draw(t, "startMs")) * time.Millisecond
		rate := rapid.Float64Range(1, 5*limit).Draw(t, "ratePerSecond")
		for range rapid.IntRange(1, int(3*limit)).Draw(t, "requests") {
			sends = append(sends, limitedSend{key: key, sent: now,
				rtt:  time.Duration(rapid.IntRange(1, 80).Draw(t, "rttMs")) * time.Millisecond,
				frac: rapid.Float64Range(0, 1).Draw(t, "arrival")})
			now += time.Duration(float64(time.Second) / rate)
		}
	}
	return sends
}

// playLimiter feeds sends to l in arrival order, from start, and returns
// each account's action's timeline as model.CheckRate sees it.
func playLimiter(l *limiter, start time.Time, sends []limitedSend) map[limitKey][]model.Attempt {
	arrive := func(s limitedSend) time.Duration { return s.sent + time.Duration(float64(s.rtt)*s.frac) }
	order := make([]int, len(sends))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return int(arrive(sends[i]) - arrive(sends[j])) })
	limited := make([]bool, len(sends))
	for _, i := range order {
		limited[i] = !l.allow(sends[i].key.account, sends[i].key.action, start.Add(arrive(sends[i])))
	}
	out := map[limitKey][]model.Attempt{}
	for i, s := range sends {
		out[s.key] = append(out[s.key], model.Attempt{Sent: start.Add(s.sent), Received: start.Add(s.sent + s.rtt), Limited: limited[i]})
	}
	return out
}

// checkLimiter plays sends through a fresh limiter of algorithm and
// counts, Stop limited to its documented rate, and returns the first
// finding CheckRate makes of any account's action at its documented limit,
// with what it judged.
func checkLimiter(algorithm, counts string, start time.Time, sends []limitedSend) (*model.Finding, string) {
	l := newTestLimiter(model.RateLimit(model.ActionStop), algorithm, counts)
	timelines := playLimiter(l, start, sends)
	for _, k := range []limitKey{{"a", model.ActionStop}, {"a", model.ActionStart}, {"a", model.ActionDescribe},
		{"b", model.ActionStop}, {"b", model.ActionStart}, {"b", model.ActionDescribe}} {
		if fs := model.CheckRate(model.RateLimit(k.action), timelines[k]); len(fs) > 0 {
			return fs[0], fmt.Sprintf("%s of account %s at %d/s", k.action, k.account, model.RateLimit(k.action))
		}
	}
	return nil, ""
}

func TestPropLimiterChoicesPassCheckRate(t *testing.T) {
	t.Parallel()
	for _, ch := range limiterChoices {
		t.Run(ch.algorithm+"/"+ch.counts, func(t *testing.T) {
			t.Parallel()
			rapid.Check(t, func(t *rapid.T) {
				start := epoch.Add(time.Duration(rapid.IntRange(0, 999).Draw(t, "startOffsetMs")) * time.Millisecond)
				if f, what := checkLimiter(ch.algorithm, ch.counts, start, genLimitedTraffic(t)); f != nil {
					t.Fatalf("CheckRate flags the %s/%s limiter on %s: %s: expected %s, got %s",
						ch.algorithm, ch.counts, what, f.Rule, f.Expected, f.Actual)
				}
			})
		})
	}
}
