package emulator

import (
	"sync"
	"time"

	"github.com/cvmconform/cvmconform/model"
)

// limiter is a rate limiter per account and action: about limit(action)
// requests accepted a second, counted by arrival on the emulator's clock.
// The docs name a rate, not an algorithm, nor whether refused requests
// count (ledger L-12), so both are variants (VariantLimiter,
// VariantLimiterCount):
//
//   - sliding (the default): a sliding-window log, at most L arrivals
//     accepted in any second;
//   - fixed: a window per wall-clock second, at most L accepted among the
//     arrivals whose time truncated to the second is the same;
//   - token: a token bucket of capacity 2×L refilled at L a second,
//     starting full, so it bursts up to 2×L;
//
// and each counts only the requests it accepts (the default) or refused
// ones too (see the allow methods for what "too" means to each). It is safe
// for concurrent use.
type limiter struct {
	mu    sync.Mutex
	limit func(action string) int // 0 = unlimited (limitPolicy.limit)
	// fresh returns the empty state of one account's action.
	fresh func() limitState
	// countAll counts refused requests too (limiter-counts=all).
	countAll bool
	states   map[limitKey]limitState
	// bucket maps an action to the one whose limit it counts against
	// (FaultDescribesAsStops); nil for none.
	bucket map[string]string
	// spends maps an action to one whose allowance each of its accepted
	// requests also spends, whatever that allowance has left
	// (FaultDescribesSpendStops); nil for none.
	spends map[string]string
	// alias maps an account to the one whose allowance it spends
	// (FaultAccountsShareLimit); nil for none.
	alias map[string]string
}

type limitKey struct{ account, action string }

// limitState is one account's action under one algorithm: allow reports
// whether an arrival at now is within a limit of n a second, and counts it
// if so (or, with countAll, in any case). Arrivals come in the order the
// limiter is consulted, which under the real clock may be a little out of
// time order (requests read the clock before they queue for the store);
// each state copes with that rather than trusting it.
type limitState interface {
	allow(now time.Time, n int, countAll bool) bool
}

// limitPolicy is what a limiter enforces, as resolveLimits reads it from
// the configuration, the variants and the faults.
type limitPolicy struct {
	// stop is StopInstances' limit a second and account (Config.RateLimit,
	// halved by FaultStrictRateLimit); 0 turns every action's limit off
	// (a negative Config.RateLimit, or FaultNoRateLimit).
	stop      int
	algorithm limiterAlgorithm // variant limiter
	countAll  bool             // variant limiter-counts=all: refused requests count too
	// describesAsStops: DescribeInstances counts against StopInstances'
	// limit (FaultDescribesAsStops).
	describesAsStops bool
	// describesSpendStops: every DescribeInstances served spends one of
	// StopInstances' allowance, and DescribeInstances is limited to 2 a
	// second fewer than StopInstances, so that describes alone never
	// exhaust it (FaultDescribesSpendStops).
	describesSpendStops bool
	// accountsShare: the second account spends the first's allowance
	// (FaultAccountsShareLimit).
	accountsShare bool
}

// limiterAlgorithm is how a limiter counts a second (variant limiter,
// ledger L-12; see limiter).
type limiterAlgorithm int

const (
	limitSliding limiterAlgorithm = iota // sliding: a sliding-window log
	limitFixed                           // fixed: a window per wall-clock second
	limitToken                           // token: a token bucket bursting up to 2×L
)

// limit is action's limit a second: StopInstances' the policy's, every
// other action's its documented one; 0 for no limit.
func (p limitPolicy) limit(action string) int {
	switch {
	case p.stop == 0:
		return 0
	case action == model.ActionStop:
		return p.stop
	case action == model.ActionDescribe && p.describesSpendStops:
		return max(p.stop-2, 1)
	}
	return model.RateLimit(action)
}

// newLimiter returns the limiter that enforces p over accounts, given in
// fleet order.
func newLimiter(p limitPolicy, accounts []string) *limiter {
	l := &limiter{limit: p.limit, countAll: p.countAll, states: map[limitKey]limitState{}}
	switch p.algorithm {
	case limitFixed:
		l.fresh = func() limitState { return &fixedWindow{} }
	case limitToken:
		l.fresh = func() limitState { return &tokenBucket{} }
	default:
		l.fresh = func() limitState { return &slidingLog{} }
	}
	if p.describesAsStops {
		l.bucket = map[string]string{model.ActionDescribe: model.ActionStop}
	}
	if p.describesSpendStops && p.stop > 0 {
		l.spends = map[string]string{model.ActionDescribe: model.ActionStop}
	}
	if p.accountsShare && len(accounts) > 1 {
		l.alias = map[string]string{accounts[1]: accounts[0]}
	}
	return l
}

