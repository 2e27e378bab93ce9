package passive

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cvmconform/cvmconform/model"
)

// The rate limit, judged from the timeline alone (model.CheckRate): one
// timeline per account and action, every StopInstances,
// StartInstances and DescribeInstances the account sent, each an attempt
// from its send to its receipt (see Timing for cassettes, whose times
// come from the answers' Date headers). A recording without times, or
// with an exchange without one, leaves its timeline unjudged.
//
// Too loose only. A conforming limiter refuses when the account's
// arrivals fill it, and a recording need not hold all of them: other
// clients of the same account (facts §15: the limit is per account) send
// requests it never saw. So a refusal can never be shown premature from a
// recording, and RATE-TOO-STRICT is not judged here (a run, which owns its
// account's traffic, judges it). Too many acceptances stay a departure
// whatever else arrived: the bounds hold for any subset of the accepted.
//
// Which attempts count. A request refused before the rate-limit stage
// (protocol, authentication: DESIGN "check order") never reached the
// limiter: counted as accepted it could make a timeline look too loose,
// so it is left out.

type timelineKey struct{ account, action string }

type timedAttempt struct {
	model.Attempt
	index   int
	timed   bool
	reached bool // the answer is not one the stages before the rate limit explain
}

func (j *Judge) attempt(rd reading, req model.Request, jd model.Judgement, x *Exchange) {
	if req.Action != model.ActionStop && req.Action != model.ActionStart && req.Action != model.ActionDescribe {
		return
	}
	unknown := rd.out.Unknown
	code := rd.out.Code
	a := timedAttempt{index: x.Index, timed: x.Timing != TimingNone,
		Attempt: model.Attempt{Sent: x.Sent, Received: x.Received, Limited: !unknown && model.IsRateLimited(code), Unknown: unknown},
		reached: unknown || !beforeRateLimit(jd.Verdict, code)}
	k := timelineKey{rd.account, req.Action}
	j.timelines[k] = append(j.timelines[k], a)
}

// beforeRateLimit reports whether code is the answer of a rule ranked
// before the rate limit that the request breaks or may break.
func beforeRateLimit(v model.Verdict, code string) bool {
	if code == "" || model.IsRateLimited(code) {
		return false
	}
	for _, x := range v.Violations {
		if x.Rule.Rank() < model.RuleRateLimit.Rank() && x.Lenient.Has(code) {
			return true
		}
	}
	return false
}

func (j *Judge) limit(action string) int {
	if action == model.ActionStop {
		return j.cfg.StopRateLimit
	}
	return model.RateLimit(action)
}

// judgeRate checks every timeline and says how the rate limit was judged.
func (j *Judge) judgeRate() ([]Finding, string) {
	keys := make([]timelineKey, 0, len(j.timelines))
	for k := range j.timelines {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b timelineKey) int {
		return strings.Compare(a.account+"\x00"+a.action, b.account+"\x00"+b.action)
	})
	var out []Finding
	judged, untimed := 0, 0
	for _, k := range keys {
		ts := j.timelines[k]
		var reached []model.Attempt
		timed := true
		for _, t := range ts {
			timed = timed && t.timed
			if t.reached {
				reached = append(reached, t.Attempt)
			}
		}
		if !timed {
			untimed++
			continue
		}
		judged++
		limit := j.limit(k.action)
		for _, f := range model.CheckRate(limit, reached) {
			if f.Rule != "RATE-TOO-LOOSE" {
				continue
			}
			f.Instance = k.action + " of account " + orText(k.account, "(none named)")
			out = append(out, Finding{Recording: j.name, Finding: f, Context: timelineContext(k, ts, limit)})
		}
	}
	note := "rate limit judged on the timeline (too loose only)"
	switch {
	case judged == 0 && untimed == 0:
		note = "rate limit not judged: no StopInstances, StartInstances or DescribeInstances"
	case judged == 0:
		note = "rate limit not judged: the recording has no times"
	case untimed > 0:
		note = fmt.Sprintf("rate limit judged on %d timelines; %d without times not judged", judged, untimed)
	}
	return out, note
}

// timelineContext summarises a timeline: its attempts and, first, those
// refused for the rate limit.
func timelineContext(k timelineKey, ts []timedAttempt, limit int) string {
	var acc, lim, unk, other int
	var refused []string
	for _, t := range ts {
		switch {
		case t.Unknown:
			unk++
		case t.Limited:
			lim++
			refused = append(refused, fmt.Sprintf("#%d (sent %s)", t.index, t.Sent.UTC().Format("15:04:05.000")))
		case !t.reached:
			other++
		default:
			acc++
		}
	}
	s := fmt.Sprintf("%s of account %s, limit %d a second: %d attempts from %s to %s: %d accepted (or refused after the rate-limit stage), %d rate-limited, %d unanswered, %d refused before the rate-limit stage",
		k.action, orText(k.account, "(none named)"), limit, len(ts), ts[0].Sent.UTC().Format("15:04:05.000"),
		ts[len(ts)-1].Received.UTC().Format("15:04:05.000"), acc, lim, unk, other)
	if len(refused) > 0 {
		if len(refused) > 10 {
			refused = append(refused[:10], fmt.Sprintf("and %d more", len(refused)-10))
		}
		s += "\nrate-limited: " + strings.Join(refused, ", ")
	}
	return s
}
