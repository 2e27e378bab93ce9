package passive

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/report"
)

// ReportInfo is what a report of judged traffic says besides the results.
type ReportInfo struct {
	Strict bool
	// Started is when the report starts if no recording has times: when
	// the judging (or the proxy) began.
	Started time.Time

	_ struct{}
}

// passiveSpec is the clause a passive check enforces: all of the model.
const passiveSpec = "the model's rules, transitions and rate limit (DESIGN \"The model\"), on traffic judged with partial knowledge"

// Report builds the report of judged traffic, which report.Console, JSON
// and JUnit render as they render a run, worded for what it is: its Kind
// is report.KindProxy for the proxy's live traffic (FormatLive), else
// report.KindRecorded; it has no seed and no lanes. Its Target is what was
// judged: the recordings' names (the first three, then how many more), or
// the proxy's upstream; its Fleet counts the instances named or listed.
//
// One report.Check per recording (per judged file; the proxy's traffic is
// one): a recording is one history, judged from its start with its own
// observers, as a check of a run is one property judged on its own
// exchanges; a cassette usually stands for one test of its client, so a
// CI system shows one test case per cassette. Per instance would split a
// finding that spans instances (a batch, a listing) and say nothing of the
// requests that name none. The check's ID is the recording's name, its
// title the format and size. Its status:
//
//   - fail: at least one finding; the reason is the first, the
//     counterexample every finding with the exchanges leading to it;
//   - skip: nothing the model judges (every exchange another action);
//   - pass: otherwise, the reason counting what was judged and what not.
//
// The counterexample also lists the exchanges not judged, and the
// findings withheld because concurrent exchanges left their order open.
// Started and Duration span the recordings' times; Requests counts every
// exchange read. Exchanges the proxy's upstream never answered
// (Result.Unanswered) make the report incomplete (report.Run.Incomplete):
// they are errors of the proxy's run, not judged exchanges.
func Report(info ReportInfo, results ...*Result) report.Run {
	run := report.Run{Kind: report.KindRecorded, Strict: info.Strict, Started: info.Started}
	if len(results) > 0 && results[0].Format == FormatLive {
		run.Kind = report.KindProxy
	}
	run.Target = judgedNames(results)
	regions := map[string]bool{}
	var first, last time.Time
	instances := 0
	for i, r := range results {
		if i == 0 {
			run.Activity.Limits = r.Activity.Limits
		}
		run.Activity.Events = append(run.Activity.Events, r.Activity.Events...)
		run.Activity.Dropped += r.Activity.Dropped
		run.Checks = append(run.Checks, check(r))
		run.Requests += r.Exchanges
		instances += r.Instances
		for _, g := range r.Regions {
			regions[g] = true
		}
		if !r.First.IsZero() && (first.IsZero() || r.First.Before(first)) {
			first = r.First
		}
		if r.Last.After(last) {
			last = r.Last
		}
	}
	if unanswered, why := unansweredOf(results); unanswered > 0 {
		run.Incomplete = fmt.Sprintf("%d of %d exchanges got no answer from the upstream (the proxy answered 502; the first: %s): they were not judged",
			unanswered, run.Requests, why)
	}
	ev := runner.NewEvidence()
	for _, r := range results {
		ev.Merge(r.Evidence)
	}
	run.Coverage, run.Profile = ev.Coverage(), ev.Profile()
	run.Region = strings.Join(slices.Sorted(maps.Keys(regions)), ", ")
	run.Fleet = fmt.Sprintf("%d named or listed", instances)
	if !first.IsZero() {
		run.Started, run.Duration = first, last.Sub(first)
	}
	return run
}

// unansweredOf counts the exchanges upstream never answered, with the
// first one's error.
func unansweredOf(results []*Result) (int, string) {
	n, why := 0, ""
	for _, r := range results {
		n += r.Unanswered
		if why == "" {
			why = r.UnansweredWhy
		}
	}
	return n, why
}

