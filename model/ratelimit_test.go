package model

import (
	"fmt"
	"math"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// The rate-limit specification against simulated limiters: every
// reasonable limiter of the documented rate passes on any traffic; limiters
// 30% off, 2× too strict, or missing fail on the traffic the checks send.

// limiter decides, for arrivals in time order, which are accepted.
type limiter interface {
	allow(at time.Duration) bool
}

type slidingLog struct {
	limit         float64
	countRefusals bool
	log           []time.Duration
}

func (l *slidingLog) allow(at time.Duration) bool {
	keep := l.log[:0]
	for _, t := range l.log {
		if at-t < time.Second {
			keep = append(keep, t)
		}
	}
	l.log = keep
	ok := float64(len(l.log)) < l.limit
	if ok || l.countRefusals {
		l.log = append(l.log, at)
	}
	return ok
}

type fixedWindow struct {
	limit  float64
	offset time.Duration
	window int64
	n      float64
}

func (l *fixedWindow) allow(at time.Duration) bool {
	w := int64((at + l.offset) / time.Second)
	if w != l.window {
		l.window, l.n = w, 0
	}
	if l.n < l.limit {
		l.n++
		return true
	}
	return false
}

type tokenBucket struct {
	rate, capacity float64
	tokens         float64
	last           time.Duration
	started        bool
}

func (l *tokenBucket) allow(at time.Duration) bool {
	if !l.started {
		l.tokens, l.started = l.capacity, true
	}
	l.tokens = math.Min(l.capacity, l.tokens+l.rate*(at-l.last).Seconds())
	l.last = at
	if l.tokens >= 1 {
		l.tokens--
		return true
	}
	return false
}

type unlimited struct{}

func (unlimited) allow(time.Duration) bool { return true }

// reasonable returns the limiters of rate L the specification must accept.
func reasonable(t *rapid.T, limit float64) limiter {
	switch rapid.IntRange(0, 4).Draw(t, "limiter") {
	case 0:
		return &slidingLog{limit: limit}
	case 1:
		return &slidingLog{limit: limit, countRefusals: true}
	case 2:
		return &fixedWindow{limit: limit, offset: time.Duration(rapid.IntRange(0, 999).Draw(t, "windowOffsetMs")) * time.Millisecond}
	case 3:
		return &tokenBucket{rate: limit, capacity: 2 * limit}
	}
	return &tokenBucket{rate: limit, capacity: limit}
}

// send describes one request: when it left, its round trip, and where in
// the round trip the target handled it.
type send struct {
	sent, rtt time.Duration
	at        float64 // fraction of the round trip before arrival
}

// run plays sends through a limiter, in arrival order, and returns the
// timeline the checker sees.
func run(l limiter, sends []send) []Attempt {
	type ev struct {
		arrive time.Duration
		i      int
	}
	evs := make([]ev, len(sends))
	for i, s := range sends {
		evs[i] = ev{s.sent + time.Duration(float64(s.rtt)*s.at), i}
	}
	sort.SliceStable(evs, func(a, b int) bool { return evs[a].arrive < evs[b].arrive })
	out := make([]Attempt, len(sends))
	for _, e := range evs {
		s := sends[e.i]
		out[e.i] = Attempt{Sent: t0.Add(s.sent), Received: t0.Add(s.sent + s.rtt), Limited: !l.allow(e.arrive)}
	}
	return out
}

// genTraffic draws traffic: segments of requests at some rate, with
// concurrent round trips of up to 80 ms, separated by random gaps.
func genTraffic(t *rapid.T) []send {
	var sends []send
	now := time.Duration(0)
	for range rapid.IntRange(1, 4).Draw(t, "segments") {
		now += time.Duration(rapid.IntRange(0, 2500).Draw(t, "gapMs")) * time.Millisecond
		rate := rapid.Float64Range(1, 80).Draw(t, "ratePerSecond")
		n := rapid.IntRange(1, 60).Draw(t, "requests")
		for range n {
			sends = append(sends, send{sent: now,
				rtt: time.Duration(rapid.IntRange(1, 80).Draw(t, "rttMs")) * time.Millisecond,
				at:  rapid.Float64Range(0, 1).Draw(t, "arrival")})
			now += time.Duration(float64(time.Second) / rate)
		}
	}
	return sends
}

func TestPropReasonableLimitersPass(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		limit := rapid.SampledFrom([]int{10, 40, 5}).Draw(t, "limit")
		l := reasonable(t, float64(limit))
		timeline := run(l, genTraffic(t))
		if fs := CheckRate(limit, timeline); len(fs) > 0 {
			t.Fatalf("%T of %d/s refused: %v", l, limit, fs[0])
		}
	})
}

// The traffic the rate-limit checks send (issue 5): a burst of 3L inside
// 0.2 s after a quiet second, a saturation at 3L/s for 5 s, and paced
// traffic at 0.7L/s, each with concurrent round trips.
func burst(limit int) []send {
	var s []send
	for i := range 3 * limit {
		s = append(s, send{sent: 2*time.Second + time.Duration(i)*time.Millisecond*200/time.Duration(3*limit), rtt: time.Duration(5+i%7*6) * time.Millisecond, at: float64(i%5) / 5})
	}
	return s
}

