package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
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

	for _, tc := range []struct {
		name      string
		run       Run
		complete  bool
		junitRed  bool
		wantWhy   string
		wantError string
	}{
		{name: "cut short", run: cut, complete: false, junitRed: true, wantWhy: cut.Incomplete,
			wantError: "INCOMPLETE: the run did not reach its end: interrupted by SIGINT; 1 of 2 checks passed, 1 skipped or not run, none failed"},
		{name: "whole and green", run: whole, complete: true},
		{name: "skipped under --require-all", run: skipped, complete: true, junitRed: true,
			wantError: "INCOMPLETE: 1 of 2 checks skipped (SI-A-02), and every check was required (--require-all)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, JSON(&b, tc.run))
			var got struct {
				Complete   *bool   `json:"complete"`
				Why        *string `json:"incomplete_reason"`
				RequireAll *bool   `json:"require_all"`
			}
			require.NoError(t, json.Unmarshal(b.Bytes(), &got))
			require.NotNil(t, got.Complete)
			require.Equal(t, tc.complete, *got.Complete)
			require.Equal(t, tc.wantWhy, *got.Why)
			require.Equal(t, tc.run.RequireAll, *got.RequireAll)

			b.Reset()
			require.NoError(t, JUnit(&b, tc.run))
			var suites junitSuites
			require.NoError(t, xml.Unmarshal(b.Bytes(), &suites))
			suite := suites.Suites[0]
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
