// Package baseline reads a file of known failures (`--baseline FILE`) and
// judges a report against it: a failure the file lists is reported as
// known and does not fail the gate; an entry whose check now passes is
// stale and fails it, as does one past its until date. It is the
// protobuf and connectrpc conformance runners' "expected failures" list
// (DESIGN "Verdicts one can trust": an expected failure that passes fails
// the run, because the list is stale), so that a CI can adopt the suite
// before every failure is fixed without hiding later regressions inside
// a --skip.
//
// The file is YAML, a list of entries:
//
//	# baseline.yaml
//	- check: SI-ID-01          # a check's ID (judge: a recording; proxy: the upstream)
//	  reason: malformed IDs answer NotFound until the parser rewrite
//	  until: 2026-06-30        # optional: after this day the entry fails the gate
//	- check: SI-HOSTILE-02
//	  case: ids/leading-space  # optional: only this case of the hostile corpus
//	  reason: IDs are trimmed
//	- check: SI-ID-04
//	  rule: ID-MALFORMED       # optional: only failures this model rule explains
//	  reason: same parser
//	- check: SI-PROP-01
//	  flaky: true              # optional: a pass does not make the entry stale
//	  reason: the state machine meets malformed IDs at some seeds only
//
// [Parse] reads it, [Validate] refuses an entry naming nothing the report
// can hold (a usage error, before anything runs), [Apply] judges a report
// with it (pure: the day is an argument), and [Write] writes a report's
// failures as a new file.
package baseline

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/runner/report"
	"github.com/goccy/go-yaml"
)

// Entry is one entry of a baseline file.
type Entry struct {
	Check  string // a check's ID, exactly
	Rule   string // a model rule the entry narrows the check to, or ""
	Case   string // a hostile-corpus case the entry narrows the check to, or ""
	Reason string // why the failure is known: required
	Until  string // YYYY-MM-DD, the last day the entry holds; "" for ever
	// Flaky says the check may pass or fail from one run to the next (a
	// random search such as SI-PROP-01 may not meet the fault at another
	// seed): a pass does not make the entry stale (connectrpc's
	// --known-flaky).
	Flaky bool
	Line  int // where the entry starts in the file, for messages
}

// File is a baseline file read.
type File struct {
	Path    string // as the user named it
	Entries []Entry
}

// dateLayout is the form of until: a day, YYYY-MM-DD.
const dateLayout = "2006-01-02"

// entryYAML is an entry as written; unknown keys are refused, so that a
// misspelt "untill" does not silently make an entry last for ever.
type entryYAML struct {
	Check  string `yaml:"check"`
	Rule   string `yaml:"rule"`
	Case   string `yaml:"case"`
	Reason string `yaml:"reason"`
	Until  string `yaml:"until"`
	Flaky  bool   `yaml:"flaky"`
}

// entryKeys are the keys an entry may have, for the suggestion a
// misspelt one gets ("untill": did you mean until?).
var entryKeys = []string{"check", "rule", "case", "reason", "until", "flaky"}

// unknownKey finds the key the YAML decoder refused.
var unknownKey = regexp.MustCompile(`unknown field "([^"]+)"`)

// Parse reads a baseline file's content. Every entry needs a check and a
// reason, names at most one of rule and case, and gives until, if at
// all, as a day YYYY-MM-DD; the same check, rule and case twice is
// refused. An empty file is an empty baseline. Errors name path and the
// entry's line.
func Parse(path string, data []byte) (File, error) {
	f := File{Path: path}
	if len(bytes.TrimSpace(data)) == 0 {
		return f, nil
	}
	var raw []entryYAML
	if err := yaml.UnmarshalWithOptions(data, &raw, yaml.Strict(), yaml.DisallowUnknownField()); err != nil {
		hint := ""
		if m := unknownKey.FindStringSubmatch(err.Error()); m != nil {
			hint = nearest(m[1], entryKeys)
		}
		return f, fmt.Errorf("baseline %s: want a list of entries (%s; optionally rule or case, until, flaky)%s: %s",
			path, "check, reason", hint, yaml.FormatError(err, false, false))
	}
	lines := entryLines(data)
	seen := map[string]int{}
	for i, r := range raw {
		e := Entry{Check: strings.TrimSpace(r.Check), Rule: strings.TrimSpace(r.Rule), Case: strings.TrimSpace(r.Case),
			Reason: strings.TrimSpace(r.Reason), Until: strings.TrimSpace(r.Until), Flaky: r.Flaky}
		if i < len(lines) {
			e.Line = lines[i]
		}
		where := fmt.Sprintf("baseline %s:%d", path, e.Line)
		switch {
		case e.Check == "":
			return f, fmt.Errorf("%s: the entry names no check (check: SI-…)", where)
		case e.Reason == "":
			return f, fmt.Errorf("%s: %s has no reason: say why the failure is known", where, e.Check)
		case e.Rule != "" && e.Case != "":
			return f, fmt.Errorf("%s: %s names both a rule and a case: give one entry each", where, e.Check)
		}
		if e.Until != "" {
			if _, err := time.Parse(dateLayout, e.Until); err != nil {
				return f, fmt.Errorf("%s: %s until %q is not a day YYYY-MM-DD", where, e.Check, e.Until)
			}
		}
		key := e.Check + "\x00" + e.Rule + "\x00" + e.Case
		if at, ok := seen[key]; ok {
			return f, fmt.Errorf("%s: %s is listed already at line %d", where, subject(e), at)
		}
		seen[key] = e.Line
		f.Entries = append(f.Entries, e)
	}
	return f, nil
}