// judgedNames names what was judged: the recordings, at most three and
// then how many more ("a.yaml, b.har, c.yaml and 2 more"), or the
// proxy's upstream.
func judgedNames(results []*Result) string {
	const most = 3
	var names []string
	for i, r := range results {
		if i == most {
			return strings.Join(names, ", ") + fmt.Sprintf(" and %d more", len(results)-most)
		}
		names = append(names, r.Name)
	}
	return strings.Join(names, ", ")
}

func check(r *Result) report.Check {
	noun := "exchanges"
	if r.Exchanges == 1 {
		noun = "exchange"
	}
	c := report.Check{ID: r.Name, Title: fmt.Sprintf("%s, %d %s", r.Format, r.Exchanges, noun),
		Spec: passiveSpec, Severity: "MUST", Requests: r.Exchanges}
	if !r.First.IsZero() {
		c.Duration = r.Last.Sub(r.First)
	}
	tally := fmt.Sprintf("%d judged, %d not judged%s; %s", r.Judged, len(r.NotJudged), notJudgedSummary(r.NotJudged), r.Rate)
	if len(r.Withheld) > 0 {
		tally += fmt.Sprintf("; %d findings withheld (concurrent exchanges)", len(r.Withheld))
	}
	if r.Unanswered > 0 {
		tally += fmt.Sprintf("; %d got no answer from the upstream", r.Unanswered)
	}
	switch {
	case len(r.Findings) > 0:
		c.Status = report.Fail
		c.Reason = r.Findings[0].where()[len(r.Name):]
		c.Reason = strings.TrimSpace(c.Reason + " " + oneLine(r.Findings[0].Finding))
		if n := len(r.Findings) - 1; n > 0 {
			c.Reason += fmt.Sprintf(" (and %d more)", n)
		}
	case r.Judged == 0:
		c.Status, c.Reason = report.Skip, "nothing to judge: "+tally
	default:
		c.Status, c.Reason = report.Pass, tally
	}
	var b strings.Builder
	for _, f := range r.Findings {
		b.WriteString(f.where() + ": " + f.Rule + "\n")
		for _, l := range strings.Split(f.Context, "\n") {
			b.WriteString("  " + l + "\n")
		}
		b.WriteString("\n")
	}
	b.WriteString(tally + "\n")
	if len(r.NotJudged) > 0 {
		var parts []string
		for i, s := range r.NotJudged {
			if i == 20 {
				parts = append(parts, fmt.Sprintf("and %d more", len(r.NotJudged)-20))
				break
			}
			parts = append(parts, fmt.Sprintf("#%d %s", s.Index, s.What))
		}
		b.WriteString("not judged: " + strings.Join(parts, ", ") + "\n")
	}
	for _, w := range r.Withheld {
		b.WriteString("withheld: " + w + "\n")
	}
	c.Counterexample = strings.TrimRight(b.String(), "\n")
	c.Exchanges = findingExchanges(r.Findings)
	return c
}

// findingExchanges are the exchanges the findings are on, each once, in
// the order found, at most mostExchanges: a failure's evidence
// (report.Check.Exchanges).
func findingExchanges(fs []Finding) []report.Exchange {
	var out []report.Exchange
	seen := map[int]bool{}
	for _, f := range fs {
		if f.Index == 0 || seen[f.Index] || len(out) == mostExchanges {
			continue
		}
		seen[f.Index] = true
		out = append(out, f.Exchange)
	}
	return out
}

// notJudgedSummary counts the exchanges not judged by what they are:
// " (RunInstances ×3, DescribeImages ×1)".
func notJudgedSummary(ss []Skipped) string {
	if len(ss) == 0 {
		return ""
	}
	counts := map[string]int{}
	var order []string
	for _, s := range ss {
		what, _, _ := strings.Cut(s.What, " (")
		if counts[what] == 0 {
			order = append(order, what)
		}
		counts[what]++
	}
	var parts []string
	for i, w := range order {
		if i == 5 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmt.Sprintf("%s ×%d", w, counts[w]))
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
