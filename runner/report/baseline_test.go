package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// baselineRun is sampleRun judged with a baseline: its failure known, its
// error and the rest as they were, and one entry in every state.
func baselineRun(states ...BaselineState) Run {
	r := sampleRun()
	r.Checks[1].Status = Known
	r.Checks[3].Status, r.Checks[3].Reason, r.Checks[3].Replay = Pass, "", "" // no error: the verdict rests on the baseline alone
	entries := []BaselineEntry{
		{Check: "SI-BATCH-02", Reason: "the batch limit lands in release 4.2", Until: "2026-03-31", State: BaselineKnown,
			Detail: "SI-BATCH-02 still fails, as listed"},
		{Check: "SI-PROTO-01", Reason: "RequestId missing on 5xx", State: BaselineStale,
			Detail: "SI-PROTO-01 now passes: remove it from the baseline"},
		{Check: "SI-ID-01", Rule: "ID-MALFORMED", Reason: "parser rewrite", Until: "2025-01-01", State: BaselineExpired,
			Detail: "SI-ID-01 rule ID-MALFORMED expired on 2025-01-01: fix the failure, or give the entry a later until"},
		{Check: "SI-STATE-04", Reason: "no PENDING", State: BaselineNotJudged,
			Detail: "SI-STATE-04 was skipped: the run cannot tell whether the entry is still needed"},
		{Check: "SI-HOSTILE-02", Case: "ids/leading-space", Reason: "trims IDs", State: BaselineUnused,
			Detail: "SI-HOSTILE-02 was not in the run"},
	}
	var keep []BaselineEntry
	for _, e := range entries {
		for _, s := range states {
			if e.State == s {
				keep = append(keep, e)
			}
		}
	}
	r.Baseline = &Baseline{File: "baseline.yaml", Entries: keep}
	return r
}

var allStates = []BaselineState{BaselineKnown, BaselineStale, BaselineExpired, BaselineNotJudged, BaselineUnused}

func TestBaselineGolden(t *testing.T) {
	t.Parallel()
	r := baselineRun(allStates...)
	for _, tc := range []struct {
		name   string
		render func(*bytes.Buffer) error
	}{
		{"baseline.console.golden", func(b *bytes.Buffer) error { return Console(b, r, ConsoleOptions{}) }},
		{"baseline.junit.golden", func(b *bytes.Buffer) error { return JUnit(b, r) }},
		{"baseline.json.golden", func(b *bytes.Buffer) error { return JSON(b, r) }},
	} {
		var b bytes.Buffer
		require.NoError(t, tc.render(&b))
		golden(t, tc.name, b.String())
	}
}

// The verdict and its last line with a baseline: known failures do not
// fail the gate but are named; a stale or an expired entry fails it even
// when no check failed; the tally reads like protobuf's.
func TestBaselineVerdict(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		states  []BaselineState
		want    Verdict
		line    string
		summary string
		reason  string
	}{
		{"known only", []BaselineState{BaselineKnown, BaselineNotJudged, BaselineUnused}, Conformant,
			"CONFORMANT on 3 of 5 checks (1 skipped: SI-STATE-04), but for 1 known failure (SI-BATCH-02) — 3 pass, 1 known failure, 0 unexpected failures, 0 stale",
			"5 checks: 3 pass, 1 known failure, 0 unexpected failures, 0 stale, 1 skip, 0 error — 1234 requests",
			"a known failure passes the gate, and the last line says so: never greener than what ran"},
		{"stale", []BaselineState{BaselineKnown, BaselineStale}, NotConformant,
			"NOT CONFORMANT: 1 baseline entry stale (SI-PROTO-01) — 3 pass, 1 known failure, 0 unexpected failures, 1 stale",
			"5 checks: 3 pass, 1 known failure, 0 unexpected failures, 1 stale, 1 skip, 0 error",
			"a listed check that passes fails the gate: the list is stale"},
		{"expired", []BaselineState{BaselineKnown, BaselineExpired}, NotConformant,
			"NOT CONFORMANT: 1 baseline entry expired (SI-ID-01 rule ID-MALFORMED) — 3 pass, 1 known failure, 0 unexpected failures, 0 stale, 1 expired",
			"5 checks: 3 pass, 1 known failure, 0 unexpected failures, 0 stale, 1 expired, 1 skip, 0 error",
			"an entry past its until fails the gate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := baselineRun(tc.states...)
			require.Equal(t, tc.want, r.Verdict(), tc.reason)
			var b bytes.Buffer
			require.NoError(t, Console(&b, r, ConsoleOptions{}))
			out := b.String()
			require.True(t, strings.HasSuffix(out, "\n"+tc.line+"\n"), "%s\n%s", tc.reason, out)
			require.Contains(t, out, "\n"+tc.summary, tc.reason)
		})
	}
}

// Without a baseline the reports are those of before: sampleRun's console
// and JUnit goldens are unchanged (TestConsoleGolden, TestJUnitGolden),
// and no status reads "known".
func TestNoBaselineNoKnown(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	require.NoError(t, Console(&b, sampleRun(), ConsoleOptions{}))
	for _, word := range []string{"known failure", "Known failures", "Baseline", "stale"} {
		require.NotContains(t, b.String(), word)
	}
}

// A run whose only failures are known was judged: it is not "nothing
// judged", and its line names them.
func TestOnlyKnownIsJudged(t *testing.T) {
	t.Parallel()
	r := Run{Kind: KindProxy, Checks: []Check{{ID: "http://127.0.0.1:1", Status: Known}},
		Baseline: &Baseline{File: "b.yaml", Entries: []BaselineEntry{{Check: "http://127.0.0.1:1", State: BaselineKnown}}}}
	require.Equal(t, Conformant, r.Verdict())
	t2, err := r.text()
	require.NoError(t, err)
	require.Equal(t, "CONFORMANT but for 1 known failure (http://127.0.0.1:1) — 0 pass, 1 known failure, 0 unexpected failures, 0 stale", verdictLine(r, t2))
}
