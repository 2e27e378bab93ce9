package runner

import (
	"context"
	"sync"
	"time"

	"github.com/cvmconform/cvmconform/model"
)

// PaceFraction is the share of an action's documented rate the pacer
// uses. Requests of one action leave evenly spaced at 1/(0.92·L): any
// second holds at most L of them, and L+1 in a row span 1/0.92 ≈ 1.087 s,
// so network jitter would have to eat 87 ms before a sliding window,
// fixed window or token bucket of L could refuse one. (At 0.92 the pacer
// sustains at least 90% of the documented rate: BenchmarkPacerSustainsTheDocumentedRate.)
const PaceFraction = 0.92

// Pacer keeps ordinary traffic under the target's documented rate limits
// (facts §7–§9; per action and account), so that a real cloud never
// rate-limits the suite by accident. It is safe for concurrent use:
// concurrent callers are given successive slots.
type Pacer struct {
	mu    sync.Mutex
	stop  int
	next  map[string]time.Time
	sleep func(context.Context, time.Duration) error
	now   func() time.Time
}

// NewPacer returns a pacer for a target that limits StopInstances to
// stopLimit a second and the other actions to their documented limits.
func NewPacer(stopLimit int) *Pacer {
	return &Pacer{stop: stopLimit, next: map[string]time.Time{}, sleep: sleepCtx, now: time.Now}
}

// Interval is the spacing the pacer keeps between requests of action; 0
// when the action has no documented limit.
func (p *Pacer) Interval(action string) time.Duration {
	limit := model.RateLimit(action)
	if action == model.ActionStop {
		limit = p.stop
	}
	if limit <= 0 {
		return 0
	}
	return time.Duration(float64(time.Second) / (PaceFraction * float64(limit)))
}

// Wait blocks until the next request of action may leave, and reserves
// that slot. A caller whose ctx has ended reserves nothing, and one whose
// ctx ends while it waits gives its slot back if no later one was taken:
// a run cut short must not leave its restore queued behind the slots of
// requests that were never sent.
func (p *Pacer) Wait(ctx context.Context, action string) error {
	gap := p.Interval(action)
	if gap == 0 || ctx.Err() != nil {
		return ctx.Err()
	}
	p.mu.Lock()
	now := p.now()
	at := p.next[action]
	if at.Before(now) {
		at = now
	}
	p.next[action] = at.Add(gap)
	p.mu.Unlock()
	err := p.sleep(ctx, at.Sub(now))
	if err != nil {
		p.mu.Lock()
		if p.next[action].Equal(at.Add(gap)) {
			p.next[action] = at
		}
		p.mu.Unlock()
	}
	return err
}

// Rest makes the next request of action wait a full second: after a
// deliberate burst, the limiter's window must empty before ordinary
// traffic resumes.
func (p *Pacer) Rest(action string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if at := p.now().Add(time.Second + p.Interval(action)); at.After(p.next[action]) {
		p.next[action] = at
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
