package report

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// This file renders a run's rule coverage and the target's profile
// (evidence.go) for people: one line and a compact block in the console
// report, and the tables `cvmconform coverage` and `cvmconform profile`
// print. It also holds the --min-coverage gate.

// RuleCoverage counts the rules of the model ([CoverRule] items) the run
// exercised, and lists the IDs of those it did not, in the model's order.
// total is 0 when coverage was not measured.
func (r Run) RuleCoverage() (exercised, total int, not []string) {
	for _, c := range r.Coverage {
		if c.Kind != CoverRule {
			continue
		}
		total++
		if c.Exercised() {
			exercised++
		} else {
			not = append(not, c.ID)
		}
	}
	return exercised, total, not
}

// belowCoverage reports whether the run has a --min-coverage gate
// ([Run.MinCoverage]) and its rules exercised fall below it: a run whose
// coverage was not measured falls below any gate.
func (r Run) belowCoverage() bool {
	if r.MinCoverage <= 0 {
		return false
	}
	n, total, _ := r.RuleCoverage()
	return total == 0 || percent(n, total) < r.MinCoverage
}

// percent is n of total as a percentage.
func percent(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return 100 * float64(n) / float64(total)
}

// coverageLine is the console's one line on rule coverage, e.g. "rules
// exercised 50/55 (91%); not exercised: PROTO-FINANCE-HOST, … and 3
// more", fitted to the screen's width; "" when coverage was not
// measured.
func coverageLine(r Run) string {
	n, total, not := r.RuleCoverage()
	if total == 0 {
		return ""
	}
	line := fmt.Sprintf("rules exercised %d/%d (%.0f%%)", n, total, percent(n, total))
	if len(not) > 0 {
		line += "; not exercised: " + fitList(not, lineWidth-len(line)-len("; not exercised: "))
	}
	return clean(line, false)
}

// fitList joins names with ", " in at most width characters, the names
// that do not fit counted ("and 12 more").
func fitList(names []string, width int) string {
	out := ""
	for i, n := range names {
		next := n
		if i > 0 {
			next = out + ", " + n
		}
		rest := ""
		if left := len(names) - i - 1; left > 0 {
			rest = fmt.Sprintf(" and %d more", left)
		}
		if i > 0 && len(next)+len(rest) > width {
			return out + fmt.Sprintf(" and %d more", len(names)-i)
		}
		out = next
	}
	return out
}

