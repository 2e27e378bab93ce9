package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// covered is sampleRun with a coverage table: three rules, two of them
// exercised, a code and a ledger entry; and a profile of two dimensions,
// one observed.
func covered() Run {
	r := sampleRun()
	r.Coverage = []CoverageItem{
		{Kind: CoverRule, ID: "ID-MALFORMED", Checks: []string{"SI-ID-01"}, Outcomes: []string{"InvalidInstanceId.Malformed"}},
		{Kind: CoverRule, ID: "BATCH-LIMIT", Checks: []string{"SI-BATCH-02"}, Outcomes: []string{"InvalidParameterValue.LimitExceeded"}},
		{Kind: CoverRule, ID: "PROTO-FINANCE-HOST", Unexercised: "SI-PROTO-09 skipped: needs a Finance region"},
		{Kind: CoverCode, ID: "InternalServerError", Unexercised: "never answered where accepted"},
		{Kind: CoverLedger, ID: "L-06", Checks: []string{"SI-ID-01"}, Outcomes: []string{"InvalidInstanceId.Malformed"}},
	}
	r.Profile = []Dimension{
		{Name: "param-unknown", Ledger: "L-08", Choice: "UnknownParameter", Evidence: "UnknownParameter ×2"},
		{Name: "op-state", Ledger: "L-16", Evidence: "no listing showed one of the run's stops or starts ended"},
	}
	return r
}

// TestConsoleCoverageAndProfile: the console report carries the coverage
// line just before the verdict and the profile block, and neither when
// they were not measured.
func TestConsoleCoverageAndProfile(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	require.NoError(t, Console(&b, covered(), ConsoleOptions{}))
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Equal(t, "rules exercised 2/3 (67%); not exercised: PROTO-FINANCE-HOST", lines[len(lines)-2])
	require.Contains(t, b.String(), "Profile: 1 of 2 dimensions observed")
	require.Contains(t, b.String(), "  param-unknown  UnknownParameter\n")
	require.Contains(t, b.String(), "  not observed: op-state\n")

	b.Reset()
	require.NoError(t, Console(&b, sampleRun(), ConsoleOptions{}))
	require.NotContains(t, b.String(), "rules exercised")
	require.NotContains(t, b.String(), "Profile:")
}

// TestMinCoverageGate: --min-coverage makes a run that exercised fewer
// rules INCOMPLETE, never NOT CONFORMANT (the target departed from
// nothing), and leaves a failure a failure.
func TestMinCoverageGate(t *testing.T) {
	t.Parallel()
	passing := func() Run {
		r := covered()
		for i := range r.Checks {
			if r.Checks[i].Status != Skip {
				r.Checks[i].Status = Pass
			}
		}
		return r
	}
	cases := []struct {
		name     string
		min      float64
		run      Run
		want     Verdict
		wantLine string
		reason   string
	}{
		{"no gate", 0, passing(), Conformant, "", "0 is no gate"},
		{"above", 60, passing(), Conformant, "", "2 of 3 rules is 67%"},
		{"below", 70, passing(), Incomplete, "INCOMPLETE: rules exercised 2/3 (67%), under --min-coverage 70%;",
			"the verdict would rest on less than asked"},
		{"not measured", 10, func() Run { r := passing(); r.Coverage = nil; return r }(), Incomplete, "INCOMPLETE: rules exercised 0/0",
			"coverage not measured is below any gate"},
		{"a failure stays a failure", 90, covered(), NotConformant, "NOT CONFORMANT", "a departure found is reported as such"},
	}
	for _, c := range cases {
		r := c.run
		r.MinCoverage = c.min
		require.Equal(t, c.want, r.Verdict(), "%s: %s", c.name, c.reason)
		if c.wantLine != "" {
			line, err := r.text()
			require.NoError(t, err)
			require.True(t, strings.HasPrefix(verdictLine(r, line), c.wantLine), "%s: %q", c.name, verdictLine(r, line))
		}
		var junit bytes.Buffer
		require.NoError(t, JUnit(&junit, r))
		require.Equal(t, c.want == Incomplete, strings.Contains(junit.String(), `name="verdict"`),
			"%s: CI shows a run under its coverage gate red", c.name)
	}
}

