package conformance

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Rate limits (seed §1: "A maximum of 10 requests can be initiated per
// second for this API"; facts §7–§9, §15: per action and account). The
// checks send StopInstances of well-formed IDs that name no instance:
// harmless on a real cloud, and counted by a limiter, which comes before
// existence in the check order. Every timeline is judged by
// model.CheckRate, which accepts a sliding window, a fixed window or a
// token bucket of the limit bursting up to twice it — counting refused
// requests or not — and
// rejects one 30% too strict or too loose; its doc comment gives the
// tolerance. Times are measured per request (sent, received) and the
// verdicts are decided on those intervals, never on sleeps.

func rateChecks() []*Check {
	return []*Check{
		{ID: "SI-RATE-01", Takes: 1500 * time.Millisecond, Title: "A burst of three times the limit in a fraction of a second is partly refused, within the tolerance",
			Clause: "seed §1 rate limit; facts §6 RequestLimitExceeded", Severity: MUST, Needs: Needs{WholeAccount: true},
			Run: func(c *Ctx) error {
				limit := c.stopLimit()
				b, err := c.burst(3 * limit)
				if err != nil {
					return err
				}
				return c.judgeRate(limit, b.attempts)
			}},
		// Six seconds: long enough that a limiter half as fast as the
		// documented one refuses, whatever burst it allows first: a token
		// bucket refilled at L/2 a second that bursts to twice that
		// (capacity L) is emptied in L/(0.75L − 0.5L) = 4 s at this pace,
		// and the refusal comes with fewer than L−1 arrivals in the second
		// before it.
		{ID: "SI-RATE-02", Takes: 6500 * time.Millisecond, Title: "Traffic paced at three quarters of the limit is never refused",
			Clause: "seed §1 rate limit", Severity: MUST, Needs: Needs{WholeAccount: true},
			Run: func(c *Ctx) error {
				limit := c.stopLimit()
				c.waitQuiet(model.ActionStop)
				gap := time.Duration(float64(time.Second) / (0.75 * float64(limit)))
				var at []model.Attempt
				start := time.Now()
				for i := range 9 * limit / 2 {
					if err := c.Sleep(time.Until(start.Add(time.Duration(i) * gap))); err != nil {
						return err
					}
					x, err := c.harmlessStop()
					if err != nil {
						return err
					}
					at = append(at, attempt(x))
				}
				c.Note("%d StopInstances paced %s apart: %s", len(at), gap.Round(time.Millisecond), tally(at))
				return c.judgeRate(limit, at)
			}},
		{ID: "SI-RATE-03", Takes: 2500 * time.Millisecond, Title: "A StopInstances refused for the rate limit stops nothing",
			Clause: "seed §1 rate limit; DESIGN \"The model\": a rate-limited request has no effect", Severity: MUST,
			Needs: Needs{WholeAccount: true, Running: 1},
			Run: func(c *Ctx) error {
				ids, err := c.Running(1)
				if err != nil {
					return err
				}
				limit := c.stopLimit()
				for try := range 3 {
					b, err := c.burst(2 * limit)
					if err != nil {
						return err
					}
					s := stopCall(ids, "StopType", model.Str("HARD"))
					s.Unpaced = true
					x, f, err := c.Send(s)
					if err != nil {
						return err
					}
					if f != nil {
						return c.Fail(f)
					}
					if err := c.judgeRate(limit, append(b.attempts, attempt(x))); err != nil {
						return err
					}
					if model.IsRateLimited(x.Outcome.Code) {
						return c.Observe(ids...)
					}
					c.Note("try %d: the stop right after the burst was not refused; the window may have turned", try+1)
					if err := c.Settle(ids...); err != nil {
						return err
					}
					if err := c.run.reset(c); err != nil {
						return err
					}
				}
				return c.Skipf("in three tries the target never refused a stop sent right after a burst of %d, so a refused stop could not be observed", 2*limit)
			}},
		{ID: "SI-RATE-04", Takes: 1500 * time.Millisecond, Title: "Capacity returns after a quiet second",
			Clause: "seed §1: a maximum of 10 requests per second", Severity: MUST, Needs: Needs{WholeAccount: true},
			Run: func(c *Ctx) error {
				limit := c.stopLimit()
				b, err := c.burst(2 * limit)
				if err != nil {
					return err
				}
				at := b.attempts
				c.waitQuiet(model.ActionStop)
				n := max(limit/2, 1)
				for range n {
					x, err := c.harmlessStop()
					if err != nil {
						return err
					}
					at = append(at, attempt(x))
				}
				c.Note("after a quiet second, %d StopInstances: %s", n, tally(at[len(at)-n:]))
				return c.judgeRate(limit, at)
			}},
		// A target that counts DescribeInstances against the StopInstances
		// limit L must refuse some of them, whatever its algorithm, when
		// they come faster than L while that limit is spent. A burst of 2L
		// spends it: a sliding window then holds L arrivals of the last
		// second, a fixed window's second is full, a token bucket of up to
		// 2L is empty. Then 1.4L+1 describes in 0.7 s (2L a second) are
		// more than any such limiter accepts in that time: a sliding window
		// at most L (none while the burst is younger than a second), a
		// fixed window at most L (it turns at most once), a token bucket at
		// most 0.7L+1, so at least 0.4L+1 are refused (5 of 15 at L = 10).
		// Counting refused requests too only refuses more. A correct target
		// serves them all: 2L is at most half the describe limit of 40.
		// The guarantee needs 2L ≤ 20 (the documented L is 10); with a
		// higher --rate-limit the describes stay at 20 a second and catch
		// the fault on a sliding window, elsewhere only by chance.
		{ID: "SI-RATE-05", Takes: 2200 * time.Millisecond, Title: "The limit is per action: a StopInstances burst does not refuse DescribeInstances",
			Clause: "facts §15: per Action; facts §9 DescribeInstances 40 a second", Severity: MUST, Needs: Needs{WholeAccount: true},
			Run: func(c *Ctx) error {
				limit := c.stopLimit()
				b, err := c.burst(2 * limit)
				if err != nil {
					return err
				}
				end := time.Now()
				rate := min(2*limit, model.RateLimit(model.ActionDescribe)/2)
				ds, err := c.describesAfter(end, min(3*limit/2, 7*rate/10)+1, rate)
				if err != nil {
					return err
				}
				var refused []*runner.Exchange
				for _, x := range ds {
					if model.IsRateLimited(x.Outcome.Code) {
						refused = append(refused, x)
					}
				}
				if len(refused) > 0 {
					x := refused[0]
					return c.Failf("%d of %d DescribeInstances sent %d a second right after a StopInstances burst were refused, the first (%s) sent %s after the burst's last answer: the limit is per action, and DescribeInstances allows %d a second [facts §15]",
						len(refused), len(ds), rate, x.Outcome.Code, x.Sent.Sub(end).Round(time.Millisecond), model.RateLimit(model.ActionDescribe))
				}
				return c.judgeRate(limit, b.attempts)
			}},
		// The other direction of SI-RATE-05. StopInstances paced at 0.75L
		// are never refused by a limiter of L (SI-RATE-02); DescribeInstances
		// sent alongside at half their documented limit must not change
		// that. A target whose served describes also spend the stop
		// allowance, d of them a second, sees 0.75L + d stops' worth: a
		// sliding or fixed window of L refuses stops within a second once
		// d > 0.25L, and a token bucket bursting to 2L empties in
		// 2L / (d − 0.25L) seconds — under 4 s for d ≥ 0.75L (the check
		// sends for 4.5 s), which holds
		// while its describe limit is at least 0.75L, even below the stop
		// limit (so that describes alone never exhaust it). The stops'
		// timeline is judged by model.CheckRate, which wants none of them
		// refused with fewer than L−1 stops in the second before.
		{ID: "SI-RATE-07", Takes: 5500 * time.Millisecond, Title: "The limit is per action: DescribeInstances sent alongside do not spend StopInstances' allowance",
			Clause: "facts §15: per Action; seed §1 rate limit; facts §9 DescribeInstances 40 a second", Severity: MUST, Needs: Needs{WholeAccount: true},
			Run: func(c *Ctx) error {
				limit := c.stopLimit()
				c.waitQuiet(model.ActionStop)
				c.waitQuiet(model.ActionDescribe)
				at, err := c.paceStreams(4500*time.Millisecond,
					pacedStream{rate: 0.75 * float64(limit), next: c.harmlessStopCall, steps: true},
					pacedStream{rate: float64(model.RateLimit(model.ActionDescribe)) / 2, next: func() runner.Send { return describeWith(func(*tcapi.Call) {}) }})
				if err != nil {
					return err
				}
				stops, describes := at[0], at[1]
				c.Note("%d StopInstances paced at %.1f a second, %d DescribeInstances at %d a second beside them: stops %s; describes %s",
					len(stops), 0.75*float64(limit), len(describes), model.RateLimit(model.ActionDescribe)/2, tally(stops), tally(describes))
				return naming(fmt.Sprintf("StopInstances paced at %.1f a second beside DescribeInstances at %d a second",
					0.75*float64(limit), model.RateLimit(model.ActionDescribe)/2), c.judgeRate(limit, stops))
			}},
		// facts §15: the limits are per account, so one account's traffic
		// spends none of another's allowance, in either direction. One
		// account's StopInstances at 3L a second beside another's paced at
		// 0.75L: a correct target never refuses the paced ones
		// (SI-RATE-02), while one allowance for both sees 3.75L a second,
		// which a sliding or fixed window of L refuses at once and a token
		// bucket bursting to 2L within 2L / 2.75L < 1 s. Two seconds each
		// way; the paced account's timeline is judged by model.CheckRate.
		{ID: "SI-RATE-08", Takes: 5500 * time.Millisecond, Title: "The limit is per account: one account's StopInstances at three times the limit refuse none of another's",
			Clause: "facts §15: limits per account; seed §1 rate limit", Severity: MUST, Needs: Needs{WholeAccount: true, SecondAccount: true},
			Run: func(c *Ctx) error {
				limit := c.stopLimit()
				as := func(second bool) func() runner.Send {
					return func() runner.Send {
						s := c.harmlessStopCall()
						s.Second = second
						return s
					}
				}
				for _, paced := range []struct {
					name, other string
					second      bool
				}{{"the first account's", "the second's", false}, {"the second account's", "the first's", true}} {
					c.waitQuiet(model.ActionStop)
					at, err := c.paceStreams(2*time.Second,
						pacedStream{rate: 0.75 * float64(limit), next: as(paced.second), steps: true},
						pacedStream{rate: 3 * float64(limit), next: as(!paced.second)})
					if err != nil {
						return err
					}
					what := fmt.Sprintf("%s StopInstances paced at %.1f a second beside %s at %d a second", paced.name, 0.75*float64(limit), paced.other, 3*limit)
					c.Note("%s: %s; %s", what, tally(at[0]), tally(at[1]))
					if err := c.judgeRate(limit, at[0]); err != nil {
						return naming(what, err)
					}
				}
				return nil
			}},
		{ID: "SI-RATE-06", Takes: 5500 * time.Millisecond, Title: "Four seconds of saturation accept no more than a limiter of the documented rate",
			Clause: "seed §1 rate limit", Severity: MUST, Needs: Needs{WholeAccount: true},
			Run: func(c *Ctx) error {
				limit := c.stopLimit()
				b, err := c.saturate(3*limit, 4*time.Second)
				if err != nil {
					return err
				}
				return c.judgeRate(limit, b.attempts)
			}},
	}
}

// stopLimit is the StopInstances limit the target is expected to enforce.
func (c *Ctx) stopLimit() int {
	if l := c.run.cfg.target.StopRateLimit; l > 0 {
		return l
	}
	return model.RateLimit(model.ActionStop)
}

// burstResult is what a burst sent and got.
type burstResult struct {
	attempts []model.Attempt
}

// burst waits for a quiet second, then sends n harmless StopInstances as
// fast as 8 clients can, and judges every answer.
func (c *Ctx) burst(n int) (burstResult, error) {
	c.waitQuiet(model.ActionStop)
	return c.flood(n, 0)
}

// saturate sends harmless StopInstances at rate a second for d.
func (c *Ctx) saturate(rate int, d time.Duration) (burstResult, error) {
	c.waitQuiet(model.ActionStop)
	return c.flood(int(float64(rate)*d.Seconds()), time.Second/time.Duration(rate))
}

// flood sends n harmless StopInstances from 8 clients, each request gap
// after the previous one's start (0: as fast as possible).
func (c *Ctx) flood(n int, gap time.Duration) (burstResult, error) {
	ids := c.unknownIDs(n)
	var (
		mu  sync.Mutex
		xs  []*runner.Exchange
		err error
		wg  sync.WaitGroup
	)
	jobs := make(chan runner.Send)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range jobs {
				x, e := c.do(s)
				mu.Lock()
				if e != nil {
					err = e
				} else {
					xs = append(xs, x)
				}
				mu.Unlock()
			}
		}()
	}
	start := time.Now()
	for i, id := range ids {
		if gap > 0 && c.Sleep(time.Until(start.Add(time.Duration(i)*gap))) != nil {
			break
		}
		s := stopCall([]string{id})
		s.Check, s.Unpaced = c.check.ID, true
		jobs <- s
	}
	close(jobs)
	wg.Wait()
	c.run.target.Pacer().Rest(model.ActionStop)
	if c.Err() != nil {
		// Cut short: what was sent is not the burst the check judges.
		return burstResult{}, context.Cause(c)
	}
	if err != nil {
		return burstResult{}, err
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i].Sent.Before(xs[j].Sent) })
	var b burstResult
	for _, x := range xs {
		if f, _ := c.judge(x); f != nil {
			c.steps = append(c.steps, step{text: renderStep(len(c.steps)+1, x, "", f, c.told), x: x, finding: f})
			return b, c.Fail(f)
		}
	}
	for _, x := range xs {
		b.attempts = append(b.attempts, attempt(x))
	}
	span := time.Duration(0)
	if len(xs) > 0 {
		span = xs[len(xs)-1].Received.Sub(xs[0].Sent)
	}
	c.Note("%d StopInstances of unknown IDs from 8 clients in %s: %s", len(xs), span.Round(time.Millisecond), tally(b.attempts))
	return b, nil
}

