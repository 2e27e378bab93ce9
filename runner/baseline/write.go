package baseline

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/cvmconform/cvmconform/runner/report"
)

// TODO is the reason [Write] gives a failure it lists for the first time:
// the user replaces it with why the failure is known.
const TODO = "TODO: why"

// commentWidth is how much of a failure's reason Write keeps in the
// comment above its entry.
const commentWidth = 200

// Write writes run's failures as a baseline file: for each check that
// failed, one entry for each rule its failure names (a snapshot's: each
// drifted path), or one for the whole check when it names none, with the
// reason [TODO] and the failure's one-line reason as a comment above
// them. Narrowed so, the entries do not hide a later failure of the same
// check for another rule (a hostile case newly mishandled for a wrong
// type, say). For each check already known, it writes the
// entries that matched it, as they were (reason, until, rule or case). A
// run judged with it has every failure known; stale and expired entries
// are left out. Values are written as JSON strings, which YAML reads as
// they are.
func Write(w io.Writer, run report.Run) error {
	var b strings.Builder
	b.WriteString("# cvmconform baseline: known failures, one entry each (see README, \"Known failures\").\n")
	b.WriteString("# Replace each \"" + TODO + "\" with why the failure is known; add until: YYYY-MM-DD to make it lapse.\n")
	n := 0
	rules := rulesOf(run.Kind)
	for _, c := range run.Checks {
		if c.Status != report.Fail && c.Status != report.Known {
			continue
		}
		whole := false
		if run.Baseline != nil {
			for _, e := range run.Baseline.Entries {
				if e.Check == c.ID && e.State == report.BaselineKnown {
					writeEntry(&b, c.Reason, Entry{Check: e.Check, Rule: e.Rule, Case: e.Case, Reason: e.Reason, Until: e.Until, Flaky: e.Flaky})
					whole = whole || (e.Rule == "" && e.Case == "")
					n++
				}
			}
		}
		if whole || c.Status != report.Fail {
			continue
		}
		named := rules(c)
		if len(named) == 0 {
			writeEntry(&b, c.Reason, Entry{Check: c.ID, Reason: TODO})
			n++
			continue
		}
		for i, r := range named {
			why := c.Reason
			if i > 0 {
				why = ""
			}
			writeEntry(&b, why, Entry{Check: c.ID, Rule: r, Reason: TODO})
			n++
		}
	}
	if n == 0 {
		b.WriteString("# The run had no failure.\n[]\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeEntry writes one entry, with why (a failure's reason) as a comment.
func writeEntry(b *strings.Builder, why string, e Entry) {
	b.WriteString("\n")
	if why = comment(why); why != "" {
		b.WriteString("# " + why + "\n")
	}
	fmt.Fprintf(b, "- check: %s\n", quote(e.Check))
	if e.Rule != "" {
		fmt.Fprintf(b, "  rule: %s\n", quote(e.Rule))
	}
	if e.Case != "" {
		fmt.Fprintf(b, "  case: %s\n", quote(e.Case))
	}
	if e.Flaky {
		b.WriteString("  flaky: true\n")
	}
	fmt.Fprintf(b, "  reason: %s\n", quote(e.Reason))
	if e.Until != "" {
		fmt.Fprintf(b, "  until: %s\n", quote(e.Until))
	}
}

// comment is s on one line, without control characters, cut to
// commentWidth runes.
func comment(s string) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	if r := []rune(s); len(r) > commentWidth {
		s = string(r[:commentWidth-1]) + "…"
	}
	return s
}

// quote is s as a JSON string, which YAML reads as the same string.
func quote(s string) string {
	q, _ := json.Marshal(s) // a string always marshals
	return string(q)
}
