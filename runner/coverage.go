package runner

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/report"
)

// Rule coverage: which of the things the model knows a history of judged
// exchanges exercised, by which checks and with which outcomes. It is
// computed from what the judging pipeline already holds of each exchange
// (the model's judgement, the answer, what a listing showed), so every
// report kind — a run, recorded traffic, the proxy's — carries it.
//
// What "exercised" means, item by item:
//
//   - a rule (model.Rules): an exchange's request broke it — the model's
//     judgement names it among the violations, certainly — or may have
//     broken it (a violation the model marks Maybe: a state its instance
//     may be in, the rate limit) and the answer was one of the rule's own
//     codes. A request that merely could have been rate limited does not
//     exercise RATE-LIMIT; one the target refused as over the limit does.
//   - a code of the seed's table (model.SeedCodes): an exchange's
//     accepted outcomes held it and the answer was it.
//   - a transition (model.Transitions): an observer saw it — two
//     successive sightings of one instance showed its two states, a
//     sighting being a listing (DescribeInstances) or the effect of a stop
//     or start the target accepted (seed §1: STOPPING once the call
//     succeeds). Its outcomes are "served" for a request's transition,
//     "listed" for one a listing showed.
//   - a ledger entry (model.Ledger): one of its rules was exercised; for
//     the entries without a rule, the situation it decides arose:
//     L-05 a request certainly broke two rules or more and was refused;
//     L-13 an error answered a stop or start naming two instances or
//     more; L-16 a listing showed an instance's stop or start; L-23 an
//     error answer came; L-24 and L-25 their transitions were seen; L-27
//     a request had other readings of its bytes; L-29 the answer was one
//     of model.SituationalCodes.
//
// An outcome is an answer's error code, "served", "rate-limited" (any
// RequestLimitExceeded code) or "no answer".

// Outcome words besides error codes.
const (
	OutcomeServed      = "served"
	OutcomeRateLimited = "rate-limited"
	OutcomeNoAnswer    = "no answer"
	OutcomeListed      = "listed"
)

// Evidence accumulates, over one history of judged exchanges, what rule
// coverage and the target's profile are computed from. It is pure: fed
// by Judging.Judge, read by Coverage and Profile. Several histories (a
// run's lanes) are joined with Merge. It is not safe for concurrent use.
type Evidence struct {
	items map[string]*exercise // by coverKey
	// last is each instance's last sighting, by account and ID, for the
	// transitions.
	last map[string]model.InstanceState
	prof profileData
}

// exercise is what exercised one item: the checks, and the outcomes.
type exercise struct {
	checks, outcomes map[string]bool
}

// NewEvidence returns an empty accumulator.
func NewEvidence() *Evidence {
	return &Evidence{items: map[string]*exercise{}, last: map[string]model.InstanceState{}, prof: newProfileData()}
}

func coverKey(kind, id string) string { return kind + "\x00" + id }

// note records that check exercised the item, with outcome.
func (e *Evidence) note(kind, id, check, outcome string) {
	k := coverKey(kind, id)
	x := e.items[k]
	if x == nil {
		x = &exercise{checks: map[string]bool{}, outcomes: map[string]bool{}}
		e.items[k] = x
	}
	if check == "" {
		check = "(unnamed)"
	}
	x.checks[check] = true
	if outcome != "" {
		x.outcomes[outcome] = true
	}
}

// outcomeWord is how coverage names an exchange's answer.
func outcomeWord(out model.Outcome) string {
	switch {
	case out.Unknown:
		return OutcomeNoAnswer
	case out.Code == "":
		return OutcomeServed
	case model.IsRateLimited(out.Code):
		return OutcomeRateLimited
	}
	return out.Code
}