// describesAfter sends n DescribeInstances at rate a second, the first at
// once, each on its own client so that a slow answer delays none of the
// others, and judges every answer. SI-RATE-05 sends them right after a
// StopInstances burst whose last answer came at end, while the stop limit
// is spent.
func (c *Ctx) describesAfter(end time.Time, n, rate int) ([]*runner.Exchange, error) {
	gap := time.Second / time.Duration(rate)
	var (
		mu  sync.Mutex
		xs  []*runner.Exchange
		err error
		wg  sync.WaitGroup
	)
	start := time.Now()
	for i := range n {
		if c.Sleep(time.Until(start.Add(time.Duration(i)*gap))) != nil {
			break
		}
		d := describeWith(func(*tcapi.Call) {})
		d.Check, d.Unpaced = c.check.ID, true
		wg.Add(1)
		go func() {
			defer wg.Done()
			x, e := c.do(d)
			mu.Lock()
			defer mu.Unlock()
			if e != nil {
				err = e
				return
			}
			xs = append(xs, x)
		}()
	}
	wg.Wait()
	c.run.target.Pacer().Rest(model.ActionDescribe)
	if c.Err() != nil {
		// Cut short: what was sent is not the sequence the check judges.
		return nil, context.Cause(c)
	}
	if err != nil {
		return nil, err
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i].Sent.Before(xs[j].Sent) })
	for _, x := range xs {
		if f, _ := c.judge(x); f != nil {
			c.steps = append(c.steps, step{text: renderStep(len(c.steps)+1, x, "", f, c.told), x: x, finding: f})
			return nil, c.Fail(f)
		}
	}
	var span time.Duration
	if len(xs) > 0 {
		span = xs[len(xs)-1].Received.Sub(xs[0].Sent)
	}
	c.Note("then %d DescribeInstances %s apart, from %s after the burst's last answer, in %s: %s",
		len(xs), gap.Round(time.Millisecond), start.Sub(end).Round(time.Millisecond), span.Round(time.Millisecond), outcomes(xs))
	return xs, nil
}

