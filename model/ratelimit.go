package model

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// The rate-limit specification (seed §1: "A maximum of 10 requests can be
// initiated per second for this API"; facts §7–§9, §15): a checker over a
// timeline of attempts, one action of one account, that accepts any
// reasonable limiter of the documented rate and rejects one that is too
// strict or too loose.
//
// What "reasonable" means. The docs name a rate, not an algorithm, nor
// whether refused requests count (ledger L-12). The checker accepts at
// least these limiters of L requests a second:
//
//   - a sliding window (log): at most L arrivals accepted in any 1 s;
//   - a fixed window: at most L accepted per calendar second;
//   - a token bucket refilled at L a second, of any capacity from 1 to 2L
//     (bursting up to 2L after a quiet spell, as many gateways do);
//   - any of them counting refused arrivals too.
//
// Too loose, two bounds. An attempt counts only when its whole round trip
// lies inside the interval, so it surely arrived there.
//
//   - Any interval of length T: at most 2L+L·T accepted. The 2L bucket is
//     the worst (a full bucket, then the refill); a fixed window accepts
//     at most L·(⌈T⌉+1), as an interval touches up to ⌈T⌉+1 windows, and a
//     sliding window L·⌈T⌉. A missing limiter exceeds it in any burst of
//     more than 2L.
//   - After a refusal: a limiter that refused an arrival was full then,
//     so from that arrival on it accepts at most L·⌈T⌉+1 in T (a bucket
//     held under one token; a window was at L). An interval starts at a
//     refused attempt's send and counts the attempts sent after its
//     answer, which surely arrived after it. This is what catches a
//     limiter 30% too loose within a second or two of saturation,
//     whatever burst it allows first (1.3·L > L+1 for L ≥ 4).
//
// Too strict. A conforming limiter refuses an arrival only after at least
// L−1 arrivals in the second before it (a token bucket may hold just under
// one token, hence L−1 rather than L). Arrival times are known only to lie
// between send and receipt, so two tests are made, both giving the target
// every benefit of the doubt:
//
//   - Window: for a refused attempt, the attempts that could have arrived
//     in the second before it must number at least L−1. Tight for
//     sequential traffic: paced at 0.7·L, a refusal is caught.
//   - Burst: a group of attempts that all arrived within less than 1 s,
//     after a second in which nothing could have arrived, must see at
//     least L−1 accepted before the first refusal, so if any of the group
//     is refused at least L−1 must be accepted. This holds whatever order
//     concurrent attempts arrived in, and catches a limiter 30% too strict
//     (0.7·L < L−1 for L ≥ 4).
//
// An attempt with no answer (Unknown) may have arrived and may have been
// accepted: it never counts as accepted, and always as possibly arrived.

// RateLimit returns the documented limit, per second per account, of an
// action (facts §7: StopInstances 10; §8: StartInstances 10; §9:
// DescribeInstances 40); 0 for an action without a documented limit.
func RateLimit(action string) int {
	switch action {
	case ActionStop, ActionStart:
		return 10
	case ActionDescribe:
		return 40
	}
	return 0
}

// Attempt is one request in a rate-limit timeline: when it was sent, when
// its answer arrived, and whether it was refused for the rate limit.
type Attempt struct {
	Sent, Received time.Time
	Limited        bool
	Unknown        bool // no answer; Received is meaningless
}

func (a Attempt) accepted() bool { return !a.Limited && !a.Unknown }

// CheckRate judges a timeline of attempts of one action and account
// against a limit of limit requests a second, and returns what it finds
// too strict or too loose (at most one finding of each kind: the worst).
func CheckRate(limit int, attempts []Attempt) []*Finding {
	at := append([]Attempt(nil), attempts...)
	sort.SliceStable(at, func(i, j int) bool { return at[i].Sent.Before(at[j].Sent) })
	var out []*Finding
	if f := tooLoose(limit, at); f != nil {
		out = append(out, f)
	}
	if f := tooStrictWindow(limit, at); f != nil {
		out = append(out, f)
	} else if f := tooStrictBurst(limit, at); f != nil {
		out = append(out, f)
	}
	return out
}

const rateClause = "seed §1: \"A maximum of 10 requests can be initiated per second for this API\""

