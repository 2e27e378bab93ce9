package baseline

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/runner/report"
)

// Apply judges run with the baseline f on the day today, and returns the
// run with run.Baseline set (every entry, in the file's order, with its
// state) and each failure the baseline lists whole set to [report.Known].
// It is pure: it reads nothing but its arguments, and copies what it
// changes.
//
// In this order of precedence, an entry is:
//
//   - expired when today is after its until day: it matches nothing, so
//     the failure it listed is a failure again, and it fails the gate;
//   - unused when its check is not in the run (--only, --skip);
//   - not judged when its check was skipped, errored or is known for
//     another reason it cannot judge, or passed and the entry is flaky:
//     the run cannot prove it stale;
//   - stale when its check passed, or failed without naming its rule or
//     case: that part now passes, and the entry fails the gate;
//   - known otherwise: its check failed, naming its rule or case if it
//     narrows to one.
//
// A failure becomes known only when the entries cover all of it: an entry
// without rule or case covers any failure of its check; otherwise every
// hostile case the failure lists as mishandled is listed by a case entry,
// or every model rule it names by a rule entry. A check that fails for a
// rule or case not listed stays a failure.
func Apply(run report.Run, f File, today time.Time) report.Run {
	day := today.Format(dateLayout)
	rules := rulesOf(run.Kind)
	byID := map[string]report.Check{}
	for _, c := range run.Checks {
		byID[c.ID] = c
	}
	b := &report.Baseline{File: f.Path}
	live := map[string][]Entry{} // the entries not expired, by check
	for _, e := range f.Entries {
		out := report.BaselineEntry{Check: e.Check, Rule: e.Rule, Case: e.Case, Reason: e.Reason, Until: e.Until, Flaky: e.Flaky}
		c, inRun := byID[e.Check]
		switch {
		case e.Until != "" && day > e.Until:
			out.State = report.BaselineExpired
			out.Detail = fmt.Sprintf("%s expired on %s: fix the failure, or give the entry a later until", subject(e), e.Until)
		case !inRun:
			out.State = report.BaselineUnused
			out.Detail = e.Check + " was not in the run"
		case c.Status != report.Fail:
			out.State, out.Detail = stateOf(c, e)
		case !names(c, e, rules):
			out.State = report.BaselineStale
			out.Detail = fmt.Sprintf("%s fails, but no longer for %s: remove the entry from the baseline", e.Check, part(e))
		default:
			out.State = report.BaselineKnown
			out.Detail = e.Check + " still fails, as listed"
			live[e.Check] = append(live[e.Check], e)
		}
		b.Entries = append(b.Entries, out)
	}
	run.Baseline = b
	run.Checks = slices.Clone(run.Checks)
	for i, c := range run.Checks {
		if c.Status == report.Fail && covers(c, live[c.ID], rules) {
			run.Checks[i].Status = report.Known
		}
	}
	return run
}

// stateOf is the state of entry e of a check c that did not fail.
func stateOf(c report.Check, e Entry) (report.BaselineState, string) {
	switch {
	case c.Status == report.Pass && e.Flaky:
		return report.BaselineNotJudged, c.ID + " passed this time; the entry is flaky, so a pass cannot prove it stale"
	case c.Status == report.Pass:
		return report.BaselineStale, c.ID + " now passes: remove it from the baseline"
	}
	what := map[report.Status]string{report.Skip: "was skipped", report.Error: "could not be carried out"}[c.Status]
	if what == "" {
		what = "was " + string(c.Status)
	}
	return report.BaselineNotJudged, fmt.Sprintf("%s %s: the run cannot tell whether the entry is still needed", c.ID, what)
}

// part is what a narrowed entry lists: "case x", "rule R".
func part(e Entry) string {
	if e.Case != "" {
		return "case " + e.Case
	}
	return "rule " + e.Rule
}

// rulesOf is how a report of kind k names the rules a failure breaks: a
// snapshot verification's by the JSON paths that drifted
// ([DriftPaths]), every other report's by the model's rule names
// ([Rules]).
func rulesOf(k report.Kind) func(report.Check) []string {
	if k == report.KindSnapshot {
		return DriftPaths
	}
	return Rules
}