// harmlessStopCall is a StopInstances of an unknown ID.
func (c *Ctx) harmlessStopCall() runner.Send { return stopCall(c.unknownIDs(1)) }

// harmlessStop sends one unpaced StopInstances of an unknown ID.
func (c *Ctx) harmlessStop() (*runner.Exchange, error) {
	s := stopCall(c.unknownIDs(1))
	s.Unpaced = true
	x, f, err := c.Send(s)
	if err != nil {
		return nil, err
	}
	if f != nil {
		return nil, c.Fail(f)
	}
	return x, nil
}

func attempt(x *runner.Exchange) model.Attempt {
	return model.Attempt{Sent: x.Sent, Received: x.Received, Limited: model.IsRateLimited(x.Outcome.Code), Unknown: x.Outcome.Unknown}
}

// judgeRate fails the check if the timeline breaks the rate-limit
// specification.
func (c *Ctx) judgeRate(limit int, at []model.Attempt) error {
	if fs := model.CheckRate(limit, at); len(fs) > 0 {
		var parts []string
		for _, f := range fs {
			parts = append(parts, oneLine(f))
		}
		return c.Failf("%s", strings.Join(parts, "; "))
	}
	return nil
}

// tally counts a timeline's accepted, refused and unanswered attempts.
func tally(at []model.Attempt) string {
	var acc, lim, unk int
	for _, a := range at {
		switch {
		case a.Unknown:
			unk++
		case a.Limited:
			lim++
		default:
			acc++
		}
	}
	s := fmt.Sprintf("%d accepted, %d rate-limited", acc, lim)
	if unk > 0 {
		s += fmt.Sprintf(", %d unanswered", unk)
	}
	return s
}

