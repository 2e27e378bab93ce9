package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A run that did not reach its end is never green, in any report a
// program reads: the JSON says "complete": false and why, and the JUnit
// holds a suite-level error, so that a CI reporter shows the suite red
// although every check it lists passed or was not run.
func TestIncompleteRunIsNeverGreen(t *testing.T) {
	t.Parallel()
	cut := Run{Started: time.Unix(0, 0), Duration: time.Second, Checks: []Check{
		{ID: "SI-A-01", Title: "a", Status: Pass},
		{ID: "SI-A-02", Title: "b", Status: Skip, Reason: "not run: interrupted by SIGINT"},
	}, Incomplete: "the run did not reach its end: interrupted by SIGINT"}
	whole := cut
	whole.Incomplete = ""
	whole.Checks = whole.Checks[:1]
	skipped := cut
	skipped.Incomplete, skipped.RequireAll = "", true
	nothing := cut
	nothing.Incomplete, nothing.Checks = "", nothing.Checks[1:]
	errored := whole
	errored.Checks = append(slices.Clone(whole.Checks), Check{ID: "SI-A-03", Title: "c", Status: Error, Reason: "the target did not answer"})

	for _, tc := range []struct {
		name      string
		run       Run
		complete  bool
		junitRed  bool
		wantWhy   string
		wantError string
		errorCase bool // the JUnit shows the verdict as the check's own error
	}{
		{name: "cut short", run: cut, complete: false, junitRed: true, wantWhy: cut.Incomplete,
			wantError: "INCOMPLETE: the run did not reach its end: interrupted by SIGINT; 1 of 2 checks passed, 1 skipped or not run, none failed"},
		{name: "whole and green", run: whole, complete: true},
		{name: "skipped under --require-all", run: skipped, complete: false, junitRed: true,
			wantWhy:   "1 of 2 checks skipped (SI-A-02), and every check was required (--require-all)",
			wantError: "INCOMPLETE: 1 of 2 checks skipped (SI-A-02), and every check was required (--require-all)"},
		{name: "nothing judged", run: nothing, complete: false, junitRed: true,
			wantWhy:   "nothing was judged (no check passed, 1 check skipped)",
			wantError: "INCOMPLETE: nothing was judged (no check passed, 1 check skipped)"},
		{name: "a check errored", run: errored, complete: false, errorCase: true,
			wantWhy: "1 check could not be carried out (SI-A-03); no check failed, but conformance is undecided"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, JSON(&b, tc.run))
			var got struct {
				Complete   *bool   `json:"complete"`
				Why        *string `json:"incomplete_reason"`
				RequireAll *bool   `json:"require_all"`
				Verdict    string  `json:"verdict"`
				Line       string  `json:"verdict_line"`
			}
			require.NoError(t, json.Unmarshal(b.Bytes(), &got))
			require.NotNil(t, got.Complete)
			require.Equal(t, tc.complete, *got.Complete)
			require.Equal(t, string(tc.run.Verdict()), got.Verdict)
			require.Equal(t, tc.complete, got.Verdict != string(Incomplete), "complete and the verdict agree")
			require.Equal(t, verdictLine(tc.run, kinds[KindRun]), got.Line)
			require.Equal(t, tc.wantWhy, *got.Why)
			require.Equal(t, tc.run.RequireAll, *got.RequireAll)

			b.Reset()
			require.NoError(t, JUnit(&b, tc.run))
			var suites junitSuites
			require.NoError(t, xml.Unmarshal(b.Bytes(), &suites))
			suite := suites.Suites[0]
			if tc.errorCase {
				require.Equal(t, 1, suites.Errors, "the check's own error")
				return
			}
			if !tc.junitRed {
				require.Zero(t, suites.Errors+suites.Failures, b.String())
				require.Len(t, suite.Cases, len(tc.run.Checks))
				return
			}
			require.Equal(t, 1, suites.Errors, "the top-level count CI reporters read")
			require.Equal(t, 1, suite.Errors)
			require.Equal(t, len(tc.run.Checks)+1, suite.Tests)
			last := suite.Cases[len(suite.Cases)-1]
			require.Equal(t, "cvmconform.run", last.Classname)
			require.NotNil(t, last.Error, b.String())
			require.Equal(t, "INCOMPLETE", last.Error.Type)
			require.Equal(t, tc.wantError, last.Error.Message)
		})
	}
}