// allow reports whether a request of action by account arriving at now is
// within the limit, and if so counts it.
func (l *limiter) allow(account, action string, now time.Time) bool {
	n := l.limit(action)
	if n <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if a, ok := l.alias[account]; ok {
		account = a
	}
	if b, ok := l.bucket[action]; ok {
		action = b
		n = l.limit(action)
	}
	k := limitKey{account, action}
	s := l.states[k]
	if s == nil {
		s = l.fresh()
		l.states[k] = s
	}
	ok := s.allow(now, n, l.countAll)
	if other, spends := l.spends[action]; ok && spends {
		l.stateOf(limitKey{account, other}).allow(now, l.limit(other), true)
	}
	return ok
}

// stateOf is the state of one account's action, made empty on first use.
// The caller holds l.mu.
func (l *limiter) stateOf(k limitKey) limitState {
	s := l.states[k]
	if s == nil {
		s = l.fresh()
		l.states[k] = s
	}
	return s
}

// slidingLog logs the arrivals of the last second. With countAll a refused
// arrival is logged too, so traffic kept over the limit is refused until it
// lets a whole second's arrivals age out.
type slidingLog struct{ log []time.Time }

func (s *slidingLog) allow(now time.Time, n int, countAll bool) bool {
	cut := 0
	for cut < len(s.log) && now.Sub(s.log[cut]) >= time.Second {
		cut++
	}
	s.log = s.log[cut:]
	ok := len(s.log) < n
	if ok || countAll {
		s.log = append(s.log, now)
	}
	return ok
}

// fixedWindow counts the arrivals of one wall-clock second (the arrival
// time truncated to the second). An arrival from a second before the
// current window (out of order) counts in the current one, the stricter
// choice. With countAll a refused arrival is counted too; that changes
// nothing one can observe, as a refusal means the window already holds L
// and every window starts from zero, but the count is kept as the variant
// says.
type fixedWindow struct {
	second time.Time
	count  int
}

func (f *fixedWindow) allow(now time.Time, n int, countAll bool) bool {
	if w := now.Truncate(time.Second); w.After(f.second) {
		f.second, f.count = w, 0
	}
	ok := f.count < n
	if ok || countAll {
		f.count++
	}
	return ok
}

// tokenBucket holds up to 2×L tokens, starts full and gains L a second; an
// accepted arrival takes one. The tokens are kept in billionths
// (nanotokens), so that L a second is exactly L nanotokens a nanosecond and
// no rounding ever refuses the arrival that a whole number of refill
// periods has paid for.
//
// A bucket cannot go below zero, so "refused requests count too"
// (countAll) cannot take a token from it. It is defined here as: a refused
// request empties the bucket, forfeiting the fraction of a token (less
// than one) refilled towards the next acceptance, so the next token comes
// a full 1/L after the last refusal. Traffic kept closer together than 1/L
// is then refused throughout, as a sliding log that logs refusals refuses
// it; every refusal still follows at least L−1 arrivals in the second
// before it (the budget of L refilled tokens is spent on acceptances and
// on forfeits of less than one each), which is what model.CheckRate asks.
type tokenBucket struct {
	nanotokens int64
	last       time.Time
	started    bool
}

func (b *tokenBucket) allow(now time.Time, n int, countAll bool) bool {
	const one = int64(time.Second) // a token, in nanotokens
	capacity := 2 * int64(n) * one
	switch d := now.Sub(b.last); {
	case !b.started || d >= 2*time.Second: // an empty bucket fills in 2 s
		b.nanotokens, b.started = capacity, true
	case d > 0:
		b.nanotokens = min(capacity, b.nanotokens+int64(n)*int64(d))
	}
	if now.After(b.last) {
		b.last = now
	}
	if b.nanotokens >= one {
		b.nanotokens -= one
		return true
	}
	if countAll {
		b.nanotokens = 0
	}
	return false
}