// outcomes counts exchanges by outcome.
func outcomes(xs []*runner.Exchange) string {
	n := map[string]int{}
	for _, x := range xs {
		n[x.Outcome.String()]++
	}
	var parts []string
	for k, v := range n {
		parts = append(parts, fmt.Sprintf("%d %s", v, k))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// pacedStream is one stream of harmless requests a timeline sends: rate a
// second, each made by next; steps says whether each exchange is a step
// of the counterexample (the streams a check judges) or only tallied.
type pacedStream struct {
	rate  float64
	next  func() runner.Send
	steps bool
}

// paceStreams sends the streams side by side for d, on one timeline, each
// request on its own client so that a slow answer delays none of the
// others, then judges every answer in the order sent and returns each
// stream's attempts.
func (c *Ctx) paceStreams(d time.Duration, streams ...pacedStream) ([][]model.Attempt, error) {
	type event struct {
		at     time.Duration
		stream int
		send   runner.Send
	}
	var events []event
	for k, st := range streams {
		for i := 0; float64(i) < st.rate*d.Seconds(); i++ {
			s := st.next()
			s.Check, s.Unpaced = c.check.ID, true
			events = append(events, event{time.Duration(float64(i) * float64(time.Second) / st.rate), k, s})
		}
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].at < events[j].at })
	type sent struct {
		x      *runner.Exchange
		stream int
	}
	var (
		mu   sync.Mutex
		xs   []sent
		wg   sync.WaitGroup
		fail error
	)
	start := time.Now()
	for _, e := range events {
		if c.Sleep(time.Until(start.Add(e.at))) != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			x, err := c.do(e.send)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				fail = err
				return
			}
			xs = append(xs, sent{x, e.stream})
		}()
	}
	wg.Wait()
	c.run.target.Pacer().Rest(model.ActionStop)
	c.run.target.Pacer().Rest(model.ActionDescribe)
	if c.Err() != nil {
		// Cut short: what was sent is not the timeline the check judges.
		return nil, context.Cause(c)
	}
	if fail != nil {
		return nil, fail
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i].x.Sent.Before(xs[j].x.Sent) })
	out := make([][]model.Attempt, len(streams))
	for _, s := range xs {
		f, expect := c.judge(s.x)
		if f != nil {
			c.steps = append(c.steps, step{text: renderStep(len(c.steps)+1, s.x, expect, f, c.told), x: s.x, expect: expect, finding: f})
			return nil, c.Fail(f)
		}
		if streams[s.stream].steps {
			c.steps = append(c.steps, step{text: renderStep(len(c.steps)+1, s.x, expect, nil, nil), x: s.x, expect: expect})
		}
		out[s.stream] = append(out[s.stream], attempt(s.x))
	}
	return out, nil
}
