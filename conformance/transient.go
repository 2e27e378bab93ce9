package conformance

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Transient states made on purpose (seed §1: only RUNNING instances may be
// stopped; facts §7 UnsupportedOperation.InstanceStateStarting, …Stopping;
// facts §8: a start goes STOPPED ⇒ STARTING ⇒ RUNNING).
//
// A start puts an instance in STARTING for as long as the target takes,
// and a stop puts it in STOPPING. A listing that shows the transient state
// and a stop sent right after it make the trial. For STOPPING the model
// decides alone: a second HARD stop must be refused in every state the
// instance may have reached (STOPPING or STOPPED), so an acceptance is a
// violation whenever it comes. For STARTING it does not: the start may
// have ended between the listing and the stop, and a RUNNING instance may
// be stopped. The model has no bound on how long a start takes, so one
// accepted stop proves nothing; the evidence is statistical.
//
// Rationale for the STARTING verdict (stopWhileStarting). Let D be how
// long a start keeps this instance STARTING with LatestOperationState
// OPERATING on this target. Assume the starts the check sends are alike:
// their D are exchangeable (i.i.d. will do); the check makes them all the
// same way, on the same instance, in the same run. Suppose the target
// refuses a stop at least while a start is in flight (STARTING,
// OPERATING): the model asks more, so this is the weaker claim, and it
// holds also for a target whose operation state runs ahead (facts §16,
// ledger L-16). Then a stop it accepted came after the start's D had
// passed: D_i ≤ T_i, where T_i runs from the start's sending to the
// stop's answer. Only trials whose listing showed STARTING with
// OPERATING count; that selection keeps trials with larger D_i, which
// only makes small ones less likely, so it errs on the safe side. Next
// the check times n further starts, listing each until it no longer shows
// STARTING with OPERATING: a listing sent at time l that still shows it
// proves D_j > l − (the start's answer), a lower bound L_j. If m of the
// L_j exceed T = max T_i, then m timed starts outlasted every one of the
// k accepting trials' starts, so the m longest of the n+k durations all
// belong to the timed starts. Under exchangeability every m-subset of the
// n+k is equally likely to be the m longest, so that has probability
// C(n,m)/C(n+k,m), whatever the distribution of D. The check fails when
// it is below transientBound; m is read from the data, but the bound
// falls as m grows, so the event "fail" is contained in "the smallest m
// reaching the bound was reached", whose probability is below
// transientBound. With n = 12 and k = 11 the best bound is
// 1/C(23,11) ≈ 7.4e-7.
//
// A refusal is what a correct target does, so the check passes at the
// first one (it does not look for a target that accepts some stops of a
// STARTING instance and refuses others: its evidence needs every trial).
// A target whose starts end before a listing can show them cannot be
// judged: the check skips with the durations it saw.

const (
	// transientTrials is k: the accepting trials the check gathers
	// before it times starts.
	transientTrials = 11
	// transientTimed is n: the starts timed to learn D.
	transientTimed = 12
	// transientMisses is how many listings may miss the transient state
	// before the check gives up on the target as too fast.
	transientMisses = 5
	// transientBound is the chance, under a correct target, below which
	// the accepted stops are taken as proof.
	transientBound = 1e-6
)

// rankBound is C(n,m)/C(n+k,m): the chance that the m largest of n+k
// exchangeable values all fall among n given ones.
func rankBound(n, k, m int) float64 {
	p := 1.0
	for i := 0; i < m; i++ {
		p *= float64(n-i) / float64(n+k-i)
	}
	return p
}

// listing is one DescribeInstances of a single instance, judged, with the
// view it showed (its state empty when the instance was not listed).
func (c *Ctx) listing(id string) (*runner.Exchange, model.View, error) {
	x, err := c.ExpectX(runner.Send{Call: tcapi.Call{Action: model.ActionDescribe,
		Params: []tcapi.Param{{Name: "InstanceIds", Value: model.Strs(id)}}}})
	if err != nil {
		return x, model.View{}, err
	}
	if x.Outcome.Code != "" || x.Outcome.Unknown {
		return x, model.View{}, nil
	}
	res, err := runner.ParseDescribe(x.Response)
	if err != nil {
		return x, model.View{}, nil // the model has judged the shape already
	}
	for _, v := range res.Instances {
		if v.ID == id {
			return x, v, nil
		}
	}
	return x, model.View{}, nil
}

// shows reports whether a listing showed the instance in st with its
// operation still OPERATING: the only listings the transient checks count.
func shows(v model.View, st model.InstanceState) bool {
	return v.State == st && v.LatestOperationState == model.OpOperating
}

// timeStart lists the instance until it no longer shows STARTING with
// OPERATING (or the settle bound has passed: Settle then judges it), and
// returns a lower bound on how long the start kept it so: from the start's
// answer to the sending of the last listing that still showed it (zero
// when none did). Counting STARTING with SUCCESS too would assume that a
// target refuses a stop while its start says SUCCESS; the real cloud's
// run-ahead operation state (facts §16) makes that unsafe.
//
// The listings come as fast as the pacer lets, but never sooner than a
// tenth of the time elapsed since the start: the bound is then within 10%
// of the truth, and a start of 20 s costs some 70 listings, not 700.
func (c *Ctx) timeStart(id string, start *runner.Exchange) (time.Duration, error) {
	var lo time.Duration
	for time.Since(start.Sent) < c.run.cfg.settle {
		l, v, err := c.listing(id)
		if err != nil {
			return 0, err
		}
		if !shows(v, model.Starting) {
			break
		}
		lo = max(lo, l.Sent.Sub(start.Received))
		if err := c.Sleep(time.Since(start.Received) / 10); err != nil {
			return 0, err
		}
	}
	return lo, c.Settle(id)
}

// restop brings the instance back to STOPPED (HARD) when it is not there.
func (c *Ctx) restop(id string) error {
	if !c.run.obs.Settled(id) {
		if err := c.Settle(id); err != nil {
			return err
		}
	}
	if allIn(c.run.obs.Possible(id), model.Stopped) {
		return nil
	}
	if err := c.Expect(stopCall([]string{id}, "StopType", model.Str("HARD"))); err != nil {
		return err
	}
	if err := c.Settle(id); err != nil {
		return err
	}
	if !allIn(c.run.obs.Possible(id), model.Stopped) {
		return fmt.Errorf("%s did not reach STOPPED after a HARD stop", id)
	}
	return nil
}

// startTrial is one accepted stop after a listing showed STARTING.
type startTrial struct {
	window time.Duration // from the listing's sending to the stop's answer
	total  time.Duration // T_i: from the start's sending to the stop's answer
}

// stopWhileStarting is SI-STATE-12; see the rationale above.
func stopWhileStarting(c *Ctx) error {
	ids, err := c.Stopped(1)
	if err != nil {
		return err
	}
	id := ids[0]
	var trials []startTrial
	var missed []time.Duration // for each listing that missed STARTING: how long after the start it was answered
	for len(trials) < transientTrials && len(missed) < transientMisses {
		if err := c.restop(id); err != nil {
			return err
		}
		start, err := c.ExpectX(startCall(id))
		if err != nil {
			return err
		}
		c.touched[id] = true
		if start.Outcome.Code != "" || start.Outcome.Unknown {
			return c.Skipf("the check needs a start of %s, and the target refused it (%s)", id, start.Answer())
		}
		l, v, err := c.listing(id)
		if err != nil {
			return err
		}
		if !shows(v, model.Starting) {
			missed = append(missed, l.Received.Sub(start.Sent))
			c.Note("the listing showed %s %s, not STARTING with OPERATING: not a trial", v.State, v.LatestOperationState)
			continue
		}
		stop, err := c.ExpectX(stopCall([]string{id}, "StopType", model.Str("HARD")))
		if err != nil {
			return err
		}
		if stop.Outcome.Unknown {
			continue // the model has accepted either; nothing learnt
		}
		window, total := stop.Received.Sub(l.Sent), stop.Received.Sub(start.Sent)
		if stop.Outcome.Code != "" {
			d, err := c.timeStart(id, start)
			if err != nil {
				return err
			}
			c.passf("refused (%s) %s after a listing showed STARTING (OPERATING), %s after the start; %s",
				stop.Outcome.Code, ms(window), ms(total), startSeen(d))
			return nil
		}
		c.Note("trial %d: stop accepted %s after a listing showed STARTING (OPERATING), %s after the start was sent", len(trials)+1, ms(window), ms(total))
		trials = append(trials, startTrial{window: window, total: total})
	}
	if len(trials) == 0 {
		return c.Skipf("cannot prove the state at the time of the stop: no listing showed %s STARTING with LatestOperationState OPERATING; the start had ended %s after it was sent", id, msList(missed))
	}
	// Time n starts of the same instance.
	var timed []time.Duration
	for len(timed) < transientTimed {
		if err := c.restop(id); err != nil {
			return err
		}
		start, err := c.ExpectX(startCall(id))
		if err != nil {
			return err
		}
		if start.Outcome.Code != "" || start.Outcome.Unknown {
			return c.Skipf("the check needs a start of %s, and the target refused it (%s)", id, start.Answer())
		}
		d, err := c.timeStart(id, start)
		if err != nil {
			return err
		}
		timed = append(timed, d)
	}
	return judgeStartTrials(c, id, trials, timed)
}

// judgeStartTrials fails the check when the chance that every accepting
// trial's start had ended in time is below transientBound, and skips it
// otherwise; either way it says the numbers.
func judgeStartTrials(c *Ctx, id string, trials []startTrial, timed []time.Duration) error {
	var T, W time.Duration
	for _, t := range trials {
		T, W = max(T, t.total), max(W, t.window)
	}
	m := 0
	for _, d := range timed {
		if d > T {
			m++
		}
	}
	n, k := len(timed), len(trials)
	p := rankBound(n, k, m)
	numbers := fmt.Sprintf("%d stops of %s accepted, each at most %s after a listing showed STARTING (OPERATING) and at most %s after its start was sent; "+
		"%d of %d timed starts stayed STARTING (OPERATING) longer than that (%s)",
		k, id, ms(W), ms(T), m, n, timedSeen(timed))
	if p < transientBound {
		return c.Failf("STATE-STOP: %s: were the target refusing stops of STARTING instances, the chance of every one of those starts having ended in time is at most %.2g (< %.0g) [seed §1 only RUNNING; facts §7 %s]",
			numbers, p, transientBound, model.StateCode(model.Starting))
	}
	return c.Skipf("cannot prove the state at the time of the stop: %s; the chance that every start had ended in time is at most %.2g, not below %.0g", numbers, p, transientBound)
}

// stopWhileStopping is SI-STATE-13: a second HARD stop sent right after a
// listing showed the instance STOPPING (OPERATING) is refused. The model
// needs no timing for this one (see above).
func stopWhileStopping(c *Ctx) error {
	ids, err := c.Running(1)
	if err != nil {
		return err
	}
	id := ids[0]
	var missed []time.Duration
	for len(missed) < transientMisses {
		stop, err := c.ExpectX(stopCall(ids, "StopType", model.Str("HARD")))
		if err != nil {
			return err
		}
		if stop.Outcome.Code != "" || stop.Outcome.Unknown {
			return c.Skipf("the check needs a stop of %s, and the target refused it (%s)", id, stop.Answer())
		}
		l, v, err := c.listing(id)
		if err != nil {
			return err
		}
		if shows(v, model.Stopping) {
			again, err := c.ExpectX(stopCall(ids, "StopType", model.Str("HARD")))
			if err != nil {
				return err
			}
			why := ""
			if !strings.HasSuffix(again.Outcome.Code, "InstanceStateStopping") {
				// The title names STOPPING's code; a reader seeing another
				// must be told why the model took it.
				why = ": another state's code, which the model accepts because the stop may have ended between the listing and this request"
			}
			c.passf("refused (%s) %s after a listing showed STOPPING (OPERATING)%s", again.Outcome.Code, ms(again.Received.Sub(l.Sent)), why)
			return c.Settle(id)
		}
		missed = append(missed, l.Received.Sub(stop.Sent))
		c.Note("the listing showed %s %s, not STOPPING with OPERATING: not a trial", v.State, v.LatestOperationState)
		if err := c.Settle(id); err != nil {
			return err
		}
		if err := c.Expect(startCall(id)); err != nil {
			return err
		}
		if err := c.Settle(id); err != nil {
			return err
		}
		if !allIn(c.run.obs.Possible(id), model.Running) {
			return c.Skipf("the check needs %s RUNNING again, and its start did not bring it there", id)
		}
	}
	return c.Skipf("cannot prove the state at the time of the stop: no listing showed %s STOPPING with LatestOperationState OPERATING; the stop had ended %s after it was sent", id, msList(missed))
}

// startSeen says how long the listings after a start saw it STARTING
// (OPERATING), a lower bound from timeStart.
func startSeen(d time.Duration) string {
	if d == 0 {
		return "the next listing showed that start ended"
	}
	return "listings showed that start STARTING (OPERATING) until " + ms(d) + " after its answer"
}

// timedSeen says the same of the timed starts: the lower bounds on how
// long each stayed STARTING (OPERATING), and how many no listing saw so.
func timedSeen(timed []time.Duration) string {
	var seen []time.Duration
	for _, d := range timed {
		if d > 0 {
			seen = append(seen, d)
		}
	}
	switch {
	case len(seen) == 0:
		return "no listing after any of them showed STARTING (OPERATING)"
	case len(seen) < len(timed):
		return fmt.Sprintf("listings saw %d of them STARTING (OPERATING) until %s after their answer; the next listing after the other %d showed them ended",
			len(seen), msList(seen), len(timed)-len(seen))
	}
	return "listings saw them STARTING (OPERATING) until " + msList(seen) + " after their answer"
}

// ms renders a duration in milliseconds.
func ms(d time.Duration) string { return fmt.Sprintf("%d ms", d.Milliseconds()) }

// msList renders durations in milliseconds, sorted: "3, 5, 8 ms".
func msList(ds []time.Duration) string {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = fmt.Sprint(d.Milliseconds())
	}
	return strings.Join(parts, ", ") + " ms"
}
