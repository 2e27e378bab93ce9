package conformance

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/report"
)

// A run's rule coverage and the target's profile are computed by the
// judging pipeline of each lane (runner.Evidence); this file joins the
// lanes' and says, of each item the run did not exercise, which skipped
// check would have, where the catalog tells.

// evidence joins what every lane's judging pipeline accumulated.
func evidence(lanes []*runState) *runner.Evidence {
	ev := runner.NewEvidence()
	for _, s := range lanes {
		if s.judging != nil {
			ev.Merge(s.judging.Evidence())
		}
	}
	return ev
}

// fillEvidence sets the report's coverage and profile from the lanes'
// evidence.
func fillEvidence(lanes []*runState, checks []*Check, out *report.Run) {
	ev := evidence(lanes)
	out.Coverage = explainCoverage(ev.Coverage(), checks, out.Checks)
	out.Profile = ev.Profile()
}

// explainCoverage says, for each item not exercised, which of the checks
// that would have exercised it were skipped, and why: "SI-BATCH-02
// skipped: needs 101 RUNNING instances". A check would have exercised an
// item when the catalog ties them (wouldExercise). An item no skipped
// check is tied to keeps the reason coverage gave it.
func explainCoverage(items []report.CoverageItem, checks []*Check, results []report.Check) []report.CoverageItem {
	skipped := map[string]report.Check{}
	for _, r := range results {
		if r.Status == report.Skip {
			skipped[r.ID] = r
		}
	}
	catalog := Catalog()
	rare := rareCitations(catalog, len(catalog)/20)
	out := slices.Clone(items)
	for i, it := range out {
		if it.Exercised() {
			continue
		}
		var why []string
		for _, c := range checks {
			if r, ok := skipped[c.ID]; ok && wouldExercise(c, it, rare) {
				why = append(why, c.ID+" skipped: "+r.Reason)
			}
		}
		switch {
		case len(why) == 1:
			out[i].Unexercised = why[0]
		case len(why) > 1:
			out[i].Unexercised = why[0] + fmt.Sprintf(" (and %d more skipped checks)", len(why)-1)
		case it.Kind == report.CoverRule && Unprovoked(it.ID):
			out[i].Unexercised = NotProvoked
		}
	}
	return out
}

// NotProvoked is why a rule no check of the catalog provokes was not
// exercised: no skipped check, no target and no --min-coverage would
// change it.
const NotProvoked = "no check of the catalog provokes it"

// unprovoked are the rules no check of the catalog sends a request to
// break: a full run against the embedded emulator exercises every other
// rule and none of these (TestConformance holds the two to each other),
// so that a user choosing --min-coverage knows the ceiling
// (CoverageCeiling) and which rules lie above it.
var unprovoked = []*model.Rule{
	model.RuleAtFinanceHost, model.RuleExpiryEdge, model.RuleToken,
	model.RuleFilterLimit, model.RuleDescribeRange, model.RuleDescribeLimitMax, model.RuleFilterName, model.RuleIDsAndFilters,
	model.RuleTerminated, model.RuleInProgress, model.RuleRestricted,
}

// Unprovoked reports whether no check of the catalog provokes the rule
// with ID id.
func Unprovoked(id string) bool {
	return slices.ContainsFunc(unprovoked, func(r *model.Rule) bool { return r.ID == id })
}

// CoverageCeiling is how many of the model's rules a full run against the
// embedded emulator exercises, of how many: every rule some check
// provokes.
func CoverageCeiling() (exercised, rules int) {
	return len(model.Rules) - len(unprovoked), len(model.Rules)
}

// wouldExercise reports whether the catalog ties check c to coverage item
// it: c's clause cites the item's ledger entry (its own, or its rule's
// or transition's), or a section the rule's clause cites too that few
// checks cite (rare: "facts §12" ties the Finance checks to the Finance
// rules, "seed §1" ties nothing); c's clause or title names the code; or
// c needs an instance in the state a transition starts from, which the
// suite cannot create.
func wouldExercise(c *Check, it report.CoverageItem, rare map[model.Citation]bool) bool {
	cites := map[string]bool{}
	for _, ct := range model.Citations(c.Clause) {
		if ct.Doc == "ledger" {
			cites[ct.Section] = true
		}
	}
	switch it.Kind {
	case report.CoverLedger:
		return cites[it.ID]
	case report.CoverRule:
		for _, r := range model.Rules {
			if r.ID != it.ID {
				continue
			}
			if r.Ledger != "" && cites[r.Ledger] {
				return true
			}
			for _, ct := range model.Citations(r.Clause) {
				if rare[ct] && slices.Contains(model.Citations(c.Clause), ct) {
					return true
				}
			}
		}
	case report.CoverCode:
		return strings.Contains(c.Clause, it.ID) || strings.Contains(c.Title, it.ID)
	case report.CoverTransition:
		for _, t := range model.Transitions {
			if t.String() == it.ID {
				return slices.Contains(c.Needs.States, t.From) || t.Ledger != "" && cites[t.Ledger]
			}
		}
	}
	return false
}

// rareCitations are the sections (other than ledger entries) that at most
// most of the checks cite (one in twenty of the catalog, as explainCoverage
// asks): specific enough to tie a check to a rule that cites them too.
func rareCitations(checks []*Check, most int) map[model.Citation]bool {
	n := map[model.Citation]int{}
	for _, c := range checks {
		seen := map[model.Citation]bool{}
		for _, ct := range model.Citations(c.Clause) {
			if ct.Doc != "ledger" && !seen[ct] {
				seen[ct] = true
				n[ct]++
			}
		}
	}
	out := map[model.Citation]bool{}
	for ct, k := range n {
		if k <= most {
			out[ct] = true
		}
	}
	return out
}