// add records one judged exchange: in as the pipeline took it, r as it
// judged it, before what the observer held of each instance a stop or
// start acts on (where the transition it makes starts; whether an
// operation was in flight).
func (e *Evidence) add(in Judgeable, r Judged, before map[string]prior, s model.Strictness) {
	if !r.Judged {
		return
	}
	out := in.Outcome
	if in.NotEnvelope != "" {
		out = model.Outcome{Unknown: true}
	}
	word := outcomeWord(out)
	check := in.Check
	j := r.Judgement
	if !j.Abstain {
		e.addRules(check, j, r.Listed, out, word)
		for _, code := range model.SeedCodes {
			if !out.Unknown && out.Code == code && j.Accepts(code, s) {
				e.note(report.CoverCode, code, check, word)
			}
		}
	}
	e.addLedger(check, in, r, out, word)
	e.addTransitions(check, in, r, out, before)
	e.prof.add(in, r, out, before)
}

// addRules records the rules the exchange exercised, and L-05 when it
// certainly broke several and was refused.
func (e *Evidence) addRules(check string, j model.Judgement, listed []model.View, out model.Outcome, word string) {
	certain := map[string]bool{}
	for _, v := range j.Violations {
		switch {
		case listedAnyway(v, listed):
			continue
		case !v.Maybe:
			certain[v.Rule.ID] = true
		case out.Unknown || out.Code == "" || !v.Lenient.Has(out.Code):
			continue
		}
		e.note(report.CoverRule, v.Rule.ID, check, word)
	}
	if len(certain) >= 2 && !out.Unknown && out.Code != "" {
		e.note(report.CoverLedger, "L-05", check, word)
	}
}

// listedAnyway reports whether v says an instance does not exist that
// the answer listed: with partial knowledge the pipeline judges an
// instance it has not yet seen as unknown (it discovers what a listing
// shows), which the listing disproves; no rule was broken.
func listedAnyway(v model.Violation, listed []model.View) bool {
	return v.Instance != "" && slices.ContainsFunc(listed, func(w model.View) bool { return w.ID == v.Instance })
}

// addLedger records the ledger entries without a rule whose situation the
// exchange met (those with rules are exercised through them: Coverage).
func (e *Evidence) addLedger(check string, in Judgeable, r Judged, out model.Outcome, word string) {
	refused := !out.Unknown && out.Code != ""
	act := r.Judgement.Action
	if refused && (act == model.ActionStop || act == model.ActionStart) && len(r.Judgement.Targets) >= 2 {
		e.note(report.CoverLedger, "L-13", check, word)
	}
	if refused {
		e.note(report.CoverLedger, "L-23", check, word)
	}
	if len(r.Request.Readings) > 0 {
		e.note(report.CoverLedger, "L-27", check, word)
	}
	if refused {
		for _, c := range model.SituationalCodes {
			if c.Code == out.Code {
				e.note(report.CoverLedger, "L-29", check, word)
			}
		}
	}
	for _, v := range r.Listed {
		if v.LatestOperation == model.ActionStop || v.LatestOperation == model.ActionStart {
			e.note(report.CoverLedger, "L-16", check, OutcomeListed)
			break
		}
	}
}

// addTransitions records the transitions the exchange let an observer
// see, and moves each instance's last sighting on.
func (e *Evidence) addTransitions(check string, in Judgeable, r Judged, out model.Outcome, before map[string]prior) {
	key := func(id string) string { return in.Account + "\x00" + id }
	if act := r.Judgement.Action; act == model.ActionStop || act == model.ActionStart {
		for _, id := range r.Judgement.Targets {
			switch {
			case out.Unknown:
				delete(e.last, key(id)) // it may or may not have moved
			case out.Code == "":
				to := model.Stopping
				if act == model.ActionStart {
					to = model.Starting
				}
				from, ok := e.last[key(id)]
				if p := before[id]; p.Known {
					from, ok = p.State, true
				}
				if ok {
					e.saw(check, from, to, OutcomeServed)
				}
				e.last[key(id)] = to
			}
		}
	}
	for _, v := range r.Listed {
		if from, ok := e.last[key(v.ID)]; ok {
			e.saw(check, from, v.State, OutcomeListed)
		}
		e.last[key(v.ID)] = v.State
	}
}

