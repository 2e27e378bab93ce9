package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/fixtures/hostile"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/report"
)

// Readable failures (issue 15 item 3, issue 17 item 3): a failure names
// everything it found, once, in lines that fit a screen, and shows the
// exchanges that make it rather than every one that passed on the way.

// screenWidth is the most characters a console line may take.
const screenWidth = 200

// runAndShow runs the checks only selects against an emulator with fault,
// and returns the result and what a user's screen shows: the progress
// lines, then the console report.
func runAndShow(t *testing.T, fault string, only ...string) (report.Run, string) {
	t.Helper()
	var screen bytes.Buffer
	progress := report.NewProgress(&screen, 0, false)
	res, err := Run(context.Background(), Config{Target: withFaults(t, fault), Only: only, Sequences: 20,
		SettleTimeout: 2 * time.Second, Seed: 1, Progress: progress})
	progress.Close()
	require.NoError(t, err)
	require.NoError(t, report.Console(&screen, res, report.ConsoleOptions{}))
	return res, screen.String()
}

// requireFitsTheScreen fails the test if a line of screen is longer than
// screenWidth.
func requireFitsTheScreen(t *testing.T, screen string) {
	t.Helper()
	for i, l := range strings.Split(screen, "\n") {
		require.LessOrEqual(t, utf8.RuneCountInString(l), screenWidth, "line %d: %.300q", i+1, l)
	}
}

var caseNote = regexp.MustCompile(`# case (\S+) \(`)

// TestHostileListsEveryMishandledCase: a fault that breaks several cases
// of one group (malformed-json-repaired acts on every truncated body it
// can close) fails the group's check once, naming each case, listing each
// on a line of its own, and showing those cases' exchanges, not those of
// the cases that passed.
func TestHostileListsEveryMishandledCase(t *testing.T) {
	t.Parallel()
	res, screen := runAndShow(t, emulator.FaultMalformedRepaired, "SI-HOSTILE-01")
	c := onlyFailure(t, res)
	require.Equal(t, "SI-HOSTILE-01", c.ID)

	var listed []string
	for _, hc := range hostile.Group("01") {
		if strings.Contains(c.Counterexample, "\n  "+hc.Name+": sent "+hc.Brief()+" — ") {
			listed = append(listed, hc.Name)
		}
	}
	require.Contains(t, listed, "json/truncated-in-array", "a body cut inside the array is repaired and served")
	require.Contains(t, listed, "json/truncated-in-string", "a body cut inside a string is repaired and served")
	require.True(t, strings.HasPrefix(c.Reason, itoa(len(listed))+" of "+itoa(len(hostile.Group("01")))+" cases mishandled: json/truncated-in-array, json/truncated-in-string"),
		"the reason counts the cases listed, and names them: %s", c.Reason)

	var shown []string
	for _, m := range caseNote.FindAllStringSubmatch(c.Counterexample, -1) {
		shown = append(shown, m[1])
	}
	require.Equal(t, listed, shown, "the counterexample shows the exchanges of the mishandled cases, and of no other")
	require.Contains(t, c.Counterexample, "exchanges passed: case json/empty-body", "the cases that passed are counted")
	requireFitsTheScreen(t, screen)
}

// TestLongValuesFitTheScreen: the long-ID cases of SI-HOSTILE-03 (IDs of
// 10,000 characters and of a megabyte), answered with the wrong code,
// are shown cut on the console, with how much was cut, and whole in the
// JSON report.
func TestLongValuesFitTheScreen(t *testing.T) {
	t.Parallel()
	res, screen := runAndShow(t, emulator.FaultMalformedIsNotFound, "SI-HOSTILE-03")
	c := onlyFailure(t, res)
	require.Contains(t, c.Counterexample, strings.Repeat("a", 10000), "the result keeps the whole ID")
	requireFitsTheScreen(t, screen)
	require.Regexp(t, `aaaa…\(\+[0-9,]+ bytes\)`, screen, "a cut value says how much was cut")

	var j bytes.Buffer
	require.NoError(t, report.JSON(&j, res))
	var doc struct {
		Checks []struct{ ID, Counterexample string }
	}
	require.NoError(t, json.Unmarshal(j.Bytes(), &doc))
	for _, jc := range doc.Checks {
		if jc.ID == c.ID {
			require.Equal(t, c.Counterexample, jc.Counterexample, "the JSON report keeps every value whole")
		}
	}
}

// TestReasonPrintedOnce: a failure's reason is on the screen once — not
// again in its progress line, in the table, nor as the finding of its
// counterexample, which is marked where it was found (the JSON report
// keeps the counterexample whole).
func TestReasonPrintedOnce(t *testing.T) {
	t.Parallel()
	res, screen := runAndShow(t, emulator.FaultMalformedIsNotFound, "SI-ID-01")
	c := onlyFailure(t, res)
	// The console wraps long lines: compare words, not lines.
	words := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	require.Equal(t, 1, strings.Count(words(screen), words(c.Reason)), "%s", screen)
	require.Contains(t, screen, "✗ the reason above", "the exchange where it was found is marked")
	requireFitsTheScreen(t, screen)
}

func itoa(n int) string { return uintString(uint64(n)) }

// A check that meets one rule in many cases gives its clause once: the
// first ✗ line in full, each later one what was got and "(the clause
// above)" (a new user's finding: SI-HOSTILE-02 repeated the whole finding
// under each of 16 cases).
func TestClauseGivenOnce(t *testing.T) {
	t.Parallel()
	res, _ := runAndShow(t, emulator.FaultTypesUnchecked, "SI-HOSTILE-02")
	c := onlyFailure(t, res)
	full := regexp.MustCompile(`(?m)✗ PARAM-TYPE: expected .*; got success \[seed §2 Type column`).FindAllString(c.Counterexample, -1)
	require.Len(t, full, 1, "%s", c.Counterexample)
	short := strings.Count(c.Counterexample, "✗ PARAM-TYPE: got success (the clause above)")
	require.GreaterOrEqual(t, short, 10, "%s", c.Counterexample)
}
