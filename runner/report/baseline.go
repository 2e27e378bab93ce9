package report

import (
	"fmt"
	"strings"
)

// This file holds what a report says of a baseline: the known failures a
// user listed (`--baseline FILE`, see runner/baseline for the file and
// for how entries are matched), and how each entry fared in the run. The
// reporters render it; runner/baseline decides it.

// BaselineState is how one baseline entry fared in a run.
type BaselineState string

// The states of a baseline entry, with the JSON report's spelling. Only
// [BaselineStale] and [BaselineExpired] fail the gate.
const (
	// BaselineKnown: the entry matched a failure of the run (the check
	// is reported [Known] when every part of its failure is listed).
	BaselineKnown BaselineState = "known"
	// BaselineStale: the check, or the rule or case the entry narrows it
	// to, now passes: the entry should be removed. It fails the gate, so
	// that a fix is noticed and the entry cannot hide a later regression.
	BaselineStale BaselineState = "stale"
	// BaselineExpired: the entry is past its until date. It fails the
	// gate, and matches nothing: the failure it listed is a failure again.
	BaselineExpired BaselineState = "expired"
	// BaselineNotJudged: the check was skipped, errored or not run to its
	// end, so the run cannot say whether the entry is still needed.
	BaselineNotJudged BaselineState = "not judged"
	// BaselineUnused: the check was not in the run (left out by --only
	// or --skip).
	BaselineUnused BaselineState = "unused"
)

// Failing reports whether the state fails the gate.
func (s BaselineState) Failing() bool { return s == BaselineStale || s == BaselineExpired }

// BaselineEntry is one entry of the baseline and how it fared.
type BaselineEntry struct {
	Check  string // the check's ID (or a judged recording's name)
	Rule   string // the model rule the entry narrows it to, "" when none
	Case   string // the hostile-corpus case it narrows it to, "" when none
	Reason string // why the failure is known, as the file gives it
	Until  string // YYYY-MM-DD after which the entry expires, "" when never
	Flaky  bool   // a pass does not make the entry stale
	State  BaselineState
	// Detail says the state in one line: "SI-ID-01 now passes: remove it
	// from the baseline".
	Detail string
}

// Subject is what the entry lists: "SI-ID-01", "SI-HOSTILE-02 case
// ids/leading-space", "SI-ID-04 rule ID-MALFORMED".
func (e BaselineEntry) Subject() string {
	switch {
	case e.Case != "":
		return e.Check + " case " + e.Case
	case e.Rule != "":
		return e.Check + " rule " + e.Rule
	}
	return e.Check
}

// Baseline is the baseline a run was judged with.
type Baseline struct {
	File    string // the file, as the user named it
	Entries []BaselineEntry
}

// count is how many entries are in state s: 0 without a baseline.
func (b *Baseline) count(s BaselineState) int {
	if b == nil {
		return 0
	}
	n := 0
	for _, e := range b.Entries {
		if e.State == s {
			n++
		}
	}
	return n
}

// failing is how many entries fail the gate (stale or expired).
func (b *Baseline) failing() int {
	return b.count(BaselineStale) + b.count(BaselineExpired)
}

// subjects lists the entries in state s, as idList lists checks.
func (b *Baseline) subjects(s BaselineState) string {
	const most = 5
	var out []string
	n := 0
	for _, e := range b.Entries {
		if e.State == s {
			if n < most {
				out = append(out, clean(e.Subject(), false))
			}
			n++
		}
	}
	list := strings.Join(out, ", ")
	if n > most {
		list += fmt.Sprintf(" and %d more", n-most)
	}
	return list
}

// KnownReason is why check id's failure is known: the reasons of the
// entries that matched it, joined by "; ", or "" when none did.
func (r Run) KnownReason(id string) string {
	if r.Baseline == nil {
		return ""
	}
	var rs []string
	for _, e := range r.Baseline.Entries {
		if e.Check == id && e.State == BaselineKnown {
			rs = append(rs, e.Reason)
		}
	}
	return strings.Join(rs, "; ")
}

// baselineTally is the protobuf-style count of a run judged with a
// baseline: "80 pass, 3 known failures, 0 unexpected failures, 0 stale",
// and the expired entries when there are some.
func baselineTally(r Run) string {
	s := r.Summary()
	line := fmt.Sprintf("%d pass, %s, %s, %d stale", s.Pass, plural(s.Known, "known failure"),
		plural(s.Fail, "unexpected failure"), r.Baseline.count(BaselineStale))
	if n := r.Baseline.count(BaselineExpired); n > 0 {
		line += fmt.Sprintf(", %d expired", n)
	}
	return line
}