// profileBlock is the console's compact block on the target's profile:
// each dimension observed and its choice, in two columns where they fit
// (columns), then one line naming those not
// observed (as many as fit, then how many more: `cvmconform profile`
// lists them all); "" when the profile was not measured.
func profileBlock(r Run) string {
	if len(r.Profile) == 0 {
		return ""
	}
	var cells, unseen []string
	width := 0
	for _, d := range r.Profile {
		if d.Observed() {
			width = max(width, utf8.RuneCountInString(clean(d.Name, false)))
		}
	}
	for _, d := range r.Profile {
		if !d.Observed() {
			unseen = append(unseen, d.Name)
			continue
		}
		cells = append(cells, fmt.Sprintf("%-*s  %s", width, clean(d.Name, false), clean(d.Choice, false)))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nProfile: %d of %d dimensions observed (the defensible choices the target made)\n\n", len(cells), len(r.Profile))
	for _, l := range columns(cells, lineWidth-2) {
		b.WriteString(fit("  "+l, strings.Repeat(" ", width+4)) + "\n")
	}
	if len(unseen) > 0 {
		b.WriteString(clean("  not observed: "+fitList(unseen, lineWidth-len("  not observed: ")), false) + "\n")
	}
	return b.String()
}

// columns lays cells out in two columns, down then across, those that
// fit half of width; then each longer one on a line of its own.
func columns(cells []string, width int) []string {
	half := (width - 3) / 2
	var short, long []string
	col := 0
	for _, c := range cells {
		if n := utf8.RuneCountInString(c); n <= half {
			short = append(short, c)
			col = max(col, n)
		} else {
			long = append(long, c)
		}
	}
	rows := (len(short) + 1) / 2
	out := make([]string, rows, rows+len(long))
	for i := range rows {
		out[i] = short[i]
		if j := i + rows; j < len(short) {
			out[i] += strings.Repeat(" ", col+3-utf8.RuneCountInString(short[i])) + short[j]
		}
	}
	return append(out, long...)
}

// CoverageTable writes the run's coverage for people, grouped by kind
// (rules, codes, transitions, ledger entries), one item a row: whether it
// was exercised (✓, or ·), by which checks (the first four, and how many
// more), with which outcomes, or why not; then
// the console's coverage line. The layout is for people and may change;
// read the JSON report's "coverage" for anything a program reads.
func CoverageTable(w io.Writer, r Run) error {
	if len(r.Coverage) == 0 {
		_, err := io.WriteString(w, "coverage was not measured in this report\n")
		return err
	}
	var b strings.Builder
	for _, kind := range []struct{ kind, title, noun string }{
		{CoverRule, "Rules", "rule"}, {CoverCode, "Error codes of the seed's table", "code"},
		{CoverTransition, "Transitions", "transition"}, {CoverLedger, "Ledger entries", "entry"},
	} {
		t := table{header: []string{"", kind.noun, "checks", "outcomes, or why not exercised"}, widths: []int{1, 0, 36, 56}}
		n := 0
		for _, c := range r.Coverage {
			if c.Kind != kind.kind {
				continue
			}
			if c.Exercised() {
				n++
				t.add("✓", clean(c.ID, false), clean(firstOf(c.Checks, 4), false), clean(strings.Join(c.Outcomes, ", "), false))
			} else {
				t.add("·", clean(c.ID, false), "", clean(c.Unexercised, false))
			}
		}
		if len(t.rows) == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s: %d of %d exercised\n\n", kind.title, n, len(t.rows))
		if err := t.render(&b); err != nil {
			return err
		}
		b.WriteString("\n")
	}
	if line := coverageLine(r); line != "" {
		b.WriteString(line + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// firstOf joins the first most of names, and says how many more there
// are: the JSON report lists them all.
func firstOf(names []string, most int) string {
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:most], ", ") + fmt.Sprintf(" and %d more", len(names)-most)
}

// ProfileTable writes the target's profile for people: each dimension,
// its ledger entry, its choice ("(not observed)" when the run could not
// tell) and what that rests on. The layout is for people and may change.
func ProfileTable(w io.Writer, r Run) error {
	if len(r.Profile) == 0 {
		_, err := io.WriteString(w, "the profile was not measured in this report\n")
		return err
	}
	t := table{header: []string{"dimension", "ledger", "choice", "evidence"}, widths: []int{0, 12, 36, 56}}
	n := 0
	for _, d := range r.Profile {
		choice := d.Choice
		if d.Observed() {
			n++
		} else {
			choice = "(not observed)"
		}
		t.add(clean(d.Name, false), clean(d.Ledger, false), clean(choice, false), clean(d.Evidence, false))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Profile: %d of %d dimensions observed\n\n", n, len(r.Profile))
	if err := t.render(&b); err != nil {
		return err
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// ProfileChange is one dimension whose choice differs between two
// profiles.
type ProfileChange struct {
	Name, Before, After string // a choice, or "" when not observed
}

// CompareProfiles returns the dimensions whose choice differs from a to b
// (in a's order, then those only b has), and how many are unchanged; a
// latency changes only when its median moved by more than LatencyFactor
// (sameChoice).
func CompareProfiles(a, b []Dimension) (changed []ProfileChange, unchanged int) {
	inB := map[string]Dimension{}
	for _, d := range b {
		inB[d.Name] = d
	}
	inA := map[string]bool{}
	for _, d := range a {
		inA[d.Name] = true
		e := inB[d.Name]
		if sameChoice(d.Choice, e.Choice) {
			unchanged++
			continue
		}
		changed = append(changed, ProfileChange{Name: d.Name, Before: d.Choice, After: e.Choice})
	}
	for _, d := range b {
		if !inA[d.Name] && d.Choice != "" {
			changed = append(changed, ProfileChange{Name: d.Name, After: d.Choice})
		}
	}
	return changed, unchanged
}

// latencyMedian reads the median of a latency dimension's choice ("min
// 110ms, median 218ms, max 871ms").
var latencyMedian = regexp.MustCompile(`^min \S+, median (\S+), max \S+$`)

// LatencyFactor is how far apart two latency medians must be for a
// latency to count as changed. Two runs of one emulator on a busy machine
// measure medians up to half again apart (each operation is timed to the
// first listing that showed it ended, and listings come when the checks
// send them), while a release that changes its operations' latency
// changes them several-fold: a factor of 2 tells the one from the other.
const LatencyFactor = 2.0

// sameChoice reports whether two dimensions' choices are the same: the
// same words, or two latencies whose medians are within LatencyFactor of
// each other (run-to-run timing noise, not a choice).
func sameChoice(a, b string) bool {
	if a == b {
		return true
	}
	ma, mb := latencyMedian.FindStringSubmatch(a), latencyMedian.FindStringSubmatch(b)
	if ma == nil || mb == nil {
		return false
	}
	da, errA := time.ParseDuration(ma[1])
	db, errB := time.ParseDuration(mb[1])
	if errA != nil || errB != nil || da <= 0 || db <= 0 {
		return false
	}
	ratio := float64(max(da, db)) / float64(min(da, db))
	return ratio <= LatencyFactor
}

// ProfileDiff writes what changed between two profiles, for people: each
// changed dimension, before and after, then the count of unchanged ones.
// The layout is for people and may change.
func ProfileDiff(w io.Writer, a, b []Dimension) error {
	changed, unchanged := CompareProfiles(a, b)
	or := func(s string) string {
		if s == "" {
			return "(not observed)"
		}
		return clean(s, false)
	}
	var sb strings.Builder
	for _, c := range changed {
		sb.WriteString(fit(clean(c.Name, false)+": "+or(c.Before)+" → "+or(c.After), "    ") + "\n")
	}
	fmt.Fprintf(&sb, "%d changed, %d unchanged\n", len(changed), unchanged)
	_, err := io.WriteString(w, sb.String())
	return err
}

// ReadEvidence reads back, from a JSON report ([JSON]), what the
// coverage and profile commands show ([ReadJSON]); it fails on a report
// without the "coverage" or "profile" key (one written before they were
// measured).
func ReadEvidence(r io.Reader) (Run, error) {
	run, keys, err := readJSON(r)
	if err != nil {
		return Run{}, err
	}
	if !keys["coverage"] || !keys["profile"] {
		return Run{}, errors.New(`the report has no "coverage" or "profile": it was written before they were measured`)
	}
	return run, nil
}

// nilIfEmpty is s, or nil when it holds nothing: the JSON report's []
// read back as the Run it was written from.
func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