// entryLines is the line of each top-level entry ("- " at the start of a
// line), in order: where messages point.
func entryLines(data []byte) []int {
	var out []int
	for i, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "- ") || l == "-" {
			out = append(out, i+1)
		}
	}
	return out
}

// Scope is what a report can hold, against which [Validate] checks a
// baseline: the IDs of its checks, the model's rule names and the hostile
// corpus's case names.
type Scope struct {
	// Checks are the IDs a report can hold: the catalog's for a run,
	// the recordings' names for judge, the upstream for proxy.
	Checks []string
	// What names them in a message: "check of the catalog", "recording
	// judged".
	What  string
	Rules []string
	Cases []string
	// RuleWhat and CaseWhat say, in a message, what a rule and a case
	// of this scope are; "" for the model's rules and the hostile
	// corpus's cases. A report of another kind narrows by other names:
	// snapshot verify's rules are the record's JSON paths.
	RuleWhat, CaseWhat string
}

// Validate refuses the first entry naming a check the report cannot hold,
// a rule the model does not know or a case the corpus does not have: a
// typo would otherwise leave the failure it meant unlisted and the entry
// unused for ever. The error is a usage error, said before anything runs.
func Validate(f File, s Scope) error {
	for _, e := range f.Entries {
		where := fmt.Sprintf("baseline %s:%d", f.Path, e.Line)
		switch {
		case !slices.Contains(s.Checks, e.Check):
			return fmt.Errorf("%s: %q is no %s%s", where, e.Check, s.What, nearest(e.Check, s.Checks))
		case e.Rule != "" && !slices.Contains(s.Rules, e.Rule):
			return fmt.Errorf("%s: rule %q is no %s%s", where, e.Rule, or(s.RuleWhat, "rule of the model (see 'cvmconform checks --ledger')"), nearest(e.Rule, s.Rules))
		case e.Case != "" && !slices.Contains(s.Cases, e.Case):
			return fmt.Errorf("%s: case %q is no %s%s", where, e.Case, or(s.CaseWhat, "case of fixtures/hostile/corpus.txt"), nearest(e.Case, s.Cases))
		}
	}
	return nil
}

// or is s, or else when s is "".
func or(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

// nearest suggests the first of names that shares s's longest prefix (at
// least 4 characters): "; did you mean SI-ID-01?", or "".
func nearest(s string, names []string) string {
	best, n := "", 3
	for _, name := range names {
		k := 0
		for k < len(s) && k < len(name) && s[k] == name[k] {
			k++
		}
		if k > n {
			best, n = name, k
		}
	}
	if best == "" {
		return ""
	}
	return "; did you mean " + best + "?"
}

// subject is what an entry lists, in words: "SI-ID-01 case x"
// (report.BaselineEntry.Subject, the report's wording).
func subject(e Entry) string {
	return report.BaselineEntry{Check: e.Check, Rule: e.Rule, Case: e.Case}.Subject()
}

// Placeholders are the entries whose reason is still the one --write-baseline
// wrote ([TODO]): known failures nobody has said why they are known.
func Placeholders(f File) []Entry {
	var out []Entry
	for _, e := range f.Entries {
		if e.Reason == TODO {
			out = append(out, e)
		}
	}
	return out
}