// names reports whether failure c names what entry e narrows it to (any
// failure, for an entry that narrows nothing); rules are the rules c
// names.
func names(c report.Check, e Entry, rules func(report.Check) []string) bool {
	switch {
	case e.Case != "":
		return slices.Contains(Cases(c), e.Case)
	case e.Rule != "":
		return slices.Contains(rules(c), e.Rule)
	}
	return true
}

// covers reports whether entries (a check's, none expired, each naming
// part of its failure) list all of failure c, whose rules are rules(c).
func covers(c report.Check, entries []Entry, rules func(report.Check) []string) bool {
	var listed, cases []string // the rules and cases entries list
	for _, e := range entries {
		switch {
		case e.Case != "":
			cases = append(cases, e.Case)
		case e.Rule != "":
			listed = append(listed, e.Rule)
		default:
			return true
		}
	}
	subset := func(named, listed []string) bool {
		if len(named) == 0 || len(listed) == 0 {
			return false
		}
		for _, n := range named {
			if !slices.Contains(listed, n) {
				return false
			}
		}
		return true
	}
	return subset(Cases(c), cases) || subset(rules(c), listed)
}

// mishandledCase is a line of an SI-HOSTILE failure's counterexample that
// lists one mishandled case (conformance/hostile.go, mishandled.add):
// "  ids/leading-space: sent params: … — expected … — got …".
var mishandledCase = regexp.MustCompile(`(?m)^  ([A-Za-z0-9][A-Za-z0-9_./+-]*): sent `)

// Cases are the hostile-corpus cases failure c lists as mishandled, in
// order: the lines under "mishandled (N of M cases):" of its
// counterexample. Empty for a failure of another check.
func Cases(c report.Check) []string {
	_, list, ok := strings.Cut(c.Counterexample, "mishandled (")
	if !ok {
		return nil
	}
	var out []string
	for _, m := range mishandledCase.FindAllStringSubmatch(list, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// Rules are the rules failure c names, in the order of [RuleNames]: each
// a model rule's name (or a finding's, RuleNames) standing as a word in
// its reason or counterexample, as findings write them ("ID-MALFORMED:
// expected …", "#9 OBSERVED-STATE: …", "  - ID-MALFORMED: malformed …").
func Rules(c report.Check) []string {
	text := c.Reason + "\n" + c.Counterexample
	var out []string
	for _, r := range RuleNames() {
		if containsWord(text, r) {
			out = append(out, r)
		}
	}
	return out
}

// containsWord reports whether w stands in s as a word: neither side
// touches a letter, a digit or a hyphen (BATCH-LIMIT is not
// BATCH-LIMIT-DUPLICATES).
func containsWord(s, w string) bool {
	wordChar := func(b byte) bool {
		return b == '-' || b == '_' || '0' <= b && b <= '9' || 'A' <= b && b <= 'Z' || 'a' <= b && b <= 'z'
	}
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(w)
		if (j == 0 || !wordChar(s[j-1])) && (end == len(s) || !wordChar(s[end])) {
			return true
		}
		i = j + 1
	}
}

// driftChange is a line of a snapshot drift, as snapshot.WriteDrifts
// writes it: "SCENARIO[ / step N (NAME)]: PATH: was X, now Y".
var driftChange = regexp.MustCompile(`(?m)^[^ \n][^\n]*?: (\S+): was `)

// DriftPaths are the paths that drifted in a failure of snapshot verify
// (report.KindSnapshot), in order, each once: Response.Error.Code,
// "(request)", "(step)", "(scenario)". They are what a baseline entry's
// rule narrows a scenario's drift to, as the drift lines print them: a
// path is what changed, as a model rule is what a check's failure
// breaks. Empty for a failure of another kind.
func DriftPaths(c report.Check) []string {
	var out []string
	for _, l := range strings.Split(c.Counterexample, "\n") {
		if !strings.HasPrefix(l, c.ID+":") && !strings.HasPrefix(l, c.ID+" / step ") {
			continue
		}
		if m := driftChange.FindStringSubmatch(l); m != nil && !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}
