package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestJUnitGolden(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	require.NoError(t, JUnit(&b, sampleRun()))
	golden(t, "report.junit.golden", b.String())
}

// Parsed JUnit, as a CI reporter reads it.
type (
	parsedSuites struct {
		Tests    int           `xml:"tests,attr"`
		Failures int           `xml:"failures,attr"`
		Errors   int           `xml:"errors,attr"`
		Skipped  int           `xml:"skipped,attr"`
		Suites   []parsedSuite `xml:"testsuite"`
	}
	parsedSuite struct {
		Name       string `xml:"name,attr"`
		Tests      int    `xml:"tests,attr"`
		Failures   int    `xml:"failures,attr"`
		Errors     int    `xml:"errors,attr"`
		Skipped    int    `xml:"skipped,attr"`
		Timestamp  string `xml:"timestamp,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []parsedCase `xml:"testcase"`
	}
	parsedCase struct {
		Classname string         `xml:"classname,attr"`
		Name      string         `xml:"name,attr"`
		Time      string         `xml:"time,attr"`
		Failure   *parsedProblem `xml:"failure"`
		Error     *parsedProblem `xml:"error"`
		Skipped   *parsedProblem `xml:"skipped"`
	}
	parsedProblem struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
)

func TestJUnitParses(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	require.NoError(t, JUnit(&b, sampleRun()))
	var got parsedSuites
	require.NoError(t, xml.Unmarshal(b.Bytes(), &got))
	require.Equal(t, [4]int{5, 1, 1, 1}, [4]int{got.Tests, got.Failures, got.Errors, got.Skipped})
	require.Len(t, got.Suites, 1)
	s := got.Suites[0]
	require.Equal(t, "cvmconform", s.Name)
	require.Equal(t, [4]int{5, 1, 1, 1}, [4]int{s.Tests, s.Failures, s.Errors, s.Skipped})
	require.Equal(t, "2025-11-26T02:00:00Z", s.Timestamp)
	props := map[string]string{}
	var left []string
	for _, p := range s.Properties {
		if p.Name == "left_changed" {
			left = append(left, p.Value)
			continue
		}
		props[p.Name] = p.Value
	}
	require.Equal(t, map[string]string{
		"target": "http://127.0.0.1:41234 (embedded emulator)", "region": "ap-guangzhou",
		"seed": "18446744073709551557", "strict": "false", "fleet": "40 instances in 2 accounts: 36 RUNNING, 4 STOPPED",
		"kind": "run",
	}, props)
	require.Equal(t, []string{"main ap-guangzhou ins-r8hr2upy found RUNNING, left STOPPED",
		"lane-2 ap-guangzhou ins-7xtoccnf found STOPPED, left unknown"}, left, "one property per instance left changed")
	require.Len(t, s.Cases, 5)
	var fails, errs, skips int
	for _, c := range s.Cases {
		require.True(t, strings.HasPrefix(c.Classname, "cvmconform."), c.Classname)
		if c.Failure != nil {
			fails++
		}
		if c.Error != nil {
			errs++
		}
		if c.Skipped != nil {
			skips++
		}
	}
	require.Equal(t, [3]int{1, 1, 1}, [3]int{fails, errs, skips}, "one element per failed, errored, skipped case")

	fail := s.Cases[1]
	require.Equal(t, "cvmconform.BATCH", fail.Classname)
	require.Equal(t, "SI-BATCH-02 Batch of 101 IDs is refused", fail.Name)
	require.Equal(t, "3.100", fail.Time)
	require.Equal(t, "SI-BATCH-02", fail.Failure.Type)
	require.Equal(t, sampleRun().Checks[1].Reason, fail.Failure.Message)
	require.Contains(t, fail.Failure.Text, "<&> and ]]> are not markup\n\nreplay: cvmconform run --seed 18446744073709551557 --only SI-BATCH-02\n",
		"the counterexample survives CDATA, ]]> included, followed by the replay command")
	require.Contains(t, fail.Failure.Text, `"5d1f\xff"`, "invalid UTF-8 is a visible escape")
	require.Equal(t, `read tcp: \x1b[31mconnection reset\x07 by peer`, s.Cases[3].Error.Message, "control characters are visible escapes")
	require.Equal(t, "no PENDING instance in the fleet, and the suite cannot create one", s.Cases[2].Skipped.Message)
}

// isXMLChar is XML 1.0's Char production.
func isXMLChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

func TestJUnitNoForbiddenCharacters(t *testing.T) {
	t.Parallel()
	// Every byte value, and the runes XML forbids, in every text field.
	var all strings.Builder
	for i := range 256 {
		all.WriteByte(byte(i))
	}
	all.WriteString("\u0085\u009b\ufffe\uffff]]>")
	nasty := all.String()
	r := Run{Target: nasty, Region: nasty, Fleet: nasty, Checks: []Check{
		{ID: nasty, Title: nasty, Status: Fail, Reason: nasty, Counterexample: nasty, Replay: nasty},
		{ID: "SI-X-01", Title: nasty, Status: Error, Reason: nasty, Counterexample: nasty},
		{ID: "SI-X-02", Title: nasty, Status: Skip, Reason: nasty},
		{ID: "", Status: Pass},
	}}
	var b bytes.Buffer
	require.NoError(t, JUnit(&b, r))
	out := b.String()
	require.True(t, utf8.ValidString(out), "the output is UTF-8")
	for i, c := range out {
		require.True(t, isXMLChar(c), "forbidden character %U at byte %d", c, i)
	}
	require.NotContains(t, out, "\r", "CR would not survive XML line-end normalisation")
	var got parsedSuites
	require.NoError(t, xml.Unmarshal(b.Bytes(), &got), "well-formed XML")
	require.Len(t, got.Suites[0].Cases, 4)
	require.Equal(t, "cvmconform.unknown", got.Suites[0].Cases[3].Classname)
}

func TestJUnitErrors(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	require.ErrorContains(t, JUnit(&b, Run{Checks: []Check{{ID: "SI-A-01"}}}), `check "SI-A-01" has status ""`)
	require.Zero(t, b.Len())
	err := JUnit(&failingWriter{n: 3}, sampleRun())
	require.True(t, errors.Is(err, errWrite), "got %v", err)
}

func TestArea(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ id, want, reason string }{
		{"SI-BATCH-02", "BATCH", "the catalog's form"},
		{"SI-ID-01", "ID", "a short area"},
		{"BATCH-02", "BATCH-02", "not SI-: the whole ID"},
		{"SI-A-B-01", "SI-A-B-01", "too many parts: the whole ID"},
		{"SI--01", "SI--01", "an empty area: the whole ID"},
		{"", "unknown", "no ID"},
	} {
		require.Equal(t, tc.want, area(tc.id), tc.reason)
	}
}