func saturation(limit int) []send {
	var s []send
	for i := range 15 * limit {
		s = append(s, send{sent: 2*time.Second + time.Duration(i)*time.Second/time.Duration(3*limit), rtt: time.Duration(3+i%11*4) * time.Millisecond, at: 0.5})
	}
	return s
}

func paced(limit int) []send {
	var s []send
	gap := time.Duration(float64(time.Second) / (0.7 * float64(limit)))
	for i := range 3 * limit {
		s = append(s, send{sent: 2*time.Second + time.Duration(i)*gap, rtt: 20 * time.Millisecond, at: 0.5})
	}
	return s
}

func TestCheckRateAcceptsEveryReasonableLimiterOnTheChecksTraffic(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{10, 40} {
		for _, l := range []func() limiter{
			func() limiter { return &slidingLog{limit: float64(limit)} },
			func() limiter { return &slidingLog{limit: float64(limit), countRefusals: true} },
			func() limiter { return &fixedWindow{limit: float64(limit)} },
			func() limiter { return &fixedWindow{limit: float64(limit), offset: 900 * time.Millisecond} },
			func() limiter { return &tokenBucket{rate: float64(limit), capacity: float64(limit)} },
			func() limiter { return &tokenBucket{rate: float64(limit), capacity: 2 * float64(limit)} },
		} {
			for name, traffic := range map[string][]send{"burst": burst(limit), "saturation": saturation(limit), "paced": paced(limit)} {
				lim := l()
				fs := CheckRate(limit, run(lim, traffic))
				require.Empty(t, fs, "%T %+v on %s", lim, lim, name)
			}
		}
	}
}

func TestCheckRateRejectsBadLimiters(t *testing.T) {
	t.Parallel()
	const limit = 10
	cases := []struct {
		name    string
		l       limiter
		traffic []send
		rule    string
	}{
		{"missing limiter, burst", unlimited{}, burst(limit), "RATE-TOO-LOOSE"},
		{"missing limiter, saturation", unlimited{}, saturation(limit), "RATE-TOO-LOOSE"},
		{"2x too strict bucket, burst", &tokenBucket{rate: limit / 2, capacity: limit / 2}, burst(limit), "RATE-TOO-STRICT"},
		{"2x too strict window, burst", &slidingLog{limit: limit / 2}, burst(limit), "RATE-TOO-STRICT"},
		{"30% too strict window, burst", &slidingLog{limit: 7}, burst(limit), "RATE-TOO-STRICT"},
		{"30% too strict fixed window, burst", &fixedWindow{limit: 7}, burst(limit), "RATE-TOO-STRICT"},
		{"30% too strict bucket, burst", &tokenBucket{rate: 7, capacity: 7}, burst(limit), "RATE-TOO-STRICT"},
		{"30% too strict window, paced at 0.7L", &slidingLog{limit: 6}, paced(limit), "RATE-TOO-STRICT"},
		{"capacity-1 bucket, burst", &tokenBucket{rate: limit, capacity: 1}, burst(limit), "RATE-TOO-STRICT"},
		{"30% too loose bucket, saturation", &tokenBucket{rate: 13, capacity: 13}, saturation(limit), "RATE-TOO-LOOSE"},
		{"30% too loose 2L bucket, saturation", &tokenBucket{rate: 13, capacity: 20}, saturation(limit), "RATE-TOO-LOOSE"},
		{"3L bucket, burst", &tokenBucket{rate: limit, capacity: 3 * limit}, burst(limit), "RATE-TOO-LOOSE"},
		{"30% too loose window, saturation", &slidingLog{limit: 13}, saturation(limit), "RATE-TOO-LOOSE"},
		{"30% too loose fixed window, saturation", &fixedWindow{limit: 13}, saturation(limit), "RATE-TOO-LOOSE"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := CheckRate(limit, run(c.l, c.traffic))
			require.NotEmpty(t, fs)
			require.Equal(t, c.rule, fs[0].Rule, "%v", fs)
			require.Contains(t, fs[0].Error(), "seed §1")
		})
	}
}

func TestCheckRateUnknownAttempts(t *testing.T) {
	t.Parallel()
	// A burst of 3L where half got no answer: those may have been
	// accepted, so no "too loose" finding may rest on them; and a refusal
	// after them is not "too strict".
	var at []Attempt
	for i := range 30 {
		a := Attempt{Sent: t0.Add(time.Duration(i) * time.Millisecond), Received: t0.Add(time.Duration(i+5) * time.Millisecond)}
		switch {
		case i%2 == 0:
			a.Unknown = true
		case i > 20:
			a.Limited = true
		}
		at = append(at, a)
	}
	require.Empty(t, CheckRate(10, at))
}

func TestRateLimitsAndBound(t *testing.T) {
	t.Parallel()
	require.Equal(t, 10, RateLimit(ActionStop))
	require.Equal(t, 10, RateLimit(ActionStart))
	require.Equal(t, 40, RateLimit(ActionDescribe))
	require.Equal(t, 0, RateLimit("RebootInstances"))
	for d, want := range map[time.Duration]int{0: 20, time.Millisecond: 20, time.Second: 30, 1500 * time.Millisecond: 35} {
		require.Equal(t, want, LooseBound(10, d), fmt.Sprint(d))
	}
	for d, want := range map[time.Duration]int{0: 1, time.Millisecond: 11, time.Second: 11, 1500 * time.Millisecond: 21} {
		require.Equal(t, want, BoundAfterRefusal(10, d), fmt.Sprint(d))
	}
}
