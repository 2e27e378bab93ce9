package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// JUnit writes the run as JUnit XML, the format CI test reporters
// (GitLab, Jenkins, GitHub Actions reporters) display:
//
//	<testsuites name="cvmconform" tests= failures= errors= skipped= time=>
//	  <testsuite name="cvmconform" tests= failures= errors= skipped= time= timestamp=>
//	    <properties> target, region, seed, strict, fleet, kind, left_changed… </properties>
//	    <testcase classname="cvmconform.<AREA>" name="<ID> <title>" time=>
//
// for a run. A report of judged traffic ([Kind]) is named for what it is
// ("cvmconform judge", "cvmconform proxy"), and its properties are
// files (or upstream), region, strict, instances and kind: no seed.
// Each instance the run left in another state than it found it in is one
// more property named left_changed ("main ap-guangzhou ins-… found
// RUNNING, left STOPPED"); there is none after a clean run.
//
// one testcase per check, in the run's order, AREA being the middle part
// of the ID (BATCH in SI-BATCH-02). A failed check holds
// <failure message="<reason>" type="<ID>"> and an errored one <error …>
// alike, whose text is the counterexample and a "replay: " line; a
// skipped one holds <skipped message="<reason>"/>, and a known failure (a
// baseline's) <skipped message="known failure: <the baseline's reason>"/>,
// counted with the skips. Times are seconds with three decimals; timestamp
// is RFC 3339 in UTC.
//
// A run judged with a baseline has one more testcase for each entry that
// fails the gate, classname "cvmconform.baseline", name "<ID> stale" (or
// expired, with its rule or case when it names one), holding <failure
// type="stale"> (or "expired") whose message says what to do: "SI-ID-01
// now passes: remove it from the baseline".
//
// A run whose verdict is not green for a reason no check carries — it did
// not reach its end ([Run.Incomplete]), it judged nothing, it skipped
// a check under [Run.RequireAll], or it exercised fewer rules than
// [Run.MinCoverage] asks — gets one more testcase, classname
// "cvmconform.run", name "verdict", holding <error type="INCOMPLETE">
// with the console's verdict line: CI reporters show the suite red, not a
// green list of passes and skips.
//
// The XML is well-formed whatever the run holds: text is escaped, the
// characters XML 1.0 forbids or a viewer would interpret (control
// characters, invalid UTF-8) are written as visible escapes such as
// \x07, \xff and \u0085, and CR LF becomes LF. The text content is for
// people and may change. JUnit writes nothing and returns an error if a
// check's status is not one of the five, or the run's Kind not one of the
// three; otherwise an error is the writer's.
func JUnit(w io.Writer, r Run) error {
	var buf bytes.Buffer
	if err := encodeJUnit(&buf, r); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure"`
	Error     *junitProblem `xml:"error"`
	Skipped   *junitSkipped `xml:"skipped"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

func encodeJUnit(w io.Writer, r Run) error {
	t, err := r.text()
	if err != nil {
		return err
	}
	if err := validStatuses(r); err != nil {
		return err
	}
	s := r.Summary()
	line := func(s string) string { return clean(s, false) }
	props := []junitProperty{{t.target, line(r.Target)}, {"region", line(r.Region)}}
	if t.run {
		props = append(props, junitProperty{"seed", strconv.FormatUint(r.Seed, 10)})
	}
	props = append(props,
		junitProperty{"strict", strconv.FormatBool(r.Strict)},
		junitProperty{t.fleet, line(r.Fleet)},
		junitProperty{"kind", string(t.kind)})
	for _, l := range r.LeftChanged {
		props = append(props, junitProperty{"left_changed", line(l.String())})
	}
	suite := junitSuite{
		Name:       t.suite,
		Tests:      len(r.Checks),
		Failures:   s.Fail,
		Errors:     s.Error,
		Skipped:    s.Skip,
		Time:       junitTime(r.Duration),
		Timestamp:  r.Started.UTC().Format(time.RFC3339),
		Properties: props,
	}
	for _, c := range r.Checks {
		tc := junitCase{
			Classname: "cvmconform." + area(c.ID),
			Name:      strings.TrimSpace(line(c.ID) + " " + line(c.Title)),
			Time:      junitTime(c.Duration),
		}
		problem := &junitProblem{Message: line(c.Reason), Type: line(c.ID), Text: problemText(c)}
		switch c.Status {
		case Fail:
			tc.Failure = problem
		case Error:
			tc.Error = problem
		case Skip:
			tc.Skipped = &junitSkipped{Message: line(c.Reason)}
		case Known:
			tc.Skipped = &junitSkipped{Message: "known failure: " + line(r.KnownReason(c.ID))}
			suite.Skipped++
		}
		suite.Cases = append(suite.Cases, tc)
	}
	for _, e := range baselineFailures(r) {
		suite.Cases = append(suite.Cases, junitCase{
			Classname: "cvmconform.baseline",
			Name:      line(e.Subject()) + " " + string(e.State),
			Time:      junitTime(0),
			Failure:   &junitProblem{Message: line(e.Detail), Type: string(e.State), Text: line(e.Detail) + "\n"},
		})
		suite.Tests++
		suite.Failures++
	}
	if reason, ok := suiteError(r, t); ok {
		suite.Cases = append(suite.Cases, junitCase{
			Classname: "cvmconform.run",
			Name:      "verdict",
			Time:      junitTime(0),
			Error:     &junitProblem{Message: reason, Type: string(Incomplete), Text: reason + "\n"},
		})
		suite.Tests++
		suite.Errors++
	}
	out := junitSuites{
		Name:     suite.Name,
		Tests:    suite.Tests,
		Failures: suite.Failures,
		Errors:   suite.Errors,
		Skipped:  suite.Skipped,
		Time:     suite.Time,
		Suites:   []junitSuite{suite},
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err = io.WriteString(w, "\n")
	return err
}

// baselineFailures are the baseline's entries that fail the gate, in the
// file's order.
func baselineFailures(r Run) []BaselineEntry {
	if r.Baseline == nil {
		return nil
	}
	var out []BaselineEntry
	for _, e := range r.Baseline.Entries {
		if e.State.Failing() {
			out = append(out, e)
		}
	}
	return out
}

// suiteError is the verdict line of a run that is [Incomplete] for a
// reason no testcase shows as an error: it did not reach its end, judged
// nothing, skipped under RequireAll, or fell under MinCoverage.
func suiteError(r Run, t kindText) (string, bool) {
	s := r.Summary()
	if r.Incomplete == "" && (r.Verdict() != Incomplete || s.Error > 0) {
		return "", false
	}
	return verdictLine(r, t), true
}

// problemText is a failure's or error's text: the counterexample, then
// the replay command.
func problemText(c Check) string {
	var parts []string
	if ce := strings.TrimRight(clean(c.Counterexample, true), "\n"); ce != "" {
		parts = append(parts, ce)
	}
	if c.Replay != "" {
		parts = append(parts, "replay: "+clean(c.Replay, false))
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, "\n\n") + "\n"
}

// area is the AREA of an ID SI-<AREA>-<NN>, or the whole (cleaned) ID if
// it has another form.
func area(id string) string {
	if parts := strings.Split(id, "-"); len(parts) == 3 && parts[0] == "SI" && parts[1] != "" {
		return clean(parts[1], false)
	}
	if id == "" {
		return "unknown"
	}
	return clean(id, false)
}

// junitTime is d in seconds with three decimals.
func junitTime(d time.Duration) string {
	return fmt.Sprintf("%.3f", d.Seconds())
}