// saw records the transition from → to, if the model lists it (a
// listing that shows an instance unchanged, or changed in a way the model
// forbids, which the observer judges, is no transition of the table).
func (e *Evidence) saw(check string, from, to model.InstanceState, outcome string) {
	t, ok := model.TransitionOf(from, to)
	if !ok {
		return
	}
	e.note(report.CoverTransition, t.String(), check, outcome)
	switch t.Ledger {
	case "L-24", "L-25":
		e.note(report.CoverLedger, t.Ledger, check, outcome)
	}
}

// Merge adds what o accumulated to e: the coverage and profile of two
// histories (a run's lanes) as one. The instances' last sightings are
// each history's own and are not merged.
func (e *Evidence) Merge(o *Evidence) {
	if o == nil {
		return
	}
	for k, x := range o.items {
		y := e.items[k]
		if y == nil {
			y = &exercise{checks: map[string]bool{}, outcomes: map[string]bool{}}
			e.items[k] = y
		}
		maps.Copy(y.checks, x.checks)
		maps.Copy(y.outcomes, x.outcomes)
	}
	e.prof.merge(o.prof)
}

// Coverage returns every rule, seed code, transition and ledger entry of
// the model, in that order (each in its table's order), with whether the
// history exercised it. An item not exercised says so in Unexercised
// ("no exchange broke it"); the run's engine may say more (which skipped
// check would have).
func (e *Evidence) Coverage() []report.CoverageItem {
	var out []report.CoverageItem
	item := func(kind, id, text, not string) report.CoverageItem {
		c := report.CoverageItem{Kind: kind, ID: id, Text: text}
		if x := e.items[coverKey(kind, id)]; x != nil {
			c.Checks = slices.Sorted(maps.Keys(x.checks))
			c.Outcomes = slices.Sorted(maps.Keys(x.outcomes))
		} else {
			c.Unexercised = not
		}
		return c
	}
	for _, r := range model.Rules {
		out = append(out, item(report.CoverRule, r.ID, r.Requirement, "no exchange broke it"))
	}
	for _, code := range model.SeedCodes {
		out = append(out, item(report.CoverCode, code, codeText(code), "never answered where accepted"))
	}
	for _, t := range model.Transitions {
		by := "on its own"
		if t.By != "" {
			by = "by a successful " + t.By
		}
		out = append(out, item(report.CoverTransition, t.String(), by, "never seen"))
	}
	for _, l := range model.Ledger {
		c := item(report.CoverLedger, l.ID, l.Topic, "its situation never arose")
		for _, r := range l.Rules {
			x := e.items[coverKey(report.CoverRule, r.ID)]
			if x == nil {
				continue
			}
			c.Checks = union(c.Checks, slices.Collect(maps.Keys(x.checks)))
			c.Outcomes = union(c.Outcomes, slices.Collect(maps.Keys(x.outcomes)))
			c.Unexercised = ""
		}
		if len(l.Rules) > 0 && !c.Exercised() {
			c.Unexercised = "none of its rules exercised (" + ruleIDs(l.Rules) + ")"
		}
		out = append(out, c)
	}
	return out
}

// codeText says, for a code of the seed's table, which rules answer it.
func codeText(code string) string {
	var ids []string
	for _, r := range model.Rules {
		if r.Lenient.Has(code) {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		if when, ok := model.CannotServeCode(model.ActionStop, code); ok {
			return "seed §6; no rule answers it: " + when
		}
		return "seed §6; no rule answers it"
	}
	if len(ids) > 3 {
		ids = append(ids[:3], fmt.Sprintf("%d more", len(ids)-3))
	}
	return "seed §6; answers " + strings.Join(ids, ", ")
}

func ruleIDs(rs []*model.Rule) string {
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	return strings.Join(ids, ", ")
}

// union is a ∪ b, sorted and without duplicates.
func union(a, b []string) []string {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}