// TestCoverageTable: `cvmconform coverage` groups items by kind, marks
// each exercised or not, and says why not.
func TestCoverageTable(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	require.NoError(t, CoverageTable(&b, covered()))
	out := b.String()
	require.Contains(t, out, "Rules: 2 of 3 exercised")
	require.Contains(t, out, "Error codes of the seed's table: 0 of 1 exercised")
	require.Contains(t, out, "Ledger entries: 1 of 1 exercised")
	require.NotContains(t, out, "Transitions:", "a kind with no items is left out")
	require.Regexp(t, `✓  ID-MALFORMED\s+SI-ID-01\s+InvalidInstanceId.Malformed`, out)
	require.Regexp(t, `·  PROTO-FINANCE-HOST\s+SI-PROTO-09 skipped: needs a Finance region`, out)

	b.Reset()
	require.NoError(t, CoverageTable(&b, sampleRun()))
	require.Equal(t, "coverage was not measured in this report\n", b.String())
}

// TestCompareProfiles: only the dimensions whose choice changed are
// listed, a dimension observed in one report only among them.
func TestCompareProfiles(t *testing.T) {
	t.Parallel()
	a := []Dimension{{Name: "gzip", Choice: "no"}, {Name: "limiter", Choice: "sliding"}, {Name: "op-state"}}
	b := []Dimension{{Name: "gzip", Choice: "no"}, {Name: "limiter", Choice: "token"}, {Name: "op-state", Choice: "lag"}, {Name: "new", Choice: "x"}}
	changed, unchanged := CompareProfiles(a, b)
	require.Equal(t, []ProfileChange{{"limiter", "sliding", "token"}, {"op-state", "", "lag"}, {"new", "", "x"}}, changed)
	require.Equal(t, 1, unchanged)
	var out bytes.Buffer
	require.NoError(t, ProfileDiff(&out, a, b))
	require.Equal(t, "limiter: sliding → token\nop-state: (not observed) → lag\nnew: (not observed) → x\n3 changed, 1 unchanged\n", out.String())
}

// TestCompareProfilesLatency: a latency changes only when its median
// moved by more than a factor of 2; run-to-run timing noise does not.
func TestCompareProfilesLatency(t *testing.T) {
	t.Parallel()
	lat := func(median string) []Dimension {
		return []Dimension{{Name: "latency.StopInstances", Choice: "min 110ms, median " + median + ", max 900ms"}}
	}
	for _, c := range []struct {
		before, after string
		changed       bool
		reason        string
	}{
		{"218ms", "168ms", false, "two runs of one emulator: a factor of 1.3"},
		{"1s", "2s", false, "exactly a factor of 2 is still noise"},
		{"218ms", "872ms", true, "a factor of 4: the operations' latency changed"},
		{"1.2s", "500ms", true, "a factor of 2.4, downwards"},
	} {
		changed, unchanged := CompareProfiles(lat(c.before), lat(c.after))
		require.Equal(t, c.changed, len(changed) == 1, "%s → %s: %s", c.before, c.after, c.reason)
		require.Equal(t, !c.changed, unchanged == 1, "%s → %s: %s", c.before, c.after, c.reason)
	}
	changed, _ := CompareProfiles(lat("200ms"), []Dimension{{Name: "latency.StopInstances"}})
	require.Len(t, changed, 1, "a latency no longer observed is a change")
}

// TestColumns: the profile block's cells go two to a line, down then
// across, where they fit half the width; longer ones after, alone.
func TestColumns(t *testing.T) {
	t.Parallel()
	got := columns([]string{"a  1", "bb  2", "c  3", strings.Repeat("x", 30)}, 40)
	require.Equal(t, []string{"a  1    c  3", "bb  2", strings.Repeat("x", 30)}, got)
}
