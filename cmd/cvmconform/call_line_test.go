package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// TestCallLineReplays: the call line a report gives a failing exchange
// (runner.CallLine) is in call's own argument format: sent through call,
// in every style, it sends the same request (method, body) and gets the
// same answer, which call judges not acceptable (exit 1), as the run did.
func TestCallLineReplays(t *testing.T) {
	t.Parallel()
	e := startEmulator(t, "malformed-id-not-found")
	tg, err := runner.NewTarget(runner.TargetConfig{Endpoint: e.URL, Region: "ap-guangzhou", Cred: e.Cred, Allowed: func(string) bool { return true }})
	require.NoError(t, err)
	for _, sg := range []runner.Signing{runner.SignTC3, {Style: tcapi.StyleTC3Get}, runner.SignHmacSHA1, runner.SignHmacSHA256,
		{Style: tcapi.StyleV1PostForm, V1Method: tcapi.HmacSHA256}} {
		t.Run(sg.Style.String()+" "+sg.V1Method, func(t *testing.T) {
			call := tcapi.Call{Action: model.ActionStop, Style: sg.Style, V1Method: sg.V1Method,
				Params: []tcapi.Param{{Name: "InstanceIds", Value: model.Strs("ins-1122")}, {Name: "StopType", Value: model.Str("SOFT")}}}
			x, err := tg.Do(context.Background(), runner.Send{Call: call, ExactStyle: true})
			require.NoError(t, err)
			require.Equal(t, "InvalidInstanceId.NotFound", x.Outcome.Code)
			line := runner.CallLine(x)
			words := shellWords(t, line)
			require.Equal(t, []string{"cvmconform", "call"}, words[:2], line)

			code, stdout, stderr := invoke(t, callEnv(e), words[1:]...)
			require.Equal(t, exitFailed, code, "%s\n%s", line, stderr)
			require.Contains(t, stdout, `"Code": "InvalidInstanceId.NotFound"`, "the same answer")
			require.Contains(t, stderr, "> "+x.Method+" ", "the same method")
			if sg.Style == tcapi.StyleTC3JSON {
				require.Contains(t, stderr, "> "+x.Body+"\n", "the same body")
			}
			require.Contains(t, stderr, "ID-MALFORMED")
		})
	}
}

// shellWords splits a command line as repro reads a call line
// (splitShell).
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	words, err := splitShell(line)
	require.NoError(t, err, line)
	return words
}