// LooseBound is the most requests a reasonable limiter of limit a second
// accepts in an interval of length d: 2·limit + limit·d, a token bucket of
// capacity 2·limit.
func LooseBound(limit int, d time.Duration) int {
	return 2*limit + int(float64(limit)*d.Seconds())
}

// BoundAfterRefusal is the most requests a reasonable limiter of limit a
// second accepts in an interval of length d that starts at an arrival it
// refused: limit·⌈d⌉ + 1.
func BoundAfterRefusal(limit int, d time.Duration) int {
	return limit*int(math.Ceil(d.Seconds())) + 1
}

func tooLoose(limit int, at []Attempt) *Finding {
	var worst *Finding
	excess := 0
	byReceipt := append([]Attempt(nil), at...)
	sort.SliceStable(byReceipt, func(i, j int) bool { return byReceipt[i].Received.Before(byReceipt[j].Received) })
	// count walks the attempts that surely arrived in an interval starting
	// at start and sent from `from` on, and keeps the worst excess over
	// bound.
	count := func(start, from time.Time, bound func(time.Duration) int, what string) {
		n := 0
		for _, e := range byReceipt {
			if !e.accepted() || e.Sent.Before(from) {
				continue
			}
			n++
			d := e.Received.Sub(start)
			if b := bound(d); n-b > excess {
				excess = n - b
				worst = &Finding{Rule: "RATE-TOO-LOOSE", Clause: rateClause,
					Expected: fmt.Sprintf("at most %d accepted in %s %s (%d a second)", b, d.Round(time.Millisecond), what, limit),
					Actual:   fmt.Sprintf("%d accepted", n)}
			}
		}
	}
	for i, start := range at {
		if i == 0 || !at[i-1].Sent.Equal(start.Sent) {
			count(start.Sent, start.Sent, func(d time.Duration) int { return LooseBound(limit, d) },
				"(a token bucket of capacity 2×L, the loosest reasonable limiter)")
		}
		if start.Limited {
			count(start.Sent, start.Received, func(d time.Duration) int { return BoundAfterRefusal(limit, d) },
				"after a refusal (a limiter that refuses is full)")
		}
	}
	return worst
}

func tooStrictWindow(limit int, at []Attempt) *Finding {
	for i, a := range at {
		if !a.Limited {
			continue
		}
		n := 0
		for j, b := range at {
			if j != i && !b.Sent.After(a.Received) && (b.Unknown || b.Received.After(a.Sent.Add(-time.Second))) {
				n++
			}
		}
		if n < limit-1 {
			return &Finding{Rule: "RATE-TOO-STRICT", Clause: rateClause,
				Expected: fmt.Sprintf("no refusal before %d requests arrived in the second before it (%d a second)", limit-1, limit),
				Actual:   fmt.Sprintf("refused (sent %s) after at most %d", a.Sent.Format("15:04:05.000"), n)}
		}
	}
	return nil
}

func tooStrictBurst(limit int, at []Attempt) *Finding {
	for k := range at {
		t0 := at[k].Sent
		quiet := true
		for _, b := range at[:k] {
			if b.Unknown || !b.Received.Before(t0.Add(-time.Second)) {
				quiet = false
				break
			}
		}
		if !quiet {
			continue
		}
		t1, accepted, limited, n := t0, 0, 0, 0
		for _, b := range at[k:] {
			if b.Sent.After(t1) {
				break
			}
			if b.Unknown {
				t1 = t0.Add(time.Hour)
				break
			}
			if b.Received.After(t1) {
				t1 = b.Received
			}
			n++
			if b.Limited {
				limited++
			} else {
				accepted++
			}
		}
		if t1.Sub(t0) < time.Second && limited > 0 && accepted < limit-1 {
			return &Finding{Rule: "RATE-TOO-STRICT", Clause: rateClause,
				Expected: fmt.Sprintf("a burst after a quiet second has at least %d accepted before any refusal (%d a second)", limit-1, limit),
				Actual:   fmt.Sprintf("%d of %d accepted, %d refused within %s", accepted, n, limited, t1.Sub(t0).Round(time.Millisecond))}
		}
	}
	return nil
}
